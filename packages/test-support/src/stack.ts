import { claimsOfCookie, sessionCookieFrom } from '@authbus/common/testing';
import { startStack, type Stack, type StackOptions } from '@authbus/local';
import { testMongoUri } from './mongo';

/**
 * The local stack for a black-box suite: real processes on free ports, MongoDB when the test run
 * has one (else memory), service logs kept in memory and printed only if the suite fails.
 */
export async function startTestStack(options: StackOptions = {}): Promise<Stack & { logs: string[] }> {
  const logs: string[] = [];
  const stack = await startStack({
    gatewayPort: 0,
    basePort: 0,
    ticketsReplicas: 2,
    store: testMongoUri ? { mongoUri: testMongoUri } : 'memory',
    adminEmails: 'admin@example.com',
    log: (line) => logs.push(line),
    ...options,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PASSWORD_SCRYPT_COST: '1024',
      SIGNIN_LIMIT_PER_IP: '100000',
      SIGNUP_LIMIT_PER_IP: '100000',
      ...options.env,
    },
  });
  return Object.assign(stack, { logs });
}

/** JSON request helper over fetch. */
export async function call(
  url: string,
  init: { method?: string; cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

/**
 * Is the cookie accepted by this tickets replica? Uses `POST /api/tickets` with an empty body:
 * authentication runs first, so 401 means refused and 400 (validation) means accepted; nothing
 * is created either way.
 */
export async function acceptedBy(ticketsUrl: string, cookie: string): Promise<boolean> {
  const res = await call(`${ticketsUrl}/api/tickets`, { cookie, body: {} });
  if (res.status !== 400 && res.status !== 401)
    throw new Error(`unexpected ${res.status} from ${ticketsUrl}: ${await res.text()}`);
  return res.status === 400;
}

/**
 * What a tickets replica does with a cookie (`POST /api/tickets`, empty body): accepts it (400:
 * validation ran), refuses it (401), is stale (503, policy closed), or another status.
 */
export async function ticketsVerdict(
  ticketsUrl: string,
  cookie: string,
): Promise<'accepted' | 'refused' | 'stale' | number> {
  const res = await call(`${ticketsUrl}/api/tickets`, { cookie, body: {} });
  await res.arrayBuffer();
  if (res.status === 400) return 'accepted';
  if (res.status === 401) return 'refused';
  if (res.status === 503) return 'stale';
  return res.status;
}

/** A service's JSON log lines as the test stack keeps them (`[name] {...}`), oldest first. */
export function logLinesOf(
  logs: readonly string[],
  service: string,
): Array<{ time: string; msg: string; server?: string }> {
  const prefix = `[${service}] {`;
  return logs.filter((l) => l.startsWith(prefix)).map((l) => JSON.parse(l.slice(prefix.length - 1)));
}

/** The NATS server (`host:port`) a service is connected to now, from its last "nats connected/reconnected" line. */
export function natsServerOf(logs: readonly string[], service: string): string | undefined {
  return logLinesOf(logs, service)
    .reverse()
    .find((l) => l.msg === 'nats connected' || l.msg === 'nats reconnected')?.server;
}

/** One value of a Prometheus text exposition (`name{labels}`), or undefined. */
export async function metric(serviceUrl: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Sign up a user through a base URL (gateway or auth) and return its cookie and ids. */
export async function signupUser(
  baseUrl: string,
  email: string,
  password = 'correct horse battery',
): Promise<{ cookie: string; id: string; sid: string }> {
  const res = await call(`${baseUrl}/api/users/signup`, { body: { email, password } });
  if (res.status !== 201) throw new Error(`signup ${email}: ${res.status} ${await res.text()}`);
  const cookie = sessionCookieFrom(res);
  return { cookie, id: ((await res.json()) as { id: string }).id, sid: claimsOfCookie(cookie).sid };
}

/** Run `work` over `items` with at most `limit` at a time. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
}
