import { createHmac, randomUUID } from 'node:crypto';
import {
  AUTH_STREAM,
  createAuthKit,
  createRemoteJwksKeyRing,
  type AuthKit,
  type RemoteJwksKeyRing,
} from '@authbus/common';
import { startTestIdentityProvider, waitFor, type TestIdentityProvider } from '@authbus/common/testing';
import { connect, type NatsConnection } from 'nats';
import { recordReliability, startTestStack } from '@authbus/test-support';
import type { Stack } from '@authbus/local';

const CLIENT_ID = 'authbus-client';
const AUDIENCE = 'tickets';
const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * An identity provider we did not write (a local stand-in with its own key and JWKS) signs users
 * in; two services verify its access tokens with the kit (remote JWKS, claim mapping) and the real
 * auth service receives its back-channel logouts. A valid logout must reach every kit; forged,
 * replayed or malformed logout tokens must change nothing.
 */
describe('attacks: back-channel logout from an identity provider', () => {
  let idp: TestIdentityProvider;
  let stack: Stack & { logs: string[] };
  let nc: NatsConnection;
  let rings: RemoteJwksKeyRing[];
  let kits: AuthKit[];
  /** The provider's clock runs this far ahead of ours, seconds (a sign-in after a logout). */
  let idpAhead = 0;

  beforeAll(async () => {
    idp = await startTestIdentityProvider({ now: () => Date.now() + idpAhead * 1000 });
    stack = await startTestStack({
      ticketsReplicas: 0,
      client: false,
      env: {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_JWKS_URI: idp.jwksUri,
        OIDC_MAX_TOKEN_LIFETIME: '10m',
      },
    });
    nc = await connect({ servers: stack.natsUrl });
    rings = [0, 1].map(() => createRemoteJwksKeyRing({ jwksUri: idp.jwksUri }));
    await Promise.all(rings.map((r) => r.ready()));
    kits = rings.map((keyRing) =>
      createAuthKit({
        keyRing,
        nats: { servers: stack.natsUrl },
        token: {
          issuer: idp.issuer,
          audience: AUDIENCE,
          claims: { roles: 'realm_access.roles', gen: 'iat', idPrefix: 'oidc:' },
        },
      }),
    );
    await Promise.all(kits.map((k) => k.whenReady()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all((kits ?? []).map((k) => k.close()));
    for (const r of rings ?? []) r.close();
    await nc?.close();
    await stack?.stop();
    await idp?.stop();
  });

  const accessToken = (sub: string, sid: string) =>
    idp.sign({ sub, sid, aud: AUDIENCE, jti: randomUUID(), realm_access: { roles: ['user'] } });
  /** What each kit says of a token: `ok` or the refusal's code. */
  const verdicts = (token: string) =>
    kits.map((kit) => {
      try {
        kit.authenticate(token);
        return 'ok';
      } catch (err) {
        return (err as { code?: string }).code ?? String(err);
      }
    });
  const postLogout = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${stack.auth.url}/api/oidc/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
  const logout = (token: string) => postLogout(new URLSearchParams({ logout_token: token }).toString());
  const streamMessages = async () => (await (await nc.jetstreamManager()).streams.info(AUTH_STREAM)).state.messages;

  it('a logout of one session reaches every kit; the user’s other session stays; a replay is refused', async () => {
    const sub = `user-${randomUUID()}`;
    const [sid, other] = [randomUUID(), randomUUID()];
    const token = accessToken(sub, sid);
    const otherToken = accessToken(sub, other);
    expect(verdicts(token)).toEqual(['ok', 'ok']);
    const logoutToken = idp.logoutToken(CLIENT_ID, { sub, sid });
    const sentAt = Date.now();
    const res = await logout(logoutToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    await waitFor(() => verdicts(token).every((v) => v === 'ERR_TOKEN_REVOKED'), { description: 'every kit refusing' });
    const refusedAfterMs = Date.now() - sentAt;
    expect(verdicts(otherToken)).toEqual(['ok', 'ok']);

    const before = await streamMessages();
    const replay = await logout(logoutToken);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/jti/),
    });
    expect(await streamMessages()).toBe(before);

    recordReliability({
      kind: 'attack',
      scenario: 'Identity provider logout',
      done: 'an identity provider stand-in (its own RSA key and JWKS) signs access tokens for two sessions of a user; two kits verify them through a remote JWKS key ring and a claim mapping; the provider sends a back-channel logout of one session to the auth service, then the same logout token again; then a logout of every session of another user',
      checked:
        'the logout answers 200 with Cache-Control: no-store and every kit refuses that session’s access token (ERR_TOKEN_REVOKED) while the other session is accepted; the replay is 400 invalid_request and publishes nothing; a logout by sub refuses every token issued up to it and not one issued after',
      figures: `every kit refusing ${refusedAfterMs} ms after the logout was sent; replay: 400, events published: 0`,
    });
  });

  it('a logout of every session of a user (sub only) refuses tokens issued up to it, not a sign-in after it', async () => {
    const sub = `user-${randomUUID()}`;
    const tokens = [accessToken(sub, randomUUID()), accessToken(sub, randomUUID())];
    expect((await logout(idp.logoutToken(CLIENT_ID, { sub }))).status).toBe(200);
    await waitFor(() => tokens.every((t) => verdicts(t).every((v) => v === 'ERR_TOKEN_REVOKED')), {
      description: 'every kit refusing both sessions',
    });
    idpAhead = 2; // a later sign-in at the provider: its iat is past the logout's second
    try {
      expect(verdicts(accessToken(sub, randomUUID()))).toEqual(['ok', 'ok']);
    } finally {
      idpAhead = 0;
    }
  });

  it('refuses forged and malformed logout tokens with 400 invalid_request and publishes nothing', async () => {
    const sub = `victim-${randomUUID()}`;
    const sid = randomUUID();
    const victim = accessToken(sub, sid);
    const other = await startTestIdentityProvider(); // same kid, another key
    const jwk = JSON.parse(await (await fetch(idp.jwksUri)).text()) as { keys: Record<string, unknown>[] };
    const valid = (claims: Record<string, unknown> = {}) => ({
      iss: idp.issuer,
      aud: CLIENT_ID,
      iat: nowSeconds(),
      exp: nowSeconds() + 120,
      jti: randomUUID(),
      sub,
      sid,
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      ...claims,
    });
    const forgeries: Array<[string, () => string]> = [
      ['alg none', () => `${b64({ alg: 'none', typ: 'logout+jwt' })}.${b64(valid())}.`],
      ['alg none with the provider’s kid', () => `${b64({ alg: 'none', kid: idp.kid })}.${b64(valid())}.`],
      [
        'HS256 signed with the provider’s public key (algorithm confusion)',
        () => {
          const input = `${b64({ alg: 'HS256', kid: idp.kid })}.${b64(valid())}`;
          return `${input}.${createHmac('sha256', JSON.stringify(jwk.keys[0])).update(input).digest('base64url')}`;
        },
      ],
      [
        'signed by another provider’s key under the same kid',
        () => other.logoutToken(CLIENT_ID, { iss: idp.issuer, sub, sid }),
      ],
      ['a wrong audience', () => idp.logoutToken('another-client', { sub, sid })],
      ['a wrong issuer', () => idp.logoutToken(CLIENT_ID, { iss: 'https://evil.example.com', sub, sid })],
      [
        'a nonce (an ID token passed off as a logout)',
        () => idp.logoutToken(CLIENT_ID, { sub, sid, nonce: 'n-0S6_WzA2Mj' }),
      ],
      ['no events claim', () => idp.logoutToken(CLIENT_ID, { sub, sid, events: undefined })],
      [
        'events without the back-channel-logout member',
        () =>
          idp.logoutToken(CLIENT_ID, {
            sub,
            sid,
            events: { 'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {} },
          }),
      ],
      ['neither sid nor sub', () => idp.logoutToken(CLIENT_ID, { sub: undefined, sid: undefined })],
      ['no jti', () => idp.logoutToken(CLIENT_ID, { sub, sid, jti: undefined })],
      ['no iat', () => idp.logoutToken(CLIENT_ID, { sub, sid, iat: undefined })],
      ['iat an hour old', () => idp.logoutToken(CLIENT_ID, { sub, sid, iat: nowSeconds() - 3600 })],
      ['iat in the future', () => idp.logoutToken(CLIENT_ID, { sub, sid, iat: nowSeconds() + 600 })],
      ['expired', () => idp.logoutToken(CLIENT_ID, { sub, sid, iat: nowSeconds() - 120, exp: nowSeconds() - 60 })],
      ['an access token (typ at+jwt) with logout claims', () => idp.sign(valid(), { typ: 'at+jwt' })],
      ['an unknown kid', () => idp.sign(valid(), { kid: 'made-up' })],
      [
        'a tampered payload',
        () => {
          const [h, , s] = idp.logoutToken(CLIENT_ID, { sub: 'someone-else', sid }).split('.');
          return `${h}.${b64(valid())}.${s}`;
        },
      ],
    ];
    const before = await streamMessages();
    const refusals: string[] = [];
    for (const [name, forge] of forgeries) {
      const res = await logout(forge());
      const body = (await res.json()) as { error?: string; error_description?: string };
      expect({ name, status: res.status, error: body.error, cacheControl: res.headers.get('cache-control') }).toEqual({
        name,
        status: 400,
        error: 'invalid_request',
        cacheControl: 'no-store',
      });
      refusals.push(body.error_description ?? '');
    }
    const malformed: Array<[string, () => Promise<Response>]> = [
      ['no logout_token', () => postLogout('')],
      ['an empty logout_token', () => postLogout('logout_token=')],
      ['garbage', () => postLogout('logout_token=not.a.jwt')],
      [
        'a JSON body',
        () =>
          postLogout(JSON.stringify({ logout_token: idp.logoutToken(CLIENT_ID, { sub, sid }) }), 'application/json'),
      ],
      ['a body over 16 KiB', () => postLogout(`logout_token=${'a'.repeat(20_000)}`)],
    ];
    for (const [name, send] of malformed) {
      const res = await send();
      expect({ name, status: res.status, body: (await res.json()) as unknown }).toEqual({
        name,
        status: 400,
        body: expect.objectContaining({ error: 'invalid_request' }),
      });
    }
    // A flood of made-up key ids: the receiver fetches the provider's JWKS at most once for them all.
    const fetchesBefore = idp.jwksFetches;
    const flood = await Promise.all(
      Array.from({ length: 100 }, (_, i) => logout(idp.sign(valid(), { kid: `flood-${i}`, typ: 'logout+jwt' }))),
    );
    expect(flood.map((r) => r.status)).toEqual(flood.map(() => 400));
    const floodFetches = idp.jwksFetches - fetchesBefore;
    expect(floodFetches).toBeLessThanOrEqual(1);
    await other.stop();
    expect(await streamMessages()).toBe(before);
    expect(verdicts(victim)).toEqual(['ok', 'ok']);

    recordReliability({
      kind: 'attack',
      scenario: 'Forged logout tokens',
      done: `${forgeries.length} forged logout tokens and ${malformed.length} malformed requests sent to POST /api/oidc/backchannel-logout naming a live session of the identity provider, then 100 logout tokens with made-up key ids at once`,
      checked: `${forgeries.map(([n]) => n).join('; ')}; ${malformed.map(([n]) => n).join('; ')}: each 400 invalid_request (Cache-Control: no-store), nothing published, the session still accepted by every kit; 100 more with made-up key ids make the receiver fetch the provider's JWKS at most once`,
      figures: `accepted: 0 of ${forgeries.length + malformed.length}; events published: 0; JWKS fetches caused by 100 tokens with made-up key ids: ${floodFetches}`,
    });
  });
});
