import type { KeyObject } from 'node:crypto';
import { createKeyRing, type JwtKey } from '@authbus/common';

/** A private key as a ring key (algorithm from the key, checked as configured keys are). */
export function createSigningKey(kid: string, privateKey: KeyObject): JwtKey {
  return createKeyRing({ keys: [{ kid, privateKey }] }).keys[0]!;
}
