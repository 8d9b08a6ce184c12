import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyRing, jwksOf, keyRingFromEnv, keyRingFromJwks, verifyAccessToken } from '@authbus/common';
import { signAccessToken } from '@authbus/common/issuer';
import { TEST_JWT_SECRET } from '@authbus/common/testing';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = createKeyRing({
  keys: [
    { kid: 'es-1', privateKey: ec.privateKey },
    { kid: 'hs', secret: TEST_JWT_SECRET },
  ],
  activeKid: 'es-1',
});
const subject = { sub: 'u1', email: 'a@example.com', roles: [], sid: 's1', gen: 0 };

describe('key rings from a JWK Set', () => {
  it('publishes public keys only and a ring built from the set verifies what the signer signed', () => {
    const set = jwksOf(signer.keys);
    expect(set.keys.map((k) => k.kid)).toEqual(['es-1']);
    expect(JSON.stringify(set)).not.toMatch(/"d"|"k"/);
    const ring = keyRingFromJwks(set);
    expect(ring.activeKid).toBeUndefined();
    expect(verifyAccessToken(signAccessToken(subject, signer).token, ring).sub).toBe('u1');
  });

  it('reads a JWK Set file, also from JWT_JWKS_FILE beside configured keys', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jwks-')), 'jwks.json');
    writeFileSync(file, JSON.stringify(jwksOf(signer.keys)));
    expect(keyRingFromJwks(file).kids).toEqual(['es-1']);
    expect(keyRingFromEnv({ JWT_KEYS: `hs:${TEST_JWT_SECRET}`, JWT_JWKS_FILE: file }).kids).toEqual(['hs', 'es-1']);
    expect(() => keyRingFromEnv({ JWT_JWKS_FILE: join(file, 'missing') })).toThrow(/cannot be read/);
  });

  it('skips keys for other uses and refuses private, symmetric, mislabelled and malformed keys', () => {
    const [jwk] = jwksOf(signer.keys).keys;
    expect(keyRingFromJwks({ keys: [jwk, { ...jwk, kid: 'enc', use: 'enc' }] }).kids).toEqual(['es-1']);
    expect(() => keyRingFromJwks({ keys: [{ ...jwk, d: 'secret' }] })).toThrow(/private key material/);
    expect(() => keyRingFromJwks({ keys: [{ kty: 'oct', kid: 'x', k: 'abc' }] })).toThrow(/private key material/);
    expect(() => keyRingFromJwks({ keys: [{ kty: 'oct', kid: 'x' }] })).toThrow(/EC \(P-256\) or RSA/);
    expect(() => keyRingFromJwks({ keys: [{ ...jwk, alg: 'HS256' }] })).toThrow(/says alg "HS256"/);
    expect(() => keyRingFromJwks({ keys: [{ ...jwk, x: 'AAAA' }] })).toThrow(/cannot be loaded/);
    expect(() => keyRingFromJwks({ keys: [{ ...jwk, kid: undefined }] })).toThrow(/has no "kid"/);
    expect(() => keyRingFromJwks({ keys: 'nope' })).toThrow(/"keys" array/);
    expect(() => keyRingFromJwks({ keys: [] })).toThrow(/no signature keys/);
  });
});
