import type { NatsConnection } from 'nats';
import { RevocationFeed } from '../feed/revocation-feed';
import type { Logger } from '../logging/logger';
import { connectNats, type NatsOptions } from '../nats/connect-nats';
import type { RevocationSet } from '../revocation/revocation-set';
import type { ResolvedKitOptions } from './resolve-kit-options';
import { keepMirror } from './keep-mirror';

/**
 * The kit's client ping interval unless `NatsOptions.pingIntervalMs` says otherwise, ms. A verifier
 * does not need frequent pings to leave a hung server: auth's heartbeats stop, and the feed then
 * checks its server answers (`HungServerWatch`). Pings on hundreds of idle connections were most
 * of a server's idle work (500 instances at 1 s: 7.8 % of a core, measured); at 30 s they are a backstop.
 */
export const KIT_PING_INTERVAL_MS = 30_000;

/** The kit's connection and feed, started in the background. */
export interface FeedHandle {
  /** The connection, once NATS answered (rejects if the kit was closed first). */
  readonly connecting: Promise<NatsConnection>;
  /** Resolves once the feed is started (after the mirror is in place, when there is one). */
  readonly started: Promise<void>;
  /** The feed, once started. */
  readonly feed: () => RevocationFeed | undefined;
  /** Stop the feed; close the connection if the kit opened it, or stop trying to. */
  close(): Promise<void>;
}

/**
 * Connect to NATS (or use the caller's connection), make sure the mirror exists when the service
 * reads one, then start the revocation feed. Returns at once.
 */
export function startFeed(
  nats: NatsConnection | NatsOptions,
  set: RevocationSet,
  options: ResolvedKitOptions,
  logger: Logger,
): FeedHandle {
  let feed: RevocationFeed | undefined;
  let closing = false;
  let connection: NatsConnection | undefined;
  const stopConnecting = new AbortController();
  const ownsConnection = !isConnection(nats);
  const connecting = isConnection(nats)
    ? Promise.resolve(nats)
    : connectNats({ pingIntervalMs: KIT_PING_INTERVAL_MS, ...nats }, logger, stopConnecting.signal);
  const { mirror, stream } = options;
  const started = connecting.then(async (nc) => {
    connection = nc;
    const ensureMirror = mirror ? () => keepMirror(nc, mirror, stream, logger, () => closing) : undefined;
    if (ensureMirror) await ensureMirror();
    if (closing) return;
    feed = new RevocationFeed({
      nc,
      set,
      logger,
      tokenNow: options.tokenNow,
      clockToleranceSeconds: options.clockToleranceSeconds,
      syncIntervalMs: options.syncIntervalMs,
      ...(stream !== undefined ? { stream } : {}),
      ...(options.live !== undefined ? { live: options.live } : {}),
      ...(options.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: options.heartbeatTimeoutMs } : {}),
      ...(options.silentMemoryMs !== undefined ? { silentMemoryMs: options.silentMemoryMs } : {}),
      ...(options.onApplied !== undefined ? { onApplied: options.onApplied } : {}),
      ...(options.onKeySet !== undefined ? { onKeySet: options.onKeySet } : {}),
      ...(options.snapshot !== undefined ? { snapshot: options.snapshot } : {}),
      ...(mirror && ensureMirror ? { mirrorOrigin: { apiPrefix: mirror.apiPrefix, replaceMirror: ensureMirror } } : {}),
    });
    feed.start();
  });
  started.catch((err: unknown) => {
    if (!closing) logger.error({ err: String(err) }, 'revocation feed could not start');
  });
  return {
    connecting,
    started,
    feed: () => feed,
    async close() {
      closing = true;
      await feed?.close();
      if (!ownsConnection) return;
      if (connection) await connection.close();
      // Still trying to reach NATS: stop trying.
      else stopConnecting.abort(new Error('The auth kit was closed before NATS answered'));
    },
  };
}

function isConnection(value: NatsConnection | NatsOptions): value is NatsConnection {
  return typeof (value as NatsConnection).publish === 'function';
}
