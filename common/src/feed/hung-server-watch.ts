import type { NatsConnection } from 'nats';
import type { Logger } from '../logging/logger';
import { connectionState } from '../nats/connection-state';

/**
 * Tells a hung server (alive, its socket open, answering nothing) from a quiet one without
 * frequent client pings: when the auth service's heartbeats, which came before, stop coming, the
 * feed asks its server for one round trip; no answer within `timeoutMs` and the connection is
 * dropped for another server (`reconnect()`). Pings on hundreds of idle connections are most of a
 * server's idle work; this costs a round trip only when something already looks wrong.
 */
export class HungServerWatch {
  private checking = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Heartbeats went quiet: does the server still answer? If not, leave it. */
  async check(): Promise<void> {
    if (this.checking || this.nc.isClosed() || !connectionState(this.nc).connected) return;
    this.checking = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answered = await Promise.race([
        this.nc.flush().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.timeoutMs))),
      ]);
      if (answered || this.nc.isClosed() || !connectionState(this.nc).connected) return;
      this.logger.warn(
        { server: this.nc.getServer(), timeoutMs: this.timeoutMs },
        'nats server not answering; reconnecting',
      );
      await this.nc.reconnect();
    } catch (err) {
      this.logger.debug({ err: String(err) }, 'hung-server check failed');
    } finally {
      clearTimeout(timer);
      this.checking = false;
    }
  }
}
