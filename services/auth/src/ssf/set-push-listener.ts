import {
  Listener,
  type AnyEventEnvelope,
  type EventEnvelope,
  type EventOf,
  type JwtKey,
  type Logger,
} from '@authbus/common';
import type { JsMsg, NatsConnection } from 'nats';
import type { Counter } from 'prom-client';
import { pushSet } from './push-delivery';
import { setClaims, signSet, type SetSubject } from './security-event-token';
import type { SsfConfig, SsfReceiver } from './ssf-config';

/** What each listener needs besides the connection. */
export interface SetPushDeps {
  ssf: SsfConfig;
  receiver: SsfReceiver;
  signer: () => JwtKey;
  now: () => number;
  logger: Logger;
  /** `authbus_ssf_sets_total{receiver, result}`. */
  sets: Counter<'receiver' | 'result'>;
}

/**
 * Pushes one kind of revocation to one receiver, from a durable consumer of its own on `AUTH`
 * (`ssf-<receiver>-<subject>`): an event is acked only once the receiver answered 202, so while it
 * is down the events wait in the stream and are sent again (1 s, 2 s, 4 s … at most
 * `SSF_MAX_RETRY_DELAY`) until it answers, each auth replica taking a share. What it may miss is
 * what the stream no longer keeps: a receiver may be down for up to `AUTH_STREAM_MAX_AGE`.
 */
export class SetPushListener extends Listener<EventOf<SetSubject>> {
  readonly durableName: string;

  constructor(
    nc: NatsConnection,
    readonly subject: SetSubject,
    private readonly deps: SetPushDeps,
  ) {
    super(nc, { logger: deps.logger });
    this.durableName = `ssf-${deps.receiver.name}-${subject.replace(/^auth\./, '').replace(/\./g, '-')}`;
  }

  protected override retryDelayMs(deliveryCount: number): number {
    return Math.min(this.deps.ssf.maxRetryDelayMs, super.retryDelayMs(deliveryCount));
  }

  async onMessage(
    _data: EventOf<SetSubject>['data'],
    event: EventEnvelope<EventOf<SetSubject>>,
    msg: JsMsg,
  ): Promise<void> {
    const { ssf, receiver, logger, sets } = this.deps;
    const envelope = event as unknown as AnyEventEnvelope & { subject: SetSubject };
    const claims = setClaims(envelope, ssf.issuer, receiver.audience, Math.floor(this.deps.now() / 1000));
    const outcome = await pushSet(receiver, await signSet(claims, this.deps.signer()), ssf.pushTimeoutMs);
    switch (outcome.kind) {
      case 'accepted':
        sets.inc({ receiver: receiver.name, result: 'accepted' });
        logger.debug({ receiver: receiver.name, jti: envelope.id, subject: envelope.subject }, 'SET delivered');
        return;
      case 'rejected':
        // Acked: the receiver said this SET is malformed, and sending the same one again would loop.
        sets.inc({ receiver: receiver.name, result: 'rejected' });
        logger.error(
          { receiver: receiver.name, jti: envelope.id, status: outcome.status, error: outcome.error },
          'SET rejected by its receiver; not sent again',
        );
        return;
      case 'retry':
        sets.inc({ receiver: receiver.name, result: 'retried' });
        throw new Error(
          `${receiver.name}: ${outcome.reason} (delivery ${msg.info.redeliveryCount}, event ${envelope.id})`,
        );
    }
  }
}
