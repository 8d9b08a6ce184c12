import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors/config-error';
import { createKeyRing, type KeyRing, type KeySpec } from './key-ring';

/** Members of a JWK that hold private material: a verifier's key set never carries them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;

/**
 * The public keys of a JWK Set (RFC 7517 §5) as key specs: keys with `use` other than `sig` are
 * skipped (they are not for signatures); a key with private members, a symmetric (`oct`) key, a
 * key without `kid`, or an `alg` other than the one its type implies (ES256 for P-256, RS256 for
 * RSA) is refused with `ConfigError`, as is a document that is not a key set.
 */
export function keySpecsFromJwks(document: unknown): KeySpec[] {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new ConfigError('A JWK Set is an object with a "keys" array');
  }
  const specs: KeySpec[] = [];
  for (const [i, entry] of (document as { keys: unknown[] }).keys.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConfigError(`JWK Set key ${i} is not an object`);
    }
    const jwk = entry as Record<string, unknown>;
    if (typeof jwk.kid !== 'string') throw new ConfigError(`JWK Set key ${i} has no "kid"`);
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) {
      throw new ConfigError(`JWK "${jwk.kid}" holds private key material; a verifier needs public keys only`);
    }
    const expectedAlg = jwk.kty === 'EC' ? 'ES256' : jwk.kty === 'RSA' ? 'RS256' : undefined;
    if (expectedAlg === undefined) throw new ConfigError(`JWK "${jwk.kid}" must be an EC (P-256) or RSA key`);
    if (jwk.alg !== undefined && jwk.alg !== expectedAlg) {
      throw new ConfigError(
        `JWK "${jwk.kid}" says alg ${JSON.stringify(jwk.alg)}; authbus uses ${expectedAlg} for ${jwk.kty as string} keys`,
      );
    }
    const material: JsonWebKey =
      jwk.kty === 'EC'
        ? { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }
        : { kty: 'RSA', n: jwk.n as string, e: jwk.e as string };
    try {
      specs.push({ kid: jwk.kid, publicKey: createPublicKey({ key: material, format: 'jwk' }) });
    } catch (err) {
      throw new ConfigError(`JWK "${jwk.kid}" cannot be loaded: ${(err as Error).message}`, { cause: err });
    }
  }
  return specs;
}

/** Read a JWK Set file (JSON). Throws `ConfigError` naming the file when it cannot be read or parsed. */
export function readJwksFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new ConfigError(`JWK Set file ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A verifying key ring from a JWK Set: a document (e.g. fetched from the auth service's
 * `/.well-known/jwks.json`) or the path of a file holding one. Checks each key as
 * `createKeyRing` does (P-256 curve, RSA of 2048+ bits, kid syntax, no duplicates).
 *
 * ```ts
 * const keyRing = keyRingFromJwks('/etc/authbus/jwks.json');
 * ```
 */
export function keyRingFromJwks(source: string | object): KeyRing {
  const specs = keySpecsFromJwks(typeof source === 'string' ? readJwksFile(source) : source);
  if (specs.length === 0) throw new ConfigError('The JWK Set holds no signature keys');
  return createKeyRing({ keys: specs });
}
