import { randomUUID } from 'node:crypto';
import type { AuthEvent, EventEnvelope } from './auth-event';
import { EVENT_VERSION } from './subjects';

/** Wrap event data in a new envelope with a fresh id. */
export function createEnvelope<E extends AuthEvent>(
  subject: E['subject'],
  data: E['data'],
  meta: { id?: string; occurredAt?: Date } = {},
): EventEnvelope<E> {
  return {
    id: meta.id ?? randomUUID(),
    subject,
    version: EVENT_VERSION,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    data,
  };
}
