import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { createKeyRing, verifyAccessToken, type KeyRing } from '@authbus/common';

/**
 * The verifier checks signatures with node:crypto directly. jsonwebtoken is the reference: for
 * tokens it signs with every algorithm and option we use, and for random corruptions of them, both
 * must agree on accept or refuse, and on the claims when they accept.
 */
const NOW = 1_800_000_000;
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rs = generateKeyPairSync('rsa', { modulusLength: 2048 });
const HS_SECRET = 'h'.repeat(48);
const ring: KeyRing = createKeyRing({
  keys: [
    { kid: 'hs', secret: HS_SECRET },
    { kid: 'es', privateKey: es.privateKey },
    { kid: 'rs', privateKey: rs.privateKey },
  ],
  activeKid: 'hs',
});
const signing = {
  hs: { alg: 'HS256', key: HS_SECRET },
  es: { alg: 'ES256', key: es.privateKey },
  rs: { alg: 'RS256', key: rs.privateKey },
} as const;
const verifying = { hs: HS_SECRET, es: es.publicKey, rs: rs.publicKey } as const;

/**
 * jsonwebtoken's verdict with the options authbus uses, plus what authbus requires on top: the
 * claim shape, and no `iat` beyond the clock tolerance (jsonwebtoken does not check `iat`).
 */
function reference(token: string): object | 'refused' {
  try {
    const header = jwt.decode(token, { complete: true })?.header;
    const kid = header?.kid as keyof typeof verifying | undefined;
    if (!kid || !(kid in verifying) || header?.alg !== signing[kid].alg) return 'refused';
    const payload = jwt.verify(token, verifying[kid], {
      algorithms: [signing[kid].alg],
      issuer: 'authbus',
      audience: 'authbus',
      clockTolerance: 5,
      clockTimestamp: NOW,
    }) as Record<string, unknown>;
    const ok =
      ['sub', 'email', 'sid', 'jti'].every((k) => typeof payload[k] === 'string' && payload[k].length > 0) &&
      Number.isInteger(payload.iat) &&
      (payload.iat as number) <= NOW + 5 &&
      Number.isInteger(payload.exp) &&
      Number.isSafeInteger(payload.gen) &&
      (payload.gen as number) >= 0 &&
      Array.isArray(payload.roles);
    return ok ? payload : 'refused';
  } catch {
    return 'refused';
  }
}

function ours(token: string): object | 'refused' {
  try {
    return verifyAccessToken(token, ring, { now: () => NOW * 1000, clockToleranceSeconds: 5 });
  } catch {
    return 'refused';
  }
}

const claims = fc.record({
  sub: fc.constantFrom('u1', '6b04a94a044b283e2cbe76be'),
  email: fc.constant('a@example.com'),
  roles: fc.constantFrom([], ['user'], ['user', 'admin']),
  sid: fc.string({ minLength: 1, maxLength: 22 }),
  jti: fc.constantFrom('j1', 'j2'),
  gen: fc.constantFrom<number>(0, 0, 3, -1, 1.5),
  iat: fc.integer({ min: NOW - 2000, max: NOW + 20 }),
  exp: fc.integer({ min: NOW - 20, max: NOW + 2000 }),
  iss: fc.constantFrom('authbus', 'evil'),
  aud: fc.constantFrom<string | string[]>('authbus', 'other', ['other', 'authbus'], ['other']),
});
const nbf = fc.option(fc.integer({ min: NOW - 20, max: NOW + 20 }), { nil: undefined });
const kid = fc.constantFrom('hs', 'es', 'rs');

function sign(payload: object, k: keyof typeof signing, notBefore?: number): string {
  const body = notBefore === undefined ? payload : { ...payload, nbf: notBefore };
  return jwt.sign(body, signing[k].key, { algorithm: signing[k].alg, keyid: k });
}

function canonicalSignature(token: string): boolean {
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

/** Corruptions an attacker (or a broken proxy) might produce. */
const mutation = fc.oneof(
  fc.constant((t: string) => t),
  fc.nat().map((i) => (t: string) => {
    const at = i % t.length;
    const c = t[at] === 'A' ? 'B' : 'A';
    return t.slice(0, at) + c + t.slice(at + 1);
  }),
  fc.nat().map((i) => (t: string) => t.slice(0, i % t.length)),
  fc.constant((t: string) => `${t}x`),
  // Another spelling of the same signature bytes: the unused low bits of the last character.
  fc.integer({ min: 1, max: 3 }).map((bits) => (t: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(t.at(-1)!);
    return t.slice(0, -1) + alphabet[last ^ bits];
  }),
  fc.constant((t: string) => `${t}.`),
  fc.constant((t: string) => t.split('.').slice(0, 2).join('.') + '.'),
  fc.constant((t: string) => {
    const [h, p, s] = t.split('.');
    return `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h!, 'base64url').toString()), alg: 'HS256', kid: 'hs' })).toString('base64url')}.${p}.${s}`;
  }),
  fc.constant((t: string) => {
    const [h, p, s] = t.split('.');
    const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['admin'] };
    return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  }),
);

describe('verifyAccessToken agrees with jsonwebtoken', () => {
  it('on valid and invalid tokens of every algorithm, and on corrupted ones', () => {
    fc.assert(
      fc.property(claims, kid, nbf, mutation, (c, k, notBefore, mutate) => {
        const token = mutate(sign(c, k, notBefore));
        const expected = reference(token);
        const actual = ours(token);
        if (expected === 'refused') return actual === 'refused';
        // Stricter on purpose: a signature spelled other than canonically is refused (jsonwebtoken
        // ignores the unused bits of the last character for ES256 and RS256, not for HS256).
        if (actual === 'refused') return !canonicalSignature(token);
        return JSON.stringify(actual) === JSON.stringify(expected);
      }),
      { numRuns: 1500 },
    );
  });

  it('accepts what jsonwebtoken accepts often enough for the comparison to mean something', () => {
    let accepted = 0;
    fc.assert(
      fc.property(claims, kid, (c, k) => {
        if (
          ours(sign({ ...c, iss: 'authbus', aud: 'authbus', exp: NOW + 600, iat: Math.min(c.iat, NOW), gen: 0 }, k)) !==
          'refused'
        )
          accepted++;
      }),
      { numRuns: 100 },
    );
    expect(accepted).toBe(100);
  });
});
