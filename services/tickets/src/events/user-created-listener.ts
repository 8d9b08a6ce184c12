import { Listener, Subjects, type UserCreatedEvent } from '@authbus/common';
import type { NatsConnection } from 'nats';
import type { ListenerOptions } from '@authbus/common';
import type { TicketsStore } from '../store/tickets-store';

/**
 * Keeps the local user directory: one durable consumer for the whole service, so each sign-up is
 * handled once however many replicas run.
 */
export class UserCreatedListener extends Listener<UserCreatedEvent> {
  readonly subject = Subjects.UserCreated;
  readonly durableName = 'tickets-user-created';

  constructor(
    nc: NatsConnection,
    private readonly store: TicketsStore,
    options: ListenerOptions = {},
  ) {
    super(nc, options);
  }

  async onMessage(data: UserCreatedEvent['data']): Promise<void> {
    await this.store.upsertUser({ id: data.sub, email: data.email, roles: data.roles });
    this.logger.info({ sub: data.sub }, 'user added to directory');
  }
}
