import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAuthStream } from '@authbus/common/issuer';
import { freePort, startNatsServer, waitFor, type NatsServerHandle } from '@authbus/common/testing';
import { connect, StringCodec, type NatsConnection } from 'nats';
import { createSecretStore, type SecretStore } from './support/fake-kubectl';
import { renderKustomization } from './support/kustomization';
import { withoutComments } from './support/nats-conf';
import { NATS_CLUSTER_CONF, NATS_CONF, INFRA } from './support/paths';
import { confValue, durationSeconds } from './support/nats-conf';
import { containerEnv } from './support/pod-env';
import { mainContainer, workload, workloads } from './support/workloads';

/**
 * The NATS StatefulSet's config (cluster.conf, which includes nats.conf) on three real
 * nats-servers: each with the environment its pod gets (the passwords create-secrets.sh makes, the
 * server name from the pod name, the route URLs with the route password), the routes to
 * nats-N.nats-headless:6222 in those URLs rewritten to loopback ports, nothing else changed. They
 * must form one JetStream cluster that places an R3 AUTH stream, carry the accounts' traffic across
 * the routes, refuse a fourth server that has another route password, and a server must leave as
 * the pod's preStop hook makes it leave (lame duck: 30 s, nats-server's minimum, so that check
 * takes about as long).
 */
