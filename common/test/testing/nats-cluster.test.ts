import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from 'nats';
import { startNatsCluster, waitFor, type NatsClusterHandle } from '@authbus/common/testing';

/** The state letter of a process (Linux): `T` is stopped. */
function processState(pid: number | undefined): string | undefined {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
}

describe('startNatsCluster', () => {
  let cluster: NatsClusterHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    nc = await connect({ servers: cluster.servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  });

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it('starts three routed servers that can place an R3 stream at once', async () => {
    expect(cluster.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.add({ name: 'R3', subjects: ['r3.>'], num_replicas: 3 });
    expect(info.config.num_replicas).toBe(3);
    const leader = await cluster.leaderOf('R3');
    const replicas = (await jsm.streams.info('R3')).cluster?.replicas?.map((r) => r.name) ?? [];
    expect([leader.name, ...replicas].sort()).toEqual(['n1', 'n2', 'n3']);
  });

  it('finds the new leader after the stream leader is killed, and the stream keeps its messages', async () => {
    const js = nc.jetstream();
    await js.publish('r3.one', 'x');
    const leader = await cluster.leaderOf('R3');
    await leader.kill();
    expect(leader.running).toBe(false);
    const next = await cluster.leaderOf('R3');
    expect(next.name).not.toBe(leader.name);
    await waitFor(() => js.publish('r3.two', 'y'), { timeoutMs: 20_000, description: 'a publish after failover' });
    await leader.restart();
    await cluster.waitForJetStream();
    const info = await (await nc.jetstreamManager()).streams.info('R3');
    expect(info.state.messages).toBe(2);
  });

  it('pauses a node (it answers nothing) and resumes it', async () => {
    const node = cluster.nodes[0]!;
    const direct = await connect({ servers: node.url, reconnect: false });
    try {
      await direct.flush();
      await node.pause();
      expect(node.paused).toBe(true);
      const flushed = direct.flush().then(
        () => 'answered',
        () => 'failed',
      );
      // Signals are delivered asynchronously.
      await waitFor(() => processState(node.pid) === 'T', { description: 'the process to stop' });
      node.resume();
      expect(node.paused).toBe(false);
      expect(await flushed).toBe('answered');
    } finally {
      node.resume();
      await direct.close();
    }
  });

  it('kills a paused node', async () => {
    const node = cluster.nodes[1]!;
    await node.pause();
    await node.kill('SIGTERM');
    expect(node.running).toBe(false);
    expect(node.paused).toBe(false);
    await node.restart();
    await cluster.waitForJetStream();
  });
});
