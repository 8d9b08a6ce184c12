import type { Logger } from '@authbus/common';
import type { NatsConnection } from 'nats';

/** What the failover needs. */
export interface HungServerFailoverOptions {
  nc: NatsConnection;
  logger: Logger;
  /** How long the server gets to answer a ping once a publish failed, ms; default 500. */
  pongTimeoutMs?: number;
  now?: () => number;
}

/**
 * Leaves a hung server at the first sign of it instead of waiting for the client's pings. When a
 * publish (or a stream read) gets no answer while the connection still counts as up, the server
 * is asked for a PONG: a server that answers is alive and the trouble is JetStream's (a leader
 * election: stay), one that does not within `pongTimeoutMs` is frozen or overloaded, and the
 * client is made to reconnect (`NatsConnection.reconnect()`, nats.js ≥ 2.17), which dials the
 * next server of its list. Pings alone take two intervals and more; every sign-out answered
 * meanwhile waits in the outbox, enforced nowhere.
 */
export class HungServerFailover {
  /** Reconnects this forced. */
  forced = 0;
  private checking: Promise<void> | undefined;

  constructor(private readonly options: HungServerFailoverOptions) {}

  /** A request to the server went unanswered: check it answers a ping, else move to another server. */
  unanswered(): void {
    const { nc } = this.options;
    if (nc.isClosed() || nc.isDraining()) return;
    this.checking ??= this.check().finally(() => (this.checking = undefined));
  }

  /** Resolves when the check under way (if any) is done. */
  settled(): Promise<void> {
    return this.checking ?? Promise.resolve();
  }

  private async check(): Promise<void> {
    const { nc, logger } = this.options;
    const timeoutMs = this.options.pongTimeoutMs ?? 500;
    const server = nc.getServer();
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      nc.flush().then(
        () => true,
        () => true, // the connection went away meanwhile: the client is reconnecting already
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    // Still the same server and no answer: leave it (a reconnect under way already has).
    if (answered || nc.isClosed() || nc.isDraining() || nc.getServer() !== server) return;
    this.forced++;
    logger.warn(
      { server, pongTimeoutMs: timeoutMs },
      'nats server does not answer after a publish timed out: moving to another',
    );
    await nc.reconnect().catch((err: unknown) => logger.warn({ err: String(err) }, 'forced nats reconnect failed'));
  }
}
