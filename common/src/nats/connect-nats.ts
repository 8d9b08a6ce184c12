import { setTimeout as delay } from 'node:timers/promises';
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import type { Logger } from '../logging/logger';
import { connectionState } from './connection-state';

/** Where and how to reach NATS. */
export interface NatsOptions {
  /** `nats://host:port`, several comma-separated; default `nats://127.0.0.1:4222`. */
  servers?: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** Connection name shown by the server (`service@host`). */
  name?: string;
  /**
   * Prefix of this connection's reply subjects (default `_INBOX`). A service with its own prefix
   * (`_INBOX_tickets`) can be allowed to subscribe to its own replies only (see infra/nats).
   */
  inboxPrefix?: string;
  /**
   * How often the client pings its server, ms; default 1000. Two pings unanswered and the client
   * drops the server: a hung server (alive but answering nothing, which no socket error reveals)
   * is noticed within three intervals. nats.js tries the server it lost once more first; a
   * connection attempt that gets no answer is given up after 2 s, so a hung server is left for
   * another within about 5 s at 1 s. The kit's default is longer (`KIT_PING_INTERVAL_MS`): its
   * feed finds a hung server from auth's heartbeats instead.
   */
  pingIntervalMs?: number;
}

/** Default `pingIntervalMs`. */
export const DEFAULT_NATS_PING_INTERVAL_MS = 1_000;

/**
 * A connection attempt that gets no answer is given up after this, ms, whatever the ping interval:
 * nats.js tries the server it lost first, and a hung one would hold a reconnect that long.
 */
const CONNECT_TIMEOUT_MS = 2_000;

/** Wait between first-connection attempts, ms. */
const FIRST_CONNECT_RETRY_MS = 250;

/**
 * Connect to NATS the authbus way: retry the first connection and every reconnection forever (a
 * service's readiness says it is not connected, instead of the process dying or giving up), detect
 * a dead server within seconds, and log each disconnect and reconnect as one line. `signal` stops
 * the first-connection attempts (the promise then rejects): nats.js's own wait for a first
 * connection cannot be stopped, so this loop retries instead.
 */
export async function connectNats(options: NatsOptions, logger: Logger, signal?: AbortSignal): Promise<NatsConnection> {
  const servers =
    typeof options.servers === 'string' ? options.servers.split(',').map((s) => s.trim()) : options.servers;
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_NATS_PING_INTERVAL_MS;
  const connectOptions: ConnectionOptions = {
    servers: servers ?? ['nats://127.0.0.1:4222'],
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.pass !== undefined ? { pass: options.pass } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.inboxPrefix !== undefined ? { inboxPrefix: options.inboxPrefix } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: pingIntervalMs,
    maxPingOut: 2,
    // A hung server accepts the TCP connection and then says nothing: give up on it as quickly as
    // on a connected one (nats.js waits 20 s by default), so a reconnect that picked it moves on.
    timeout: CONNECT_TIMEOUT_MS,
  };
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      const nc = await connect(connectOptions);
      if (signal?.aborted) {
        await nc.close();
        signal.throwIfAborted();
      }
      logger.info({ server: nc.getServer() }, 'nats connected');
      logStatus(nc, logger);
      return nc;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (isRefusedCredentials(err)) throw err;
      if (attempt === 1 || attempt % 40 === 0)
        logger.warn({ servers: connectOptions.servers, attempt, err: String(err) }, 'nats not reachable yet; retrying');
      await sleep(FIRST_CONNECT_RETRY_MS, signal);
    }
  }
}

/** Wrong credentials will not get better by retrying. */
function isRefusedCredentials(err: unknown): boolean {
  return /Authorization Violation|Authentication/i.test(String(err));
}

/** Wait `ms`, or less if `signal` aborts (never rejects). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}

function logStatus(nc: NatsConnection, logger: Logger): void {
  connectionState(nc).on((event) => {
    if (event.type === 'error') logger.error({ err: event.err }, 'nats error');
    else if (event.type === 'disconnect') logger.warn({ server: event.server }, 'nats disconnected');
    else logger.info({ server: event.server }, 'nats reconnected');
  });
}
