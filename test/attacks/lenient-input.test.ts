import { createHmac, generateKeyPairSync } from 'node:crypto';
import { startNatsServer, type NatsServerHandle, sessionCookieFrom, tokenOfCookie } from '@authbus/common/testing';
import { authProcess, type ServiceProcess } from '@authbus/local';
import { recordReliability, call, signupUser } from '@authbus/test-support';

const JWT_KEY = 'lenient-input-test-secret-0123456789abcdef';
const ADMIN = 'admin@example.com';

/**
 * Inputs that a lenient parser would read differently from the service that wrote them, or that
 * used to crash a route: each is refused with a clear 4xx (or at start-up), never a 500, and never
 * read as a second identity.
 */
describe('attacks: lenient parsing and missing input', () => {
  let nats: NatsServerHandle;
  let auth: ServiceProcess;
  const outcomes: string[] = [];

  const startAuth = (env: Record<string, string>, logs: string[] = []): Promise<ServiceProcess> =>
    authProcess({
      natsUrl: nats.url,
      env: { LOG_LEVEL: 'info', ADMIN_EMAILS: ADMIN, ...env },
      log: (line) => void logs.push(line),
    });

  beforeAll(async () => {
    nats = await startNatsServer();
    auth = await startAuth({ JWT_KEY });
    await auth.start({ waitReady: true });
  }, 60_000);

  afterAll(async () => {
    await auth?.stop();
    await nats?.stop();
  });

  it('refuses to start with a public key configured as the HS256 secret', async () => {
    const pem = String(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const logs: string[] = [];
    const misconfigured = await startAuth({ JWT_KEY: pem }, logs);
    await expect(misconfigured.start({ timeoutMs: 10_000 })).rejects.toThrow(/exited/);
    expect(misconfigured.exits).toEqual([1]);
    const line = logs.find((l) => l.includes('invalid configuration')) ?? '';
    expect(line).toMatch(/looks like a PEM key/);
    outcomes.push('public key as JWT_KEY: exit 1 at start-up (ConfigError)');
  });

  it('bans without a body, and refuses an absurd offset', async () => {
    const admin = await signupUser(auth.url, ADMIN);
    const victim = await signupUser(auth.url, `victim-${Date.now()}@example.com`);
    const ban = await fetch(`${auth.url}/api/users/${victim.id}/ban`, {
      method: 'POST',
      headers: { cookie: admin.cookie },
    });
    expect(ban.status).toBe(200);
    const offset = await call(`${auth.url}/api/users?offset=100000000000000000000`, { cookie: admin.cookie });
    expect(offset.status).toBe(400);
    outcomes.push(`ban without a body: ${ban.status}; offset 10^20: ${offset.status}`);
  });

  it('refuses a percent-encoded session cookie and re-spelled token segments', async () => {
    const user = await signupUser(auth.url, `spelling-${Date.now()}@example.com`);
    const value = user.cookie.slice('session='.length);
    const token = tokenOfCookie(user.cookie);
    const [header, payload] = token.split('.') as [string, string];
    const sign = (h: string, p: string) =>
      `${h}.${p}.${createHmac('sha256', JWT_KEY).update(`${h}.${p}`).digest('base64url')}`;
    const cookieFor = (jwt: string) => `session=${Buffer.from(JSON.stringify({ jwt })).toString('base64')}`;
    // A payload spelled in standard base64: the same bytes, with a claim padded until it needs + or /.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    let standard = '';
    for (let i = 0; !/[+/]/.test(standard); i++)
      standard = Buffer.from(JSON.stringify({ ...claims, pad: '?'.repeat(i) }))
        .toString('base64')
        .replace(/=+$/, '');
    const variants: Array<[string, string]> = [
      // One character percent-encoded: decoded, the same token; as cookie-session reads it, another value.
      [
        'percent-encoded cookie',
        `session=${value.slice(0, 4)}%${value.charCodeAt(4).toString(16).toUpperCase()}${value.slice(5)}`,
      ],
      ['padded payload', cookieFor(sign(header, `${payload}==`))],
      ['standard-base64 payload', cookieFor(sign(header, standard))],
      ['padded header', cookieFor(sign(`${header}=`, payload))],
    ];
    const me = async (cookie: string) =>
      (await call(`${auth.url}/api/users/currentuser`, { cookie })).json() as Promise<{
        currentUser: unknown;
        tokenError?: string;
      }>;
    expect((await me(user.cookie)).currentUser).not.toBeNull();
    for (const [name, cookie] of variants) {
      const res = await call(`${auth.url}/api/users/currentuser`, { cookie });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { currentUser: unknown; tokenError?: string };
      expect(body.currentUser).toBeNull();
      expect(body.tokenError).toMatch(/^ERR_(COOKIE_MALFORMED|TOKEN_INVALID)$/);
      outcomes.push(`${name}: ${body.tokenError}`);
    }
    const signout = await call(`${auth.url}/api/users/signout`, { method: 'POST', cookie: user.cookie });
    expect(sessionCookieFrom(signout)).toMatch(/^session=/);
    expect(auth.exits).toEqual([]);
  });

  it('records the outcomes', () => {
    expect(outcomes).toHaveLength(6);
    recordReliability({
      kind: 'attack',
      scenario: 'Lenient parsing and missing input',
      done: 'auth started with an EC public key PEM as JWT_KEY; a ban with no body; GET /api/users?offset=10^20; a valid cookie percent-encoded; valid tokens re-signed with padded or standard-base64 segments',
      checked:
        'the misconfigured auth exits 1 with a ConfigError line; the ban is 200 and the offset 400; every re-spelled cookie and token is refused with a typed error (never a second reading of the same token, never a 500); no crash',
      figures: outcomes.join('; '),
    });
  });
});
