import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { resolveInCluster } from './cluster-dns';
import type { K8sObject } from './k8s-object';
import { confBlock, confItems, confValue, durationSeconds } from './nats-conf';
import { selectorMatches } from './network-policy';
import { mainContainer, workload, workloads, type Workload } from './workloads';

/**
 * The rules that keep a quorum through one node's loss or one voluntary disruption, as checks that
 * return what is wrong (empty: nothing). Each takes the rendered objects, so a test can break a
 * copy and see the rule catch it.
 */

/** The StatefulSets whose members vote: NATS (JetStream's meta group and stream groups) and each MongoDB replica set. */
export const QUORUM_SETS = ['nats', 'auth-mongo', 'tickets-mongo'] as const;

/** The stateless Deployments, each of which must keep a replica through a disruption. */
export const STATELESS = ['tickets', 'client'] as const;

/**
 * Services that run one replica on purpose (auth: key rotation assumes one, see the README) and so
 * have no PodDisruptionBudget: on one replica a budget either blocks every drain or protects nothing.
 */
export const SINGLE_REPLICA = ['auth'] as const;

/** Services with a MongoDB of their own. */
const MONGO_USERS = ['auth', 'tickets'] as const;

type Pdb = IPodDisruptionBudget & K8sObject;

function pdbsOf(objects: readonly K8sObject[], w: Workload): Pdb[] {
  return (objects.filter((o) => o.kind === 'PodDisruptionBudget') as Pdb[]).filter((p) => selectorMatches(p.spec?.selector, w.podLabels));
}

/** A PDB's int-or-percent as a pod count out of `replicas` (the API server rounds percentages up). */
function count(value: number | string, replicas: number): number {
  return typeof value === 'number' ? value : Math.ceil((Number(value.replace(/%$/, '')) / 100) * replicas);
}

/** How many of the selected pods a PDB lets a voluntary disruption take at once. */
export function disruptionsAllowed(pdb: Pdb, replicas: number): number {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) return count(spec.maxUnavailable, replicas);
  if (spec.minAvailable !== undefined) return replicas - count(spec.minAvailable, replicas);
  return replicas;
}

/** Does the pod spread its replicas one per node (hard), for pods with these labels? */
function spreadsPerNode(pod: IPodSpec, labels: Record<string, string>): boolean {
  const spread = (pod.topologySpreadConstraints ?? []).some(
    (c) => c.topologyKey === 'kubernetes.io/hostname' && c.maxSkew === 1 && c.whenUnsatisfiable === 'DoNotSchedule' && selectorMatches(c.labelSelector, labels),
  );
  const antiAffinity = (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
    (t) => t.topologyKey === 'kubernetes.io/hostname' && selectorMatches(t.labelSelector, labels),
  );
  return spread || antiAffinity;
}

/**
 * Each quorum set: an odd number of members, at least 3; exactly one PDB selecting its pods that
 * lets a drain proceed (≥ 1) but never takes a majority (≤ ⌊(n − 1) / 2⌋); and its members spread
 * one per node, so a node's loss takes one.
 */
export function quorumProblems(objects: readonly K8sObject[]): string[] {
  const all = workloads(objects);
  return QUORUM_SETS.flatMap((name) => {
    const w = workload(all, name);
    const problems: string[] = [];
    if (w.kind !== 'StatefulSet') problems.push(`${name}: not a StatefulSet`);
    if (w.replicas < 3 || w.replicas % 2 === 0) problems.push(`${name}: ${w.replicas} replicas; a quorum needs an odd number, at least 3`);
    const pdbs = pdbsOf(objects, w);
    if (pdbs.length !== 1) problems.push(`${name}: ${pdbs.length} PodDisruptionBudgets select its pods; want 1`);
    for (const pdb of pdbs) {
      const allowed = disruptionsAllowed(pdb, w.replicas);
      const minority = Math.floor((w.replicas - 1) / 2);
      if (allowed < 1 || allowed > minority)
        problems.push(`${name}: PodDisruptionBudget ${pdb.metadata.name} allows ${allowed} down of ${w.replicas}; want 1 to ${minority}`);
    }
    if (!spreadsPerNode(w.pod, w.podLabels)) problems.push(`${name}: members not spread one per node (kubernetes.io/hostname)`);
    return problems;
  });
}

