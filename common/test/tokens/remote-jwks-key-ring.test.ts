import { randomUUID } from 'node:crypto';
import { createRemoteJwksKeyRing, verifyAccessToken, type ClaimMapping, type RemoteJwksKeyRing } from '@authbus/common';
import { startTestIdentityProvider, waitFor, type TestIdentityProvider } from '@authbus/common/testing';

const KEYCLOAK: ClaimMapping = { roles: 'realm_access.roles', gen: 'iat', idPrefix: 'oidc:' };

describe('createRemoteJwksKeyRing', () => {
  let idp: TestIdentityProvider;
  let clock: number;
  let ring: RemoteJwksKeyRing;

  beforeEach(async () => {
    idp = await startTestIdentityProvider();
    clock = Date.now();
    ring = createRemoteJwksKeyRing({ jwksUri: idp.jwksUri, minRefreshIntervalMs: 60_000, now: () => clock });
    await ring.ready();
  });

  afterEach(async () => {
    ring.close();
    await idp.stop();
  });

  const accessToken = (claims: Record<string, unknown> = {}) =>
    idp.sign({
      sub: 'user-1',
      sid: 'session-1',
      aud: 'tickets',
      jti: randomUUID(),
      email: 'ada@example.com',
      realm_access: { roles: ['user', 'editor'] },
      ...claims,
    });
  const verify = (token: string, claims: ClaimMapping = KEYCLOAK) =>
    verifyAccessToken(token, ring, { issuer: idp.issuer, audience: 'tickets', claims });

  it('fetches the JWKS at start and verifies the provider’s tokens through the claim mapping', () => {
    expect(idp.jwksFetches).toBe(1);
    expect(ring.kids).toEqual([idp.kid]);
    const token = accessToken();
    const claims = verify(token);
    const iat = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).iat as number;
    expect(claims).toMatchObject({
      sub: 'oidc:user-1',
      sid: 'oidc:session-1',
      roles: ['user', 'editor'],
      email: 'ada@example.com',
      gen: iat,
      iss: idp.issuer,
      aud: 'tickets',
    });
  });

  it('refuses tokens without sub or sid, with roles that are not strings, of another issuer or audience', () => {
    expect(() => verify(accessToken({ sid: undefined }))).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }),
    );
    expect(() => verify(accessToken({ sub: '' }))).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }));
    expect(() => verify(accessToken({ realm_access: { roles: [1] } }))).toThrow(
      expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }),
    );
    expect(() => verify(accessToken({ iss: 'https://other.example.com' }))).toThrow(/Wrong issuer/);
    expect(() => verify(accessToken({ aud: 'billing' }))).toThrow(/Wrong audience/);
    // Without the mapping, the provider's token is not an authbus token.
    expect(() => verifyAccessToken(accessToken(), ring, { issuer: idp.issuer, audience: 'tickets' })).toThrow(
      /incomplete/,
    );
  });

  it('reads gen from a path when the mapping says so, and refuses a token without it', () => {
    expect(verify(accessToken({ authbus: { gen: 7 } }), { ...KEYCLOAK, gen: 'authbus.gen' }).gen).toBe(7);
    expect(() => verify(accessToken(), { ...KEYCLOAK, gen: 'authbus.gen' })).toThrow(/incomplete/);
  });

  it('fetches again on an unknown kid at most once per interval, however many such tokens arrive', async () => {
    const forged = accessToken();
    const [h, p, s] = forged.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const withKid = (kid: string) =>
      `${Buffer.from(JSON.stringify({ ...header, kid })).toString('base64url')}.${p}.${s}`;
    // Within the interval after the start-up fetch: unknown kids fetch nothing.
    expect(() => verify(withKid('early'))).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }));
    expect(idp.jwksFetches).toBe(1);
    clock += 60_000;
    for (let i = 0; i < 200; i++) {
      expect(() => verify(withKid(`random-${i}`))).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }));
    }
    await waitFor(() => idp.jwksFetches === 2, { description: 'one refetch' });
    // The provider counts the request when it arrives; join the refetch until its answer is read.
    await ring.refresh();
    // Still within the interval: nothing more, even for a new kid.
    expect(() =>
      verify(`${Buffer.from(JSON.stringify({ ...header, kid: 'x' })).toString('base64url')}.${p}.${s}`),
    ).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }));
    expect(await ring.refresh()).toBe(false);
    expect(idp.jwksFetches).toBe(2);
  });

  it('learns a rotated key on the first token that uses it, once the interval allows a fetch', async () => {
    idp.rotate();
    const token = accessToken();
    clock += 60_000;
    expect(() => verify(token)).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNKNOWN' }));
    await waitFor(() => ring.kids.includes(idp.kid), { description: 'the new key' });
    expect(verify(token).sub).toBe('oidc:user-1');
    expect(idp.jwksFetches).toBe(2);
  });

  it('keeps the known keys when a refresh fails', async () => {
    const token = accessToken();
    idp.setJwksDown(true);
    clock += 60_000;
    expect(await ring.refresh()).toBe(false);
    expect(idp.jwksFetches).toBe(2);
    expect(verify(token).sid).toBe('oidc:session-1');
  });

  it('never signs, and refuses a jwksUri that is not http(s)', () => {
    expect(() => ring.signer()).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    expect(() => createRemoteJwksKeyRing({ jwksUri: 'file:///etc/keys' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG' }),
    );
  });
});
