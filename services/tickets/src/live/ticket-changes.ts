import type { Logger } from '@authbus/common';
import type { NatsConnection, Subscription } from 'nats';
import type { TicketView } from '../routes/ticket-view';

/** The core NATS subject every replica announces a created or changed ticket on (`app.>`: a service's own messages; in its own NATS account). */
export const TICKET_CHANGED_SUBJECT = 'app.tickets.changed';

/**
 * New and changed tickets, for the live list. Each replica announces its changes on
 * `app.tickets.changed` and hears every replica's (its own included), so a live stream on any replica
 * shows every change. Before NATS answers, changes reach only this replica's own listeners.
 */
export class TicketChanges {
  private readonly listeners = new Set<(ticket: TicketView) => void>();
  private nc: NatsConnection | undefined;
  private subscription: Subscription | undefined;

  constructor(
    connection: Promise<NatsConnection>,
    private readonly logger: Logger,
  ) {
    connection.then(
      (nc) => {
        this.nc = nc;
        this.subscription = nc.subscribe(TICKET_CHANGED_SUBJECT, {
          callback: (err, msg) => {
            if (err) return;
            try {
              this.emit(msg.json<TicketView>());
            } catch (parseError) {
              this.logger.warn({ err: String(parseError) }, 'malformed ticket change skipped');
            }
          },
        });
      },
      () => undefined, // closed before NATS answered
    );
  }

  /** Tell every replica's live streams about a created or changed ticket. */
  announce(ticket: TicketView): void {
    if (this.nc && !this.nc.isClosed()) this.nc.publish(TICKET_CHANGED_SUBJECT, JSON.stringify(ticket));
    else this.emit(ticket);
  }

  /** Listen to every change; returns a function that stops it. */
  listen(listener: (ticket: TicketView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.listeners.clear();
  }

  private emit(ticket: TicketView): void {
    for (const listener of this.listeners) listener(ticket);
  }
}