describe('infra/nats/cluster.conf on three nats-servers (routes rewritten to loopback)', () => {
  const all = workloads(renderKustomization(INFRA).map((o) => o.object));
  const natsSet = workload(all, 'nats');
  const clusterConf = readFileSync(NATS_CLUSTER_CONF, 'utf8');
  let dir: string;
  let secrets: SecretStore;
  const servers: NatsServerHandle[] = [];
  const open: NatsConnection[] = [];
  type Ports = { pod: string; port: number; clusterPort: number; monitorPort: number };
  const plan: Ports[] = [];
  /** Ports given to a server outside the plan (the intruder). */
  const extraPorts: number[] = [];
  let routed: string;
  let intruder: ChildProcess | undefined;
  let intruderSecrets: SecretStore | undefined;

  /** A free port none of the servers was given yet (the cluster ports are bound only once each server runs). */
  async function unusedPort(): Promise<number> {
    const taken = new Set([...plan.flatMap((p) => [p.port, p.clusterPort, p.monitorPort]), ...extraPorts]);
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) return port;
    }
  }

  beforeAll(async () => {
    secrets = createSecretStore();
    const created = await secrets.runScript();
    if (created.code !== 0) throw new Error(`create-secrets.sh failed:\n${created.output}`);
    dir = mkdtempSync(join(tmpdir(), 'authbus-nats-cluster-conf-'));
    // Beside each server's file, as in the ConfigMap: the include is relative to the including file.
    copyFileSync(NATS_CONF, join(dir, 'nats.conf'));
    for (let i = 0; i < natsSet.replicas; i++) {
      const [port, clusterPort, monitorPort] = [await unusedPort(), await unusedPort(), await unusedPort()];
      if (new Set([port, clusterPort, monitorPort]).size < 3) throw new Error('freePort returned one port twice');
      plan.push({ pod: `nats-${i}`, port, clusterPort, monitorPort });
    }
    // The routes are whole variables (their URLs carry the password), so the file names no host.
    routed = clusterConf;
    expect(withoutComments(routed)).not.toContain('nats-headless');
    const started = await Promise.allSettled(
      plan.map(async ({ pod, port, clusterPort, monitorPort }) => {
        const file = join(dir, `${pod}.conf`);
        writeFileSync(file, routed.replace('listen: "0.0.0.0:6222"', `listen: "127.0.0.1:${clusterPort}"`));
        const env = serverEnv({ pod, port, clusterPort, monitorPort }, secrets.dir);
        // Each on its own monitoring port (nats.conf's 8222 would collide).
        // The pid file the preStop hook signals (--pid, as the StatefulSet's command gives it).
        const args = ['-m', String(monitorPort), '--pid', join(dir, `${pod}.pid`)];
        return startNatsServer({ configFile: file, port, env, args });
      }),
    );
    for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  });

  /**
   * The env the pod `pod` gets (Secrets from `secretsDir`), with its pod DNS names, which do not
   * resolve here, on loopback: the advertised addresses, and the hosts of the route URLs (nats.yaml's
   * NATS_ROUTE_NATS_<n>, credentials kept).
   */
  function serverEnv({ pod, port, clusterPort }: Ports, secretsDir: string): Record<string, string> {
    const env = containerEnv(mainContainer(natsSet), natsSet.pod, { secretsDir, fields: { 'metadata.name': pod } });
    env.NATS_CLIENT_ADVERTISE = `"127.0.0.1:${port}"`;
    env.NATS_CLUSTER_ADVERTISE = `"127.0.0.1:${clusterPort}"`;
    for (const [name, value] of Object.entries(env)) {
      let local = value;
      for (const p of plan) local = local.replaceAll(`@${p.pod}.nats-headless:6222"`, `@127.0.0.1:${p.clusterPort}"`);
      env[name] = local;
    }
    expect(Object.entries(env).filter(([, v]) => v.includes('nats-headless'))).toEqual([]);
    return env;
  }

  afterAll(async () => {
    if (intruder && intruder.exitCode === null && intruder.signalCode === null) {
      const exited = new Promise((resolve) => intruder!.once('exit', resolve));
      intruder.kill('SIGKILL');
      await exited;
    }
    intruderSecrets?.remove();
    for (const nc of open) await nc.close().catch(() => undefined);
    await Promise.all(servers.map((s) => s.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
    secrets?.remove();
  });

  const password = (key: string): string => readFileSync(join(secrets.dir, 'nats-credentials', key), 'utf8');
  async function connectAs(user: 'auth' | 'tickets', server: NatsServerHandle): Promise<NatsConnection> {
    const nc = await connect({ servers: server.url, user, pass: password(`${user}-password`), inboxPrefix: `_INBOX_${user}`, reconnect: false });
    open.push(nc);
    return nc;
  }

  it('every variable the two files read is one the StatefulSet sets', () => {
    const read = [...withoutComments(`${clusterConf}\n${readFileSync(NATS_CONF, 'utf8')}`).matchAll(/\$(NATS_[A-Z0-9_]+)/g)].map((m) => m[1]!);
    const set = new Set((mainContainer(natsSet).env ?? []).map((v) => v.name));
    expect([...new Set(read)].filter((v) => !set.has(v))).toEqual([]);
    expect(read).toEqual(expect.arrayContaining(['NATS_SERVER_NAME', 'NATS_CLIENT_ADVERTISE', 'NATS_CLUSTER_ADVERTISE', 'NATS_ROUTE_PASSWORD']));
  });

  it('each server routes with the password of the nats-route-credentials Secret, in every route URL', () => {
    const routePassword = readFileSync(join(secrets.dir, 'nats-route-credentials', 'route-password'), 'utf8');
    const env = serverEnv(plan[0]!, secrets.dir);
    expect(env.NATS_ROUTE_PASSWORD).toBe(`"${routePassword}"`);
    const routes = Object.entries(env).filter(([name]) => /^NATS_ROUTE_NATS_\d+$/.test(name));
    expect(routes.map(([, v]) => v).sort()).toEqual(plan.map((p) => `"nats://route:${routePassword}@127.0.0.1:${p.clusterPort}"`).sort());
  });

  it('the servers form one JetStream cluster that places the AUTH stream with a replica on each (AUTH_STREAM_REPLICAS=3)', async () => {
    const nc = await connectAs('auth', servers[0]!);
    const replicas = Number(mainContainer(workload(all, 'auth')).env!.find((v) => v.name === 'AUTH_STREAM_REPLICAS')!.value);
    expect(replicas).toBe(natsSet.replicas);
    // The meta group elects its leader once the routes are up: until then a create is refused.
    const info = await waitFor(
      async () => ensureAuthStream(await nc.jetstreamManager({ timeout: 2000 }), { maxAgeMs: 20 * 60_000, replicas }).catch(() => undefined),
      { timeoutMs: 20_000, intervalMs: 200, description: 'the cluster to place an R3 AUTH stream' },
    );
    expect(info.config.num_replicas).toBe(3);
    const placed = await waitFor(
      async () => {
        const cluster = (await (await nc.jetstreamManager()).streams.info('AUTH')).cluster;
        const current = (cluster?.replicas ?? []).filter((r) => r.current);
        return cluster?.leader && current.length === 2 ? cluster : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, description: 'a leader and two current followers' },
    );
    expect(placed.name).toBe('authbus');
    expect([placed.leader, ...(placed.replicas ?? []).map((r) => r.name)].sort()).toEqual(plan.map((p) => p.pod));
  });

  it('a client connected to one server learns the others from the INFO gossip, at their advertised addresses', async () => {
    const nc = await connectAs('tickets', servers[1]!);
    const learned = await waitFor(() => {
      const urls = (nc.info as { connect_urls?: string[] } | undefined)?.connect_urls ?? [];
      return urls.length === plan.length ? urls : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50, description: 'connect_urls of every server' });
    expect([...learned].sort()).toEqual(plan.map((p) => `127.0.0.1:${p.port}`).sort());
  });

  it("auth's events published on one server reach tickets on another, through its account's import, across the routes", async () => {
    const auth = await connectAs('auth', servers[0]!);
    const tickets = await connectAs('tickets', servers[2]!);
    const sc = StringCodec();
    const sub = tickets.subscribe('auth.>', { max: 1 });
    await tickets.flush();
    // Interest crosses the routes asynchronously: publish until it arrives.
    const got = (async () => {
      for await (const m of sub) return { subject: m.subject, data: sc.decode(m.data) };
      return undefined;
    })();
    const timer = setInterval(() => auth.publish('auth.test.routed', sc.encode('across')), 50);
    try {
      await expect(got).resolves.toEqual({ subject: 'auth.test.routed', data: 'across' });
    } finally {
      clearInterval(timer);
    }
  });

  it('a fourth server with the same cluster.conf but another route password is refused: told Authorization Violation, never a route of the others nor a JetStream peer', async () => {
    // Another deployment's Secrets: the same user, another route password.
    intruderSecrets = createSecretStore();
    expect(await intruderSecrets.runScript()).toMatchObject({ code: 0 });
    const key = (d: string) => readFileSync(join(d, 'nats-route-credentials', 'route-password'), 'utf8');
    expect(key(intruderSecrets.dir)).not.toBe(key(secrets.dir));
    const [port, clusterPort, monitorPort] = [await unusedPort(), await unusedPort(), await unusedPort()];
    extraPorts.push(port, clusterPort, monitorPort);
    const ports: Ports = { pod: `nats-${plan.length}`, port, clusterPort, monitorPort };
    const env = serverEnv(ports, intruderSecrets.dir);
    const file = join(dir, `${ports.pod}.conf`);
    writeFileSync(file, routed.replace('listen: "0.0.0.0:6222"', `listen: "127.0.0.1:${clusterPort}"`));
    const store = join(dir, `${ports.pod}-store`);
    mkdirSync(store);
    // Started by hand, not with startNatsServer, to read its log.
    let log = '';
    const args = ['-c', file, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store, '-m', String(monitorPort)];
    intruder = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    intruder.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const monitor = async (at: number, path: string): Promise<Record<string, unknown>> => (await fetch(`http://127.0.0.1:${at}/${path}`)).json() as Promise<Record<string, unknown>>;
    type Routez = { num_routes: number; routes?: Array<{ remote_id: string }> };
    const intruderId = await waitFor(async () => ((await monitor(monitorPort, 'varz').catch(() => ({}))) as { server_id?: string }).server_id, {
      timeoutMs: 10_000,
      intervalMs: 100,
      description: 'the fourth server to serve monitoring',
    });
    const joined = async () => {
      for (const p of plan) if (((await monitor(p.monitorPort, 'routez')) as Routez).routes?.some((r) => r.remote_id === intruderId)) return true;
      return false;
    };
    // It dials the three routes at once (and again every second): each peer refuses the CONNECT.
    // (Were it let in, it would be a route of the others within the same time: that ends the wait too.)
    const outcome = await waitFor(async () => ((await joined()) ? 'joined' : /authorization violation/i.test(log) ? 'refused' : undefined), {
      timeoutMs: 15_000,
      intervalMs: 100,
      description: 'the fourth server to be refused or let in',
    });
    expect({ outcome, log: /authorization violation/i.test(log) }).toEqual({ outcome: 'refused', log: true });
    // A few more attempts' time, then nobody has it.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(intruder.exitCode).toBeNull();
    expect(((await monitor(monitorPort, 'routez')) as Routez).num_routes).toBe(0);
    for (const p of plan) {
      const routez = (await monitor(p.monitorPort, 'routez')) as Routez;
      expect({ server: p.pod, routes: routez.num_routes, intruder: (routez.routes ?? []).some((r) => r.remote_id === intruderId) }).toEqual({
        server: p.pod,
        routes: plan.length - 1,
        intruder: false,
      });
      const meta = ((await monitor(p.monitorPort, 'jsz')) as { meta_cluster?: { cluster_size?: number; replicas?: Array<{ name: string }> } }).meta_cluster;
      expect({ server: p.pod, size: meta?.cluster_size, peers: (meta?.replicas ?? []).map((r) => r.name).includes(ports.pod) }).toEqual({
        server: p.pod,
        size: plan.length,
        peers: false,
      });
    }
  });

  it("the pod's preStop hook puts a server in lame duck: it leaves by itself after the grace period, its clients move to the others, the stream keeps taking writes", async () => {
    const leaving = servers[2]!;
    const client = await connect({ servers: leaving.url, user: 'auth', pass: password('auth-password'), inboxPrefix: '_INBOX_auth', reconnectTimeWait: 100 });
    open.push(client);
    // It must know the other servers (gossip) before this one goes, as a service would.
    await waitFor(() => ((client.info as { connect_urls?: string[] } | undefined)?.connect_urls ?? []).length === plan.length || undefined, {
      timeoutMs: 10_000,
      description: 'the client to learn every server',
    });
    // The hook's signal, as the kubelet runs it, on this server's pid file (its wait that follows is
    // for the kubelet, and checked statically: at least lame_duck_duration).
    const hook = mainContainer(natsSet).lifecycle!.preStop!.exec!.command!;
    const command = mainContainer(natsSet).command ?? [];
    const pidFile = command[command.indexOf('--pid') + 1]!;
    const signal = hook.at(-1)!.split('&&')[0]!.trim().replace(pidFile, join(dir, `${plan[2]!.pod}.pid`));
    expect(signal).toMatch(/^nats-server --signal ldm=/);
    const signalled = Date.now();
    const ran = spawnSync(hook[0]!, [...hook.slice(1, -1), signal], { encoding: 'utf8' });
    expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' });
    const grace = durationSeconds(confValue(clusterConf, 'lame_duck_grace_period')!);
    const duration = durationSeconds(confValue(clusterConf, 'lame_duck_duration')!);
    const moved = await waitFor(() => (client.getServer() !== `127.0.0.1:${plan[2]!.port}` ? client.getServer() : undefined), {
      timeoutMs: (duration + 10) * 1000,
      intervalMs: 100,
      description: 'the client to reconnect to another server',
    });
    expect([`127.0.0.1:${plan[0]!.port}`, `127.0.0.1:${plan[1]!.port}`]).toContain(moved);
    await waitFor(() => !leaving.running || undefined, { timeoutMs: (duration + 10) * 1000, intervalMs: 100, description: 'the server to exit by itself' });
    const left = (Date.now() - signalled) / 1000;
    // Not at once (it waits the grace period first), and within the pod's termination grace.
    expect(left).toBeGreaterThanOrEqual(grace);
    expect(left).toBeLessThan(natsSet.pod.terminationGracePeriodSeconds!);
    const js = client.jetstream();
    const ack = await waitFor(() => js.publish('auth.session.after-lame-duck', StringCodec().encode('still'), { timeout: 2000 }).catch(() => undefined), {
      timeoutMs: 20_000,
      intervalMs: 200,
      description: 'the AUTH stream to take a write with two of three servers',
    });
    expect(ack.stream).toBe('AUTH');
  }, 90_000);
});