/**
 * Each stateless service: at least 2 replicas, and a PDB that keeps at least 1 and lets a drain
 * proceed. Each single-replica service: exactly 1, and no PDB that would block a drain.
 */
export function statelessProblems(objects: readonly K8sObject[]): string[] {
  const all = workloads(objects);
  const single = SINGLE_REPLICA.flatMap((name) => {
    const w = workload(all, name);
    const problems: string[] = [];
    if (w.replicas !== 1) problems.push(`${name}: ${w.replicas} replicas; it runs one (key rotation assumes one)`);
    for (const pdb of pdbsOf(objects, w))
      if (disruptionsAllowed(pdb, w.replicas) < 1) problems.push(`${name}: PodDisruptionBudget ${pdb.metadata.name} blocks every drain of its one replica`);
    return problems;
  });
  return single.concat(STATELESS.flatMap((name) => {
    const w = workload(all, name);
    const problems: string[] = [];
    if (w.replicas < 2) problems.push(`${name}: ${w.replicas} replica; want at least 2`);
    const pdbs = pdbsOf(objects, w);
    if (pdbs.length !== 1) problems.push(`${name}: ${pdbs.length} PodDisruptionBudgets select its pods; want 1`);
    for (const pdb of pdbs) {
      const allowed = disruptionsAllowed(pdb, w.replicas);
      if (allowed < 1 || allowed > w.replicas - 1)
        problems.push(`${name}: PodDisruptionBudget ${pdb.metadata.name} allows ${allowed} down of ${w.replicas}; want 1 to ${w.replicas - 1}`);
    }
    return problems;
  }));
}

/** The config file the NATS StatefulSet's servers run (its `--config`), as a ConfigMap key. */
export function natsConfigKey(objects: readonly K8sObject[]): string {
  const c = mainContainer(workload(workloads(objects), 'nats'));
  const command = [...(c.command ?? []), ...(c.args ?? [])];
  const file = command[command.findIndex((a) => a === '--config' || a === '-c') + 1] ?? '';
  return file.slice(file.lastIndexOf('/') + 1);
}

/** What a `$(SECRET_VAR)` stands for in a resolved value: the Secret key the kubelet would put there. */
export const secretPlaceholder = (name: string, key: string): string => `secret.${name}.${key}`;

/**
 * The value a `$NATS_…` reference in the config gets from the container's env, as nats-server reads
 * it: the literal value with its quotes stripped (nats.yaml quotes every one, see nats.conf) and
 * `$(VAR)` expanded as the kubelet would (a Secret key to its placeholder, a downward-API field to
 * `field.<path>`); or why it has none.
 */
function natsVariable(c: IContainer, ref: string): { value: string } | { problem: string } {
  const name = ref.slice(1);
  const env = c.env ?? [];
  const v = env.find((e) => e.name === name);
  if (!v) return { problem: `${ref}: the NATS container sets no ${name}` };
  if (v.value === undefined) return { problem: `${ref}: ${name} is not a literal value` };
  const quoted = /^"([^"\\]*)"$/.exec(v.value);
  if (!quoted) return { problem: `${ref}: ${name} is not quoted (nats-server would parse ${v.value} as config)` };
  const expand = (text: string, depth: number): string =>
    text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, inner: string) => {
      const d = env.find((e) => e.name === inner);
      if (d?.valueFrom?.secretKeyRef) return secretPlaceholder(d.valueFrom.secretKeyRef.name ?? '', d.valueFrom.secretKeyRef.key);
      if (d?.valueFrom?.fieldRef) return `field.${d.valueFrom.fieldRef.fieldPath}`;
      if (d?.value !== undefined && depth < 5) return expand(d.value, depth + 1);
      return match;
    });
  return { value: expand(quoted[1]!, 0) };
}

