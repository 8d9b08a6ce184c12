import type { JetStreamClient, PubAck } from 'nats';
import type { AuthEvent, EventEnvelope } from './auth-event';

/** How long to wait for the stream's ack by default, ms. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Publish an envelope on JetStream and wait for the stream's ack. The envelope id is the
 * `Nats-Msg-Id`, so publishing the same envelope again within the duplicate window stores it once
 * (the ack then says `duplicate: true`). Rejects when no ack comes: the caller retries.
 */
export async function publishEnvelope(
  js: JetStreamClient,
  envelope: EventEnvelope<AuthEvent>,
  timeoutMs = DEFAULT_PUBLISH_TIMEOUT_MS,
): Promise<PubAck> {
  return js.publish(envelope.subject, JSON.stringify(envelope), { msgID: envelope.id, timeout: timeoutMs });
}
