import type { JwtKey, Logger } from '@authbus/common';
import type { NatsConnection } from 'nats';
import { Counter, type Registry } from 'prom-client';
import { SET_SUBJECTS } from './security-event-token';
import { SetPushListener } from './set-push-listener';
import type { SsfConfig } from './ssf-config';

/** The running push side of the Shared Signals transmitter. */
export interface SetTransmitter {
  /** Stop fetching; a push in flight finishes first (unacked, it is sent again after a restart). */
  close(): Promise<void>;
}

/**
 * Start one durable listener per receiver and revocation subject (`auth.session.revoked` →
 * `session-revoked`; `auth.user.sessions-revoked`, `auth.user.banned` → `credential-change`), so a
 * slow or down receiver holds back nobody else.
 */
export async function startSetTransmitter(options: {
  nc: NatsConnection;
  ssf: SsfConfig;
  signer: () => JwtKey;
  now: () => number;
  logger: Logger;
  registry: Registry;
}): Promise<SetTransmitter> {
  const { nc, ssf, logger } = options;
  const sets = new Counter({
    name: 'authbus_ssf_sets_total',
    help: 'Security Event Tokens pushed, by receiver and result (accepted, retried, rejected)',
    labelNames: ['receiver', 'result'] as const,
    registers: [options.registry],
  });
  const listeners = ssf.receivers.flatMap((receiver) =>
    SET_SUBJECTS.map(
      (subject) =>
        new SetPushListener(nc, subject, {
          ssf,
          receiver,
          signer: options.signer,
          now: options.now,
          logger: logger.child({ receiver: receiver.name }),
          sets,
        }),
    ),
  );
  await Promise.all(listeners.map((l) => l.listen()));
  logger.info({ receivers: ssf.receivers.map((r) => r.name), issuer: ssf.issuer }, 'SET transmitter started');
  return {
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}