/**
 * The NATS cluster block: a name; a listen port that is the container's `cluster` port; routes to
 * exactly every pod of the StatefulSet through its headless Service on that port (each resolving
 * in the cluster), a route given as a `$NATS_…` variable read from the container's env; an
 * authorization with a user and a password from a variable that comes from a Secret, and every
 * route carrying exactly those credentials; AUTH_STREAM_REPLICAS at most the number of servers.
 */
export function natsRouteProblems(objects: readonly K8sObject[], conf: string): string[] {
  const all = workloads(objects);
  const nats = workload(all, 'nats');
  const c = mainContainer(nats);
  const problems: string[] = [];
  const cluster = confBlock(conf, 'cluster');
  if (cluster === undefined) return ['cluster.conf has no cluster block'];
  if (!confValue(cluster, 'name')) problems.push('the cluster block has no name');
  const clusterPort = c.ports?.find((p) => p.name === 'cluster')?.containerPort;
  const listenPort = Number(/:(\d+)$/.exec(confValue(cluster, 'listen') ?? '')?.[1] ?? confValue(cluster, 'port'));
  if (clusterPort === undefined || listenPort !== clusterPort) problems.push(`the cluster listens on ${listenPort}, the container's cluster port is ${clusterPort}`);

  // Who may route: the authorization's user and password (resolved), which every route must present.
  let credentials: { user: string; password: string } | undefined;
  const authorization = confBlock(cluster, 'authorization');
  if (authorization === undefined) problems.push('the cluster block has no authorization: any server that reaches the cluster port may join');
  else {
    const user = confValue(authorization, 'user');
    const password = confValue(authorization, 'password');
    if (!user || !password) problems.push('the cluster authorization needs a user and a password');
    else if (!password.startsWith('$')) problems.push('the cluster authorization password is written in cluster.conf; want a $NATS_… variable from a Secret');
    else {
      const resolved = natsVariable(c, password);
      if ('problem' in resolved) problems.push(`the cluster authorization password ${resolved.problem}`);
      else if (!/^secret\.\S+$/.test(resolved.value)) problems.push(`the cluster authorization password ${password} is ${resolved.value}, not a Secret's key`);
      else credentials = { user, password: resolved.value };
    }
  }

  const routes: URL[] = [];
  for (const item of confItems(cluster, 'routes')) {
    const resolved = item.startsWith('$') ? natsVariable(c, item) : { value: item };
    if ('problem' in resolved) problems.push(`route ${resolved.problem}`);
    else routes.push(new URL(resolved.value));
  }
  const expected = Array.from({ length: nats.replicas }, (_, i) => `${nats.name}-${i}.${nats.serviceName}:${clusterPort}`);
  const actual = routes.map((r) => r.host);
  if ([...actual].sort().join() !== [...expected].sort().join()) problems.push(`routes ${actual.join(', ')}; want every pod: ${expected.join(', ')}`);
  for (const r of routes) {
    const why = resolveInCluster(r.hostname, Number(r.port), objects, all);
    if (why) problems.push(`route ${r.host}: ${why}`);
    const [user, password] = [decodeURIComponent(r.username), decodeURIComponent(r.password)];
    if (!user || !password) problems.push(`route ${r.host}: no credentials in its URL; a peer with the cluster authorization refuses it`);
    else if (credentials && (user !== credentials.user || password !== credentials.password))
      problems.push(`route ${r.host}: credentials ${user}:${password}; want the cluster authorization's ${credentials.user}:${credentials.password}`);
  }
  const replicasVar = mainContainer(workload(all, 'auth')).env?.find((v) => v.name === 'AUTH_STREAM_REPLICAS')?.value;
  if (!(Number(replicasVar) >= 1 && Number(replicasVar) <= nats.replicas))
    problems.push(`AUTH_STREAM_REPLICAS=${replicasVar}: want 1 to ${nats.replicas} (the NATS servers)`);
  return problems;
}

