import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyRing, keyRingFromEnv, verifyAccessToken } from '@authbus/common';
import { signAccessToken } from '@authbus/common/issuer';

const subject = { sub: 'u1', email: 'ada@example.com', roles: [], sid: 's1', gen: 0 };

describe('createKeyRing', () => {
  it('refuses HS256 secrets shorter than 32 bytes with a message that says how to make one', () => {
    expect(() => createKeyRing({ keys: [{ kid: 'k', secret: 'asdf' }] })).toThrow(/at least 32 random bytes/);
  });

  it('refuses a public key configured as an HS256 secret: anyone holding the public key could sign', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    for (const pem of [
      publicKey.export({ type: 'spki', format: 'pem' }),
      rsa.export({ type: 'pkcs1', format: 'pem' }),
    ]) {
      expect(() => createKeyRing({ keys: [{ kid: 'k', secret: String(pem) }] })).toThrow(/looks like a PEM key/);
      expect(() => createKeyRing({ keys: [{ kid: 'k', secret: Buffer.from(String(pem)) }] })).toThrow(
        /looks like a PEM key/,
      );
      expect(() => keyRingFromEnv({ JWT_KEY: String(pem) })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
      expect(() => keyRingFromEnv({ JWT_KEYS: `a:${String(pem)}` })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG' }),
      );
    }
    const der = publicKey.export({ type: 'spki', format: 'der' });
    expect(() => createKeyRing({ keys: [{ kid: 'k', secret: der }] })).toThrow(/is a public key/);
  });

  it('refuses duplicate kids, bad kids and an active kid it does not hold', () => {
    const secret = 'x'.repeat(32);
    expect(() =>
      createKeyRing({
        keys: [
          { kid: 'a', secret },
          { kid: 'a', secret },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => createKeyRing({ keys: [{ kid: '../x', secret }] })).toThrow(/Key id/);
    expect(() => createKeyRing({ keys: [{ kid: 'a', secret }], activeKid: 'b' })).toThrow(/not in the key ring/);
  });

  it('refuses RSA keys below 2048 bits and curves other than P-256', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    expect(() => createKeyRing({ keys: [{ kid: 'r', privateKey: small }] })).toThrow(/2048/);
    expect(() => createKeyRing({ keys: [{ kid: 'e', privateKey: p384 }] })).toThrow(/P-256/);
  });

  it('without a kid in the header picks the only key of that algorithm, and refuses when several match', () => {
    const one = createKeyRing({ keys: [{ kid: 'a', secret: 'x'.repeat(32) }] });
    expect(one.select({ alg: 'HS256' }).kid).toBe('a');
    const two = createKeyRing({
      keys: [
        { kid: 'a', secret: 'x'.repeat(32) },
        { kid: 'b', secret: 'y'.repeat(32) },
      ],
    });
    expect(() => two.select({ alg: 'HS256' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_AMBIGUOUS' }));
    expect(() => two.select({ alg: 'RS256' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }));
  });
});

describe('keyRingFromEnv', () => {
  it('fails fast with a clear message when no key is configured', () => {
    expect(() => keyRingFromEnv({})).toThrow(/No JWT keys configured: set JWT_KEY/);
  });

  it('reads JWT_KEY as kid "default"', () => {
    const ring = keyRingFromEnv({ JWT_KEY: 'k'.repeat(40) });
    expect(ring.activeKid).toBe('default');
  });

  it('rotates with JWT_KEYS: the old key still verifies, the active one signs', () => {
    const before = keyRingFromEnv({ JWT_KEYS: `v1:${'1'.repeat(40)}`, JWT_ACTIVE_KID: 'v1' });
    const during = keyRingFromEnv({ JWT_KEYS: `v1:${'1'.repeat(40)},v2:${'2'.repeat(40)}`, JWT_ACTIVE_KID: 'v2' });
    const old = signAccessToken(subject, before).token;
    const fresh = signAccessToken(subject, during).token;
    expect(verifyAccessToken(old, during).sub).toBe('u1');
    expect(verifyAccessToken(fresh, during).sub).toBe('u1');
    expect(() => verifyAccessToken(fresh, before)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }));
  });

  it('refuses a malformed JWT_KEYS', () => {
    expect(() => keyRingFromEnv({ JWT_KEYS: 'nocolon' })).toThrow(/kid1:secret1/);
  });

  it('loads an ES256 private key for the signer and a folder of public keys for verifiers', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dir = mkdtempSync(join(tmpdir(), 'authbus-keys-'));
    writeFileSync(join(dir, 'es-2026.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'README'), 'not a key');
    const signer = keyRingFromEnv({
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      JWT_ACTIVE_KID: 'es-2026',
    });
    const verifier = keyRingFromEnv({ JWT_PUBLIC_KEYS_DIR: dir, JWT_ACTIVE_KID: 'es-2026' });
    expect(verifier.activeKid).toBeUndefined();
    const { token } = signAccessToken(subject, signer);
    expect(verifyAccessToken(token, verifier).sub).toBe('u1');
  });

  it('says which variable is wrong when a key file is missing', () => {
    expect(() => keyRingFromEnv({ JWT_PRIVATE_KEY_FILE: '/nonexistent/key.pem', JWT_ACTIVE_KID: 'a' })).toThrow(
      /JWT_PRIVATE_KEY_FILE/,
    );
    expect(() => keyRingFromEnv({ JWT_PUBLIC_KEYS_DIR: '/nonexistent' })).toThrow(/JWT_PUBLIC_KEYS_DIR/);
  });
});
