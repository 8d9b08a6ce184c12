import { generateKeyPairSync, createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createKeyRing, RevocationSet, verifyAccessToken, type AccessClaims, type KeyRing } from '@authbus/common';
import { signAccessToken } from '@authbus/common/issuer';

const SECRET = 'a'.repeat(48);
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const frozen = { now: () => NOW };
const subject = { sub: 'u1', email: 'ada@example.com', roles: ['user'], sid: 's1', gen: 0 };

function hsRing(kid = 'k1', secret = SECRET): KeyRing {
  return createKeyRing({ keys: [{ kid, secret }], activeKid: kid });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('verifyAccessToken', () => {
  const ring = hsRing();

  it('returns the claims of a token it signed, with kid, iss, aud and a 15 minute lifetime', () => {
    const { token, claims } = signAccessToken(subject, ring, frozen);
    const verified = verifyAccessToken(token, ring, frozen);
    expect(verified).toEqual(claims);
    expect(verified).toMatchObject({
      ...subject,
      iss: 'authbus',
      aud: 'authbus',
      iat: NOW / 1000,
      exp: NOW / 1000 + 900,
    });
    expect(jwt.decode(token, { complete: true })?.header).toMatchObject({ alg: 'HS256', kid: 'k1' });
  });

  it('refuses an expired token beyond the clock tolerance, and accepts it within', () => {
    const { token } = signAccessToken(subject, ring, { ...frozen, ttlSeconds: 60 });
    expect(codeOf(() => verifyAccessToken(token, ring, { now: () => NOW + 64_000 }))).toBeUndefined();
    expect(codeOf(() => verifyAccessToken(token, ring, { now: () => NOW + 66_000 }))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('accepts an expired token only when asked to ignore expiry (refresh)', () => {
    const { token } = signAccessToken(subject, ring, { ...frozen, ttlSeconds: 60 });
    expect(verifyAccessToken(token, ring, { now: () => NOW + 3600_000, ignoreExpiration: true }).sub).toBe('u1');
  });

  it('refuses a token that is not yet valid', () => {
    const token = jwt.sign(
      { ...subject, jti: 'j', iat: NOW / 1000, exp: NOW / 1000 + 900, nbf: NOW / 1000 + 60 },
      SECRET,
      {
        algorithm: 'HS256',
        keyid: 'k1',
        issuer: 'authbus',
        audience: 'authbus',
      },
    );
    expect(codeOf(() => verifyAccessToken(token, ring, frozen))).toBe('ERR_TOKEN_NOT_YET_VALID');
  });

  it('refuses a wrong issuer and a wrong audience', () => {
    const { token: otherIss } = signAccessToken(subject, ring, { ...frozen, issuer: 'evil' });
    const { token: otherAud } = signAccessToken(subject, ring, { ...frozen, audience: 'billing' });
    expect(codeOf(() => verifyAccessToken(otherIss, ring, frozen))).toBe('ERR_TOKEN_INVALID');
    expect(codeOf(() => verifyAccessToken(otherAud, ring, frozen))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses alg none, even with a known kid', () => {
    const payload = { ...subject, jti: 'j', iat: NOW / 1000, exp: NOW / 1000 + 900, iss: 'authbus', aud: 'authbus' };
    const token = `${b64url({ alg: 'none', kid: 'k1' })}.${b64url(payload)}.`;
    expect(codeOf(() => verifyAccessToken(token, ring, frozen))).toBe('ERR_KEY_UNKNOWN');
    const noKid = `${b64url({ alg: 'none' })}.${b64url(payload)}.`;
    expect(codeOf(() => verifyAccessToken(noKid, ring, frozen))).toBe('ERR_KEY_UNKNOWN');
  });

  it('refuses HS256 signed with an RS256 public key (algorithm confusion)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsRing = createKeyRing({ keys: [{ kid: 'rs', privateKey }], activeKid: 'rs' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const payload = { ...subject, jti: 'j', iat: NOW / 1000, exp: NOW / 1000 + 900, iss: 'authbus', aud: 'authbus' };
    const input = `${b64url({ alg: 'HS256', kid: 'rs' })}.${b64url(payload)}`;
    const forged = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(codeOf(() => verifyAccessToken(forged, rsRing, frozen))).toBe('ERR_KEY_UNKNOWN');
    const { token } = signAccessToken(subject, rsRing, frozen);
    expect(verifyAccessToken(token, rsRing, frozen).sub).toBe('u1');
  });

  it('refuses an unknown kid and a path-like kid', () => {
    const { token } = signAccessToken(subject, hsRing('other'), frozen);
    expect(codeOf(() => verifyAccessToken(token, ring, frozen))).toBe('ERR_KEY_UNKNOWN');
    const pathKid = jwt.sign({ ...subject, jti: 'j' }, SECRET, {
      algorithm: 'HS256',
      keyid: '../../etc/passwd',
      issuer: 'authbus',
      audience: 'authbus',
    });
    expect(codeOf(() => verifyAccessToken(pathKid, ring, frozen))).toBe('ERR_KEY_UNKNOWN');
  });

  it('refuses a token signed with another environment’s secret under the same kid', () => {
    const { token } = signAccessToken(subject, hsRing('k1', 'b'.repeat(48)), frozen);
    expect(codeOf(() => verifyAccessToken(token, ring, frozen))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses a tampered payload (role escalation)', () => {
    const { token } = signAccessToken(subject, ring, frozen);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as AccessClaims;
    const tampered = `${header}.${b64url({ ...claims, roles: ['admin'] })}.${signature}`;
    expect(codeOf(() => verifyAccessToken(tampered, ring, frozen))).toBe('ERR_TOKEN_INVALID');
  });

  it('refuses tokens without the authbus claims (no exp, no sid)', () => {
    const noExp = jwt.sign({ ...subject, jti: 'j', iat: NOW / 1000 }, SECRET, {
      algorithm: 'HS256',
      keyid: 'k1',
      issuer: 'authbus',
      audience: 'authbus',
    });
    expect(codeOf(() => verifyAccessToken(noExp, ring, frozen))).toBe('ERR_TOKEN_INVALID');
    const noSid = jwt.sign({ sub: 'u1', email: 'e', roles: [], jti: 'j' }, SECRET, {
      algorithm: 'HS256',
      keyid: 'k1',
      issuer: 'authbus',
      audience: 'authbus',
      expiresIn: 60,
    });
    expect(codeOf(() => verifyAccessToken(noSid, ring))).toBe('ERR_TOKEN_INVALID');
  });

  it.each([
    ['an empty string', ''],
    ['one segment', 'abc'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.sig'],
    ['a header that is an array', `${b64url([1])}.e30.sig`],
    ['a numeric kid', `${b64url({ alg: 'HS256', kid: 5 })}.e30.sig`],
    ['an oversized token', 'a'.repeat(10_000)],
  ])('refuses %s with a typed error', (_name, token) => {
    expect(codeOf(() => verifyAccessToken(token, ring, frozen))).toMatch(/^ERR_(TOKEN_INVALID|KEY_UNKNOWN)$/);
  });

  it('refuses a token issued in the future beyond the clock tolerance, and accepts one within it', () => {
    const at = (seconds: number) => ({ now: () => NOW + seconds * 1000 });
    const { token } = signAccessToken(subject, ring, at(6));
    expect(codeOf(() => verifyAccessToken(token, ring, { ...frozen, clockToleranceSeconds: 5 }))).toBe(
      'ERR_TOKEN_NOT_YET_VALID',
    );
    expect(() => verifyAccessToken(token, ring, { ...frozen, clockToleranceSeconds: 5 })).toThrow(
      /issued in the future/,
    );
    const { token: soon } = signAccessToken(subject, ring, at(5));
    expect(verifyAccessToken(soon, ring, { ...frozen, clockToleranceSeconds: 5 }).sub).toBe('u1');
  });

  it('signs iat as the clock and carries the user generation', () => {
    const { claims } = signAccessToken({ ...subject, gen: 7 }, ring, frozen);
    expect(claims).toMatchObject({ iat: NOW / 1000, exp: NOW / 1000 + 900, gen: 7 });
    expect(verifyAccessToken(signAccessToken({ ...subject, gen: 7 }, ring, frozen).token, ring, frozen).gen).toBe(7);
  });

  it('reads a token without gen (issued by auth 0.1) as generation 0, which every cut-off refuses', () => {
    const { gen: _gen, ...old } = subject;
    const legacy = jwt.sign({ ...old, jti: 'j', iat: NOW / 1000 }, SECRET, {
      algorithm: 'HS256',
      keyid: 'k1',
      issuer: 'authbus',
      audience: 'authbus',
      expiresIn: 900,
    });
    const claims = verifyAccessToken(legacy, ring, frozen);
    expect(claims.gen).toBe(0);
    const revocations = new RevocationSet();
    expect(revocations.isRevoked(claims)).toBe(false);
    revocations.revokeUser('u1', 1, NOW / 1000 + 900);
    expect(revocations.isRevoked(claims)).toBe(true);
    // A wrong type is still refused.
    const wrong = jwt.sign({ ...subject, gen: '1', jti: 'j', iat: NOW / 1000 }, SECRET, {
      algorithm: 'HS256',
      keyid: 'k1',
      issuer: 'authbus',
      audience: 'authbus',
      expiresIn: 900,
    });
    expect(codeOf(() => verifyAccessToken(wrong, ring, frozen))).toBe('ERR_TOKEN_INVALID');
  });

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['an object', { token: 'a.b.c' }],
    ['an array', ['a', 'b', 'c']],
  ])('refuses %s instead of a token with TokenInvalidError, not a TypeError', (_name, value) => {
    expect(codeOf(() => verifyAccessToken(value as unknown as string, ring, frozen))).toBe('ERR_TOKEN_INVALID');
  });

  describe('decodes header and payload as strictly as the signature', () => {
    const sign = (header: string, payload: string): string =>
      `${header}.${payload}.${createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url')}`;
    const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const claims = { ...subject, jti: 'j', iat: NOW / 1000, exp: NOW / 1000 + 900, iss: 'authbus', aud: 'authbus' };
    const payload = b64url(claims);
    /** The value in standard base64 without padding, padded with a field until it holds a `+` or `/`. */
    const standardBase64 = (value: object): string => {
      for (let i = 0; ; i++) {
        const spelled = Buffer.from(JSON.stringify({ ...value, pad: '?'.repeat(i) }))
          .toString('base64')
          .replace(/=+$/, '');
        if (/[+/]/.test(spelled)) return spelled;
      }
    };

    it('accepts the canonical spelling', () => {
      expect(verifyAccessToken(sign(header, payload), ring, frozen).sub).toBe('u1');
    });

    it.each([
      ['a payload in standard base64 (+ or /)', standardBase64(claims)],
      ['a payload with = padding', `${payload}${'='.repeat((4 - (payload.length % 4)) % 4 || 2)}`],
      ['a payload with a stray character', `${payload.slice(0, 10)}!${payload.slice(10)}`],
      [
        'a payload whose last character carries unused bits',
        (() => {
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          return payload.length % 4 === 0
            ? `${payload}A`
            : payload.slice(0, -1) + alphabet[alphabet.indexOf(payload.at(-1)!) ^ 1];
        })(),
      ],
      [
        'a payload that is not UTF-8',
        Buffer.concat([
          Buffer.from(JSON.stringify(claims).slice(0, -1)),
          Buffer.from([0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        ]).toString('base64url'),
      ],
    ])('refuses %s, signed correctly', (_name, spelled) => {
      expect(codeOf(() => verifyAccessToken(sign(header, spelled), ring, frozen))).toBe('ERR_TOKEN_INVALID');
    });

    it('refuses a header spelled with padding or standard base64', () => {
      expect(codeOf(() => verifyAccessToken(sign(`${header}=`, payload), ring, frozen))).toBe('ERR_TOKEN_INVALID');
      expect(
        codeOf(() => verifyAccessToken(sign(standardBase64({ alg: 'HS256', kid: 'k1' }), payload), ring, frozen)),
      ).toBe('ERR_TOKEN_INVALID');
    });
  });

  it('verifies with a ring that holds only the ES256 public key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = createKeyRing({ keys: [{ kid: 'es1', privateKey }], activeKid: 'es1' });
    const verifier = createKeyRing({ keys: [{ kid: 'es1', publicKey }] });
    const { token } = signAccessToken(subject, signer, frozen);
    expect(verifyAccessToken(token, verifier, frozen).sub).toBe('u1');
    expect(() => signAccessToken(subject, verifier, frozen)).toThrow(/no active signing key/);
  });
});
