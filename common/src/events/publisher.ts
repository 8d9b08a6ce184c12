import type { JetStreamClient, PubAck } from 'nats';
import type { AuthEvent, EventEnvelope } from './auth-event';
import { createEnvelope } from './create-envelope';
import { DEFAULT_PUBLISH_TIMEOUT_MS, publishEnvelope } from './publish-envelope';

/** The stored envelope and the stream's ack. */
export interface Published<E extends AuthEvent> {
  envelope: EventEnvelope<E>;
  ack: PubAck;
}

/**
 * A typed publisher for one subject:
 *
 * ```ts
 * class SessionRevokedPublisher extends Publisher<SessionRevokedEvent> {
 *   readonly subject = Subjects.SessionRevoked;
 * }
 * await new SessionRevokedPublisher(js).publish({ sid, sub, reason: 'signout', revokedAt, until });
 * ```
 *
 * `publish` awaits the JetStream ack (at-least-once; the envelope id deduplicates retries).
 */
export abstract class Publisher<E extends AuthEvent> {
  abstract readonly subject: E['subject'];

  constructor(
    protected readonly js: JetStreamClient,
    protected readonly timeoutMs = DEFAULT_PUBLISH_TIMEOUT_MS,
  ) {}

  async publish(data: E['data'], meta: { id?: string; occurredAt?: Date } = {}): Promise<Published<E>> {
    const envelope = createEnvelope<E>(this.subject, data, meta);
    const ack = await publishEnvelope(this.js, envelope, this.timeoutMs);
    return { envelope, ack };
  }
}