/**
 * Lame-duck shutdown: the grace period shorter than the duration, the duration shorter than the
 * pod's terminationGracePeriodSeconds (the kubelet would kill the server mid-way), and a preStop
 * hook that signals `ldm` to the pid file the server writes, and waits at least the duration.
 */
export function lameDuckProblems(objects: readonly K8sObject[], conf: string): string[] {
  const nats = workload(workloads(objects), 'nats');
  const c = mainContainer(nats);
  const problems: string[] = [];
  const durationText = confValue(conf, 'lame_duck_duration');
  const graceText = confValue(conf, 'lame_duck_grace_period');
  if (!durationText || !graceText) return ['lame_duck_duration and lame_duck_grace_period must both be set'];
  const [duration, grace] = [durationSeconds(durationText), durationSeconds(graceText)];
  const termination = nats.pod.terminationGracePeriodSeconds ?? 30;
  if (!(grace < duration)) problems.push(`lame_duck_grace_period ${grace} s is not shorter than lame_duck_duration ${duration} s`);
  if (!(duration < termination)) problems.push(`lame_duck_duration ${duration} s is not shorter than terminationGracePeriodSeconds ${termination} s`);
  const hook = (c.lifecycle?.preStop?.exec?.command ?? []).join(' ');
  const command = [...(c.command ?? []), ...(c.args ?? [])];
  const pidFile = command[command.findIndex((a) => a === '--pid' || a === '-P') + 1];
  if (!pidFile || !hook.includes(`nats-server --signal ldm=${pidFile}`)) problems.push(`the preStop hook does not signal ldm to the server's pid file (${pidFile}): ${hook}`);
  const wait = Number(/\bsleep (\d+)\b/.exec(hook)?.[1] ?? 0);
  if (!(wait >= duration && wait < termination)) problems.push(`the preStop hook waits ${wait} s; want from lame_duck_duration ${duration} s to under ${termination} s`);
  return problems;
}

/**
 * Each MongoDB connection string of a service names its replica set (the `--replSet` its mongod
 * runs) and every member of that StatefulSet through its headless Service.
 */
export function mongoUriProblems(objects: readonly K8sObject[]): string[] {
  const all = workloads(objects);
  return MONGO_USERS.flatMap((name) => {
    const uri = mainContainer(workload(all, name)).env?.find((v) => v.name === 'MONGO_URI')?.value;
    if (uri === undefined) return [];
    const m = /^mongodb:\/\/([^/]+)\/[^?]*\?(.*)$/.exec(uri);
    if (!m) return [`${name}: MONGO_URI ${uri} has no hosts, database and options`];
    const hosts = m[1]!.split(',');
    const set = new URLSearchParams(m[2]).get('replicaSet');
    const db = all.find((w) => w.kind === 'StatefulSet' && hosts.some((h) => h.startsWith(`${w.name}-`)));
    if (!db) return [`${name}: MONGO_URI names no StatefulSet's pods`];
    const problems: string[] = [];
    const mongod = db.pod.containers.find((c) => c.name === 'mongo');
    const command = [...(mongod?.command ?? []), ...(mongod?.args ?? [])];
    const replSet = command[command.indexOf('--replSet') + 1];
    if (!command.includes('--replSet') || set !== replSet) problems.push(`${name}: MONGO_URI replicaSet=${set}, mongod runs --replSet ${replSet}`);
    const expected = Array.from({ length: db.replicas }, (_, i) => `${db.name}-${i}.${db.serviceName}:27017`);
    if ([...hosts].sort().join() !== expected.join()) problems.push(`${name}: MONGO_URI lists ${hosts.join(', ')}; want every member: ${expected.join(', ')}`);
    return problems;
  });
}
