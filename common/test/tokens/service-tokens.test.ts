import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  createKeyRing,
  createServiceTokenVerifier,
  credentialIdOf,
  serviceCredential,
  verifyAccessToken,
  type KeyRing,
} from '@authbus/common';
import { signAccessToken, signDelegatedToken, signServiceToken } from '@authbus/common/issuer';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const frozen = { now: () => NOW };
const user = { sub: 'u1', email: 'ada@example.com', roles: ['user'], sid: 's1', gen: 2 };

function esRing(): KeyRing {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return createKeyRing({ keys: [{ kid: 'k1', privateKey }], activeKid: 'k1' });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('service tokens', () => {
  const ring = esRing();
  const tickets = createServiceTokenVerifier(ring, 'tickets', frozen);

  it('a service token names its service and audience, lives 5 minutes and is typed', () => {
    const { token, claims } = signServiceToken(
      { service: 'auth', credential: 'c1', audience: ['tickets'] },
      ring,
      frozen,
    );
    expect(jwt.decode(token, { complete: true })?.header).toMatchObject({ typ: 'authbus-service+jwt', kid: 'k1' });
    expect(tickets(token)).toEqual(claims);
    expect(claims).toMatchObject({ sub: 'service:auth', client_id: 'auth', aud: ['tickets'], token_use: 'service' });
    expect(claims.exp - claims.iat).toBe(300);
  });

  it('a service token is refused by another audience, and once expired', () => {
    const { token } = signServiceToken({ service: 'auth', credential: 'c1', audience: ['orders'] }, ring, frozen);
    expect(codeOf(() => tickets(token))).toBe('ERR_TOKEN_INVALID');
    const { token: ok } = signServiceToken({ service: 'auth', credential: 'c1', audience: ['tickets'] }, ring, frozen);
    const later = createServiceTokenVerifier(ring, 'tickets', { now: () => NOW + 306_000 });
    expect(codeOf(() => later(ok))).toBe('ERR_TOKEN_EXPIRED');
  });

  it('a service token is never an access token, and an access token never a service token', () => {
    const { token: service } = signServiceToken(
      { service: 'auth', credential: 'c1', audience: ['authbus'] },
      ring,
      frozen,
    );
    expect(codeOf(() => verifyAccessToken(service, ring, frozen))).toBe('ERR_TOKEN_INVALID');
    const { token: access } = signAccessToken(user, ring, frozen);
    expect(codeOf(() => tickets(access))).toBe('ERR_TOKEN_INVALID');
    // Claims that say "service" in an access token's clothes (typ JWT) are refused as well.
    const key = ring.signer();
    const disguised = jwt.sign(
      {
        ...user,
        jti: 'j',
        iss: 'authbus',
        aud: 'authbus',
        act: { sub: 'service:x' },
        iat: NOW / 1000,
        exp: NOW / 1000 + 60,
      },
      key.signKey!,
      { algorithm: 'ES256', keyid: 'k1' },
    );
    expect(codeOf(() => verifyAccessToken(disguised, ring, frozen))).toBe('ERR_TOKEN_INVALID');
  });

  it('a delegated token carries the user and the acting service, for one audience, never past the user token', () => {
    const { token, claims } = signDelegatedToken(
      { service: 'tickets', credential: 'c1', audience: 'tickets', user, notAfter: NOW / 1000 + 60 },
      ring,
      frozen,
    );
    expect(tickets(token)).toMatchObject({ ...user, act: { sub: 'service:tickets' }, aud: 'tickets' });
    expect(claims.exp).toBe(NOW / 1000 + 60);
    expect(codeOf(() => createServiceTokenVerifier(ring, 'auth', frozen)(token))).toBe('ERR_TOKEN_INVALID');
  });

  it('a credential id is the RFC 7638 thumbprint, the same from the private and the public key', () => {
    // RFC 7638 §3.1's example is RSA; this is the same computation on a P-256 key.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(credentialIdOf(privateKey)).toBe(credentialIdOf(publicKey));
    expect(credentialIdOf(privateKey)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
    expect(serviceCredential('tickets', pem).id).toBe(credentialIdOf(publicKey));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    expect(() => serviceCredential('tickets', rsa)).toThrow(/P-256/);
  });
});
