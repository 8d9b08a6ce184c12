import { connect } from 'nats';
import { ensureAuthStream } from '@authbus/common/issuer';
import { startNatsCluster, startNatsServer, type NatsServerHandle } from '@authbus/common/testing';

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

/** The NATS a bench case runs on: a URL list for `connect` and a way to stop it. */
export interface BenchNats {
  /** Comma-separated client URLs. */
  url: string;
  stop(): Promise<void>;
}

/** A 3-node NATS cluster of the bench's own (routes on loopback), with an R3 `AUTH` stream. */
export async function startBenchCluster(): Promise<BenchNats> {
  const cluster = await startNatsCluster({ nodes: 3 });
  const nc = await connect({ servers: cluster.servers });
  try {
    await ensureAuthStream(await nc.jetstreamManager(), { maxAgeMs: 3600_000, replicas: 3 });
  } catch (err) {
    await cluster.stop();
    throw err;
  } finally {
    await nc.close();
  }
  return { url: cluster.servers.join(','), stop: () => cluster.stop() };
}
