import { generateKeyPairSync } from 'node:crypto';
import { createKeyRing, signClientAssertion, type ServiceCredential } from '@authbus/common';
import { encodeSessionCookieValue, signAccessToken, signServiceToken } from '@authbus/common/issuer';
import { sessionCookieFrom, tokenOfCookie, waitFor } from '@authbus/common/testing';
import { call, recordReliability, signupUser, startTestStack } from '@authbus/test-support';

/**
 * The threat model of service-to-service calls: forged internal requests, service spoofing,
 * session reuse and privilege escalation, against the real processes behind the gateway.
 */
describe('service identity: the four attacks of the threat model', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let tickets: string;
  const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
  const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
  const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

  beforeAll(async () => {
    stack = await startTestStack({ ticketsReplicas: 2, client: false });
    tickets = stack.tickets[0]!.url;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** The same HS256 key ring the local stack's services use. */
  const ring = () => createKeyRing({ keys: [{ kid: 'default', secret: stack.jwtKey }], activeKid: 'default' });
  const tokenEndpoint = (fields: Record<string, string>, credential: ServiceCredential = stack.ticketsCredential) =>
    fetch(`${stack.auth.url}/api/services/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_assertion_type: JWT_BEARER,
        client_assertion: signClientAssertion(credential, 'authbus'),
        ...fields,
      }),
    });
  const issued = async (res: Response): Promise<string> => {
    if (res.status !== 200) throw new Error(`token endpoint: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const exchangeFor = (userToken: string, audience = 'auth') =>
    tokenEndpoint({ grant_type: EXCHANGE, subject_token: userToken, subject_token_type: ACCESS, audience });
  const hide = (base: string, headers: Record<string, string> = {}) =>
    call(`${base}/internal/users/6b04a94a044b283e2cbe76be/hide`, { method: 'POST', headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const currentUser = async (token: string) =>
    (await (await call(`${stack.auth.url}/api/users/currentuser`, { headers: bearer(token) })).json()) as {
      currentUser: { sub: string } | null;
      tokenError?: string;
    };

  it('forged internal request: no token, a user token, another audience, an expired token, through the gateway', async () => {
    const user = await signupUser(stack.gatewayUrl, 'forger@example.com');
    const wrongAudience = signServiceToken({ service: 'auth', credential: 'x', audience: ['orders'] }, ring()).token;
    const expired = signServiceToken({ service: 'auth', credential: 'x', audience: ['tickets'] }, ring(), {
      now: () => Date.now() - 3600_000,
    }).token;
    const answers = {
      none: (await hide(tickets)).status,
      cookie: (await hide(tickets, { cookie: user.cookie })).status,
      userBearer: (await hide(tickets, bearer(tokenOfCookie(user.cookie)))).status,
      wrongAudience: (await hide(tickets, bearer(wrongAudience))).status,
      expired: (await hide(tickets, bearer(expired))).status,
      gateway: (
        await hide(
          stack.gatewayUrl,
          bearer(signServiceToken({ service: 'auth', credential: 'x', audience: ['tickets'] }, ring()).token),
        )
      ).status,
      gatewayEncoded: (await call(`${stack.gatewayUrl}/%69nternal/users/x/hide`, { method: 'POST' })).status,
      gatewayTokenEndpoint: (await call(`${stack.gatewayUrl}/api/services/token`, { method: 'POST', body: {} })).status,
    };
    expect(answers).toEqual({
      none: 401,
      cookie: 403,
      userBearer: 403,
      wrongAudience: 401,
      expired: 401,
      gateway: 404,
      gatewayEncoded: 404,
      gatewayTokenEndpoint: 404,
    });
    // The real caller gets through: auth's own token, as auth sends it on a ban.
    const own = signServiceToken({ service: 'auth', credential: 'x', audience: ['tickets'] }, ring()).token;
    expect((await hide(tickets, bearer(own))).status).toBe(200);
    recordReliability({
      kind: 'attack',
      scenario: 'Forged internal request',
      done: 'POST /internal/users/:id/hide on a tickets replica with no token, the browser cookie, the user token as Bearer, a service token for another audience, an expired one; the same route and the token endpoint through the gateway (also percent-encoded)',
      checked: 'refused with 401/403 at the service, 404 at the gateway; auth’s own token for tickets accepted',
      figures: Object.entries(answers)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    });
  });

  it('a ban asks tickets to hide the user’s tickets; /mine asks auth with an exchanged token', async () => {
    const admin = await signupUser(stack.gatewayUrl, 'admin@example.com');
    const seller = await signupUser(stack.gatewayUrl, 'seller@example.com');
    await call(`${tickets}/api/tickets`, { cookie: seller.cookie, body: { title: 'Spam', price: 1 } });
    const mine = await call(`${tickets}/api/tickets/mine`, { cookie: seller.cookie });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { account: { sub: string } }).account.sub).toBe(seller.id);
    await call(`${stack.gatewayUrl}/api/users/${seller.id}/ban`, { cookie: admin.cookie, body: {} });
    await waitFor(
      async () => {
        const list = (await (await call(`${tickets}/api/tickets`)).json()) as { tickets: { title: string }[] };
        return !list.tickets.some((t) => t.title === 'Spam');
      },
      { description: 'the banned seller’s ticket hidden' },
    );
  });

  it('session reuse: the cookie at an internal route, an exchanged token at another audience, a revoked user’s exchanged token', async () => {
    const user = await signupUser(stack.gatewayUrl, 'reuse@example.com');
    const exchanged = await issued(await exchangeFor(tokenOfCookie(user.cookie)));
    expect((await currentUser(exchanged)).currentUser?.sub).toBe(user.id);
    const cookieAtInternal = (await hide(tickets, { cookie: user.cookie })).status;
    const otherAudience = (await call(`${tickets}/api/tickets`, { headers: bearer(exchanged), body: {} })).status;
    const signout = await call(`${stack.gatewayUrl}/api/users/signout`, { cookie: user.cookie, method: 'POST' });
    expect(signout.status).toBe(200);
    const start = Date.now();
    await waitFor(async () => (await currentUser(exchanged)).tokenError === 'ERR_TOKEN_REVOKED', {
      timeoutMs: 2000,
      description: 'the exchanged token refused after sign-out',
    });
    const refusedAfterMs = Date.now() - start;
    const again = await exchangeFor(tokenOfCookie(user.cookie));
    expect({ cookieAtInternal, otherAudience, again: again.status }).toEqual({
      cookieAtInternal: 403,
      otherAudience: 401,
      again: 400,
    });
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
    recordReliability({
      kind: 'attack',
      scenario: 'Session reuse across services',
      done: 'the browser cookie sent to tickets’ internal route; a token exchanged for auth presented to tickets; the user signs out, then the exchanged token is presented to auth and exchanged again',
      checked:
        'cookie 403; other audience 401; exchanged token refused (ERR_TOKEN_REVOKED) once the session is revoked; a new exchange invalid_grant',
      figures: `cookie ${cookieAtInternal}, other audience ${otherAudience}, refused ${refusedAfterMs} ms after the sign-out answer, re-exchange ${again.status} invalid_grant`,
    });
  });

  it('privilege escalation: forged or altered admin roles, a wider audience or extra roles by exchange', async () => {
    const user = await signupUser(stack.gatewayUrl, 'climber@example.com');
    const claims = JSON.parse(Buffer.from(tokenOfCookie(user.cookie).split('.')[1]!, 'base64url').toString()) as {
      sub: string;
      sid: string;
      gen: number;
    };
    const stranger = createKeyRing({ keys: [{ kid: 'default', secret: 'x'.repeat(48) }], activeKid: 'default' });
    const forged = signAccessToken({ ...claims, email: 'climber@example.com', roles: ['admin'] }, stranger).token;
    const [h, p, s] = tokenOfCookie(user.cookie).split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { roles: string[] };
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url')}.${s}`;
    const adminList = (cookie: string) => call(`${stack.gatewayUrl}/api/users`, { cookie });
    const forgedStatus = (await adminList(`session=${encodeSessionCookieValue(forged)}`)).status;
    const alteredStatus = (await adminList(`session=${encodeSessionCookieValue(altered)}`)).status;
    const userToken = tokenOfCookie(user.cookie);
    const wider = await exchangeFor(userToken, 'auth tickets');
    const exchanged = await issued(await exchangeFor(userToken, 'tickets'));
    const reExchange = await exchangeFor(exchanged, 'auth');
    const roles = await tokenEndpoint({
      grant_type: EXCHANGE,
      subject_token: userToken,
      subject_token_type: ACCESS,
      audience: 'auth',
      scope: 'admin',
    });
    const errors = {
      wider: ((await wider.json()) as { error: string }).error,
      reExchange: ((await reExchange.json()) as { error: string }).error,
      roles: ((await roles.json()) as { error: string }).error,
    };
    expect({ forgedStatus, alteredStatus, ...errors }).toEqual({
      forgedStatus: 401,
      alteredStatus: 401,
      wider: 'invalid_target',
      reExchange: 'invalid_grant',
      roles: 'invalid_scope',
    });
    recordReliability({
      kind: 'attack',
      scenario: 'Privilege escalation between services',
      done: 'a user token with roles ["admin"] signed with another key, and one with the payload altered, at an admin route; exchanges for two audiences, of an exchanged token for another audience, and asking for role admin',
      checked: 'forged and altered tokens 401; the exchanges refused (invalid_target, invalid_grant, invalid_scope)',
      figures: `forged ${forgedStatus}, altered ${alteredStatus}, ${Object.entries(errors)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    });
  });

  it('service spoofing: tickets’ credential asking to be auth, an unknown signing key, a revoked credential', async () => {
    const asAuth = await tokenEndpoint(
      { grant_type: 'client_credentials', audience: 'tickets' },
      { ...stack.ticketsCredential, service: 'auth' },
    );
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const unknownKey = createKeyRing({ keys: [{ kid: 'default', privateKey }], activeKid: 'default' });
    const rogue = signServiceToken({ service: 'auth', credential: 'x', audience: ['tickets'] }, unknownKey).token;
    const rogueStatus = (await hide(tickets, bearer(rogue))).status;
    const spoofStatus = asAuth.status;
    // Revoke tickets' credential: its tokens are refused everywhere, and it gets no new one.
    // The admin signed up by the ban test above.
    const signin = await call(`${stack.gatewayUrl}/api/users/signin`, {
      body: { email: 'admin@example.com', password: 'correct horse battery' },
    });
    const adminCookie = sessionCookieFrom(signin);
    const user = await signupUser(stack.gatewayUrl, 'victim@example.com');
    const exchanged = await issued(await exchangeFor(tokenOfCookie(user.cookie)));
    const ownToken = await issued(await tokenEndpoint({ grant_type: 'client_credentials', audience: 'auth' }));
    const forTickets = await issued(await tokenEndpoint({ grant_type: 'client_credentials', audience: 'tickets' }));
    expect((await hide(tickets, bearer(forTickets))).status).toBe(403);
    expect((await currentUser(exchanged)).currentUser?.sub).toBe(user.id);
    const revoke = await call(
      `${stack.auth.url}/api/services/tickets/credentials/${stack.ticketsCredential.id}/revoke`,
      { cookie: adminCookie, body: { reason: 'leaked' } },
    );
    expect(revoke.status).toBe(200);
    const start = Date.now();
    await waitFor(async () => (await currentUser(exchanged)).tokenError === 'ERR_TOKEN_REVOKED', {
      timeoutMs: 2000,
      description: 'tokens of the revoked credential refused',
    });
    const refusedAfterMs = Date.now() - start;
    // Every tickets replica refuses it too (before: 403, tickets may not call that route; now: revoked).
    await waitFor(
      async () => {
        const answers = await Promise.all(stack.tickets.map((t) => hide(t.url, bearer(forTickets))));
        return answers.every((r) => r.status === 401);
      },
      { timeoutMs: 2000, description: 'every tickets replica refuses the revoked credential' },
    );
    const everywhereMs = Date.now() - start;
    const newToken = await tokenEndpoint({ grant_type: 'client_credentials', audience: 'auth' });
    expect({ spoofStatus, rogueStatus, newToken: newToken.status }).toEqual({
      spoofStatus: 401,
      rogueStatus: 401,
      newToken: 401,
    });
    expect(ownToken).toEqual(expect.any(String));
    recordReliability({
      kind: 'attack',
      scenario: 'Service spoofing',
      done: 'tickets’ key signs an assertion saying it is auth; a service token signed with a key no service holds; an admin revokes tickets’ credential while tokens obtained with it are in use',
      checked:
        'invalid_client (401) for the spoofed assertion; 401 for the unknown key; after the revocation the credential’s delegated token is refused by auth and the credential gets no new token',
      figures: `spoof ${spoofStatus}, unknown key ${rogueStatus}, revoked credential’s tokens refused by auth ${refusedAfterMs} ms and by both tickets replicas ${everywhereMs} ms after the revocation answer, new token ${newToken.status}`,
    });
  });
});
