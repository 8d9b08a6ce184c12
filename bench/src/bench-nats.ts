import { connect } from 'nats';
import { ensureAuthStream } from '@authbus/common/issuer';
import { startNatsServer, type NatsServerHandle } from '@authbus/common/testing';

/** A nats-server of the bench's own, with the `AUTH` stream in place. */
export async function startBenchNats(): Promise<NatsServerHandle> {
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    await ensureAuthStream(await nc.jetstreamManager(), { maxAgeMs: 3600_000 });
  } finally {
    await nc.close();
  }
  return nats;
}
