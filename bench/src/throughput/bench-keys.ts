import { generateKeyPairSync } from 'node:crypto';
import { createKeyRing, type KeyRing } from '@authbus/common';
import { BENCH_KID, BENCH_SECRET } from './cases';

/** PEM key pairs made once per run, handed to the server processes (public half) through the env. */
export interface BenchKeyPairs {
  ES256: { privateKey: string; publicKey: string };
  RS256: { privateKey: string; publicKey: string };
}

export function generateBenchKeyPairs(): BenchKeyPairs {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  return {
    ES256: generateKeyPairSync('ec', { namedCurve: 'prime256v1', publicKeyEncoding, privateKeyEncoding }),
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding }),
  };
}

/** The ring that signs (bench parent) or verifies (server process) for an algorithm. */
export function benchKeyRing(alg: 'HS256' | 'ES256' | 'RS256', pem?: string, signing = false): KeyRing {
  if (alg === 'HS256') return createKeyRing({ keys: [{ kid: BENCH_KID, secret: BENCH_SECRET }], activeKid: BENCH_KID });
  if (pem === undefined) throw new Error(`no ${alg} key for the bench`);
  return createKeyRing({ keys: [signing ? { kid: BENCH_KID, privateKey: pem } : { kid: BENCH_KID, publicKey: pem }] });
}
