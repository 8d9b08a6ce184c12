import { connect, type NatsConnection } from 'nats';
import request from 'supertest';
import { AUTH_STREAM, silentLogger, type AnyEventEnvelope, type Logger } from '@authbus/common';
import { TEST_JWT_SECRET, startNatsServer, waitFor, type NatsServerHandle } from '@authbus/common/testing';
import { loadConfig, type AuthEnv } from '../../src/config';
import { createAuthService, type AuthService } from '../../src/service';
import type { AuthStore } from '../../src/store/auth-store';

export const ADMIN_EMAIL = 'admin@example.com';
export const PASSWORD = 'correct horse battery';

/** A clock a test can move. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** One auth service on a real nats-server, for one test file. */
export interface TestAuth {
  service: AuthService;
  server: NatsServerHandle;
  clock: TestClock;
  /** A NATS connection of the test's own, for reading the stream. */
  reader: NatsConnection;
  agent(): ReturnType<typeof request.agent>;
  signup(email: string, password?: string): Promise<{ cookie: string; id: string }>;
  signin(email: string, password?: string): Promise<{ cookie: string; status: number }>;
  /** Every event on the AUTH stream, oldest first. */
  events(): Promise<AnyEventEnvelope[]>;
  waitForEvent(match: (e: AnyEventEnvelope) => boolean, description: string): Promise<AnyEventEnvelope>;
  stop(): Promise<void>;
}

/** Start the auth service as production does, on a test nats-server, with a test clock and env. */
export async function startTestAuth(
  options: { env?: Partial<AuthEnv>; store?: AuthStore; logger?: Logger; server?: NatsServerHandle } = {},
): Promise<TestAuth> {
  const server = options.server ?? (await startNatsServer());
  const clock = new TestClock();
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_KEY: TEST_JWT_SECRET,
    NATS_URL: server.url,
    ADMIN_EMAILS: ADMIN_EMAIL,
    PASSWORD_SCRYPT_COST: '1024',
    REFRESH_GRACE: '10s',
    // Suites sign up many users from one address; the sign-up limit has its own tests.
    SIGNUP_LIMIT_PER_IP: '100000',
    ...options.env,
  });
  config.kit.token = { ...config.kit.token, now: clock.now };
  config.kit.revocation = { ...config.kit.revocation, syncIntervalMs: 100 };
  const service = await createAuthService(config, options.logger ?? silentLogger, options.store);
  await service.kit.whenReady();
  const reader = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });

  const cookieOf = (res: request.Response): string => {
    const header = res.headers['set-cookie'] as unknown as string[] | undefined;
    return header?.[0]?.split(';')[0] ?? '';
  };
  const events = async (): Promise<AnyEventEnvelope[]> => {
    const jsm = await reader.jetstreamManager();
    const { state } = await jsm.streams.info(AUTH_STREAM);
    const out: AnyEventEnvelope[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(AUTH_STREAM, { seq }).catch(() => undefined);
      if (msg) out.push(msg.json<AnyEventEnvelope>());
    }
    return out;
  };

  return {
    service,
    server,
    clock,
    reader,
    agent: () => request.agent(service.app),
    async signup(email, password = PASSWORD) {
      const res = await request(service.app).post('/api/users/signup').send({ email, password });
      if (res.status !== 201) throw new Error(`signup ${email}: ${res.status} ${JSON.stringify(res.body)}`);
      return { cookie: cookieOf(res), id: (res.body as { id: string }).id };
    },
    async signin(email, password = PASSWORD) {
      const res = await request(service.app).post('/api/users/signin').send({ email, password });
      return { cookie: cookieOf(res), status: res.status };
    },
    events,
    waitForEvent: (match, description) =>
      waitFor(async () => (await events()).find(match), { timeoutMs: 15_000, intervalMs: 50, description }),
    async stop() {
      await service.close(1000);
      await reader.close();
      if (!options.server) await server.stop();
    },
  };
}
