import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { freePort } from './free-port';
import { startNatsServer, type NatsServerHandle } from './nats-server';
import { waitFor } from './wait-for';

/** How to start a test NATS cluster. */
export interface NatsClusterOptions {
  /** How many servers; default 3 (the smallest cluster that keeps a quorum when one is lost). */
  nodes?: number;
  /** Cluster name; default `authbus-test`. */
  name?: string;
  /** Binary; default `NATS_SERVER_BIN` or `nats-server` from PATH. */
  binary?: string;
  /** Extra arguments for every server. */
  args?: string[];
  /**
   * Names of nodes (`n3`) not to start: a cluster missing servers since its start, which it has
   * never seen (it cannot place an R3 stream on them). `restart()` starts such a node.
   */
  down?: string[];
  /** How long to wait for the cluster to elect its JetStream meta leader, ms; default 20 000. */
  startTimeoutMs?: number;
}

/** One server of a test cluster: a `NatsServerHandle` with its server name and route port. */
export interface NatsClusterNode extends NatsServerHandle {
  /** Server name (`n1`, `n2`, …): what stream and consumer info report as leader and replicas. */
  readonly name: string;
  /** Port its cluster routes listen on. */
  readonly clusterPort: number;
}

/** A running test cluster. Kill, restart, pause and resume its servers one by one through `nodes`. */
export interface NatsClusterHandle {
  readonly nodes: readonly NatsClusterNode[];
  /** Every server's client URL, for `connect({ servers })`. */
  readonly servers: string[];
  /** The node of this server name. */
  node(name: string): NatsClusterNode;
  /**
   * The node that leads a stream now, waiting (up to `timeoutMs`, default 20 000) while the stream
   * has no leader (during an election). Asks the running, unpaused nodes.
   */
  leaderOf(stream: string, options?: { timeoutMs?: number }): Promise<NatsClusterNode>;
  /** Wait until JetStream answers (a meta leader is elected) through every running, unpaused node. */
  waitForJetStream(options?: { timeoutMs?: number }): Promise<void>;
  /** Stop every server and remove their stores. */
  stop(): Promise<void>;
}

/**
 * Start a real NATS cluster for a test: `nodes` `nats-server`s on 127.0.0.1 with JetStream, each
 * routed to every other on free loopback ports, each with its own store. Resolves once JetStream
 * answers through every node and the cluster has placed (and removed) a stream with a replica on
 * every running server, so an R3 stream can be created at once. Each node keeps its ports and store across `kill` / `restart`.
 *
 * @example
 * ```ts
 * const cluster = await startNatsCluster({ nodes: 3 });
 * const nc = await connect({ servers: cluster.servers });
 * await ensureAuthStream(await nc.jetstreamManager(), { maxAgeMs: 3600_000, replicas: 3 });
 * const leader = await cluster.leaderOf('AUTH');
 * await leader.kill(); // a crash of the stream's leader; another node takes over
 * ```
 */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new Error(`nodes must be a positive integer, got ${count}`);
  const clusterName = options.name ?? 'authbus-test';
  const plan: { name: string; port: number; clusterPort: number; storeDir: string }[] = [];
  for (let i = 1; i <= count; i++) {
    const [port, clusterPort] = [await freePort(), await freePort()];
    plan.push({ name: `n${i}`, port, clusterPort, storeDir: mkdtempSync(join(tmpdir(), 'authbus-nats-cluster-')) });
  }
  const routes = plan.map((p) => `nats://127.0.0.1:${p.clusterPort}`).join(',');
  const nodes: NatsClusterNode[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const { storeDir } of plan) rmSync(storeDir, { recursive: true, force: true });
  };
  try {
    // Started together: each waits for its client port only, the routes form as peers come up.
    const started = await Promise.allSettled(
      plan.map(({ name, port, clusterPort, storeDir }) =>
        startNatsServer({
          port,
          storeDir,
          startNow: !options.down?.includes(name),
          ...(options.binary ? { binary: options.binary } : {}),
          args: [
            '--server_name',
            name,
            '--cluster_name',
            clusterName,
            '--cluster',
            `nats://127.0.0.1:${clusterPort}`,
            '--routes',
            routes,
            ...(options.args ?? []),
          ],
        }),
      ),
    );
    started.forEach((result, i) => {
      if (result.status === 'fulfilled') nodes.push(asNode(result.value, plan[i]!.name, plan[i]!.clusterPort));
    });
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stopAll();
    throw err;
  }

  const live = (): NatsClusterNode[] => nodes.filter((n) => n.running && !n.paused);
  const withConnection = async <T>(node: NatsClusterNode, use: (nc: NatsConnection) => Promise<T>): Promise<T> => {
    const nc = await connect({ servers: node.url, reconnect: false, timeout: 2000 });
    try {
      return await use(nc);
    } finally {
      await nc.close().catch(() => undefined);
    }
  };

  const handle: NatsClusterHandle = {
    nodes,
    servers: nodes.map((n) => n.url),
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no node named ${name} (nodes: ${nodes.map((n) => n.name).join(', ')})`);
      return found;
    },
    async leaderOf(stream, { timeoutMs = 20_000 } = {}) {
      const name = await waitFor(
        async () => {
          for (const node of live()) {
            const leader = await withConnection(node, async (nc) => {
              const jsm = await nc.jetstreamManager({ timeout: 2000 });
              return (await jsm.streams.info(stream)).cluster?.leader;
            }).catch(() => undefined);
            if (leader) return leader;
          }
          return undefined;
        },
        { timeoutMs, intervalMs: 50, description: `a leader of stream ${stream}` },
      );
      return handle.node(name);
    },
    async waitForJetStream({ timeoutMs = 20_000 } = {}) {
      await waitFor(
        async () => {
          for (const node of live())
            await withConnection(node, async (nc) => (await nc.jetstreamManager({ timeout: 2000 })).getAccountInfo());
          return true;
        },
        { timeoutMs, intervalMs: 50, description: 'JetStream to answer through every node' },
      );
    },
    stop: stopAll,
  };
  try {
    const timeoutMs = options.startTimeoutMs ?? 20_000;
    await handle.waitForJetStream({ timeoutMs });
    // JetStream answering is not yet the meta leader knowing every server: until it does, a
    // stream with a replica on each is refused ("no suitable peers"). Place one and remove it.
    const up = live();
    if (up.length > 1)
      await waitFor(
        () =>
          withConnection(up[0]!, async (nc) => {
            const jsm = await nc.jetstreamManager({ timeout: 2000 });
            const name = 'AUTHBUS_CLUSTER_READY';
            await jsm.streams.add({ name, subjects: ['authbus.cluster.ready'], num_replicas: Math.min(up.length, 5) });
            await jsm.streams.delete(name);
            return true;
          }),
        { timeoutMs, intervalMs: 100, description: 'the cluster to place a stream on every server' },
      );
  } catch (err) {
    await stopAll();
    throw err;
  }
  return handle;
}

function asNode(server: NatsServerHandle, name: string, clusterPort: number): NatsClusterNode {
  return {
    name,
    clusterPort,
    url: server.url,
    port: server.port,
    storeDir: server.storeDir,
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    get paused() {
      return server.paused;
    },
    pause: () => server.pause(),
    resume: () => server.resume(),
    shutdown: () => server.shutdown(),
    kill: (signal) => server.kill(signal),
    restart: () => server.restart(),
    stop: () => server.stop(),
  };
}
