import { readFileSync } from 'node:fs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import {
  lameDuckProblems,
  mongoUriProblems,
  natsConfigKey,
  natsRouteProblems,
  quorumProblems,
  statelessProblems,
} from './support/cluster-rules';
import type { K8sObject } from './support/k8s-object';
import { renderKustomization } from './support/kustomization';
import { INGRESS_CONTROLLER, PROMETHEUS, ingressAllowed, networkPolicies } from './support/network-policy';
import { INFRA, NATS_CLUSTER_CONF } from './support/paths';
import { mainContainer, workloads } from './support/workloads';

/**
 * The cluster's shape: one node's loss or one voluntary disruption never takes a quorum (NATS,
 * each MongoDB replica set) nor the last replica of a service; the NATS routes reach every server;
 * lame-duck shutdown fits in the pod's grace period. Each rule is also shown to catch a broken copy
 * of the manifests, so a passing check means something.
 */
const objects = renderKustomization(INFRA).map((r) => r.object);
const conf = readFileSync(NATS_CLUSTER_CONF, 'utf8');

/** A deep copy of the objects with one changed. */
function broken(kind: string, name: string, change: (o: K8sObject & { spec: Record<string, unknown> }) => void): K8sObject[] {
  const copy = structuredClone(objects);
  const target = copy.find((o) => o.kind === kind && o.metadata.name === name) as (K8sObject & { spec: Record<string, unknown> }) | undefined;
  if (!target) throw new Error(`no ${kind}/${name}`);
  change(target);
  return copy;
}
const podOf = (o: { spec: Record<string, unknown> }): IPodSpec => (o.spec.template as { spec: IPodSpec }).spec;
const container = (o: { spec: Record<string, unknown> }, name: string): IContainer => podOf(o).containers.find((c) => c.name === name)!;

describe('cluster shape (infra/, rendered as kustomize would)', () => {
  it('the NATS servers run cluster.conf', () => {
    expect(natsConfigKey(objects)).toBe('cluster.conf');
  });

  describe('quorum members: NATS and both MongoDB replica sets', () => {
    it('are odd StatefulSets of at least 3, each with one PodDisruptionBudget allowing one down at most, spread one per node', () => {
      expect(quorumProblems(objects)).toEqual([]);
    });

    it('an even or single member count is refused', () => {
      expect(quorumProblems(broken('StatefulSet', 'nats', (o) => (o.spec.replicas = 4)))).toContain('nats: 4 replicas; a quorum needs an odd number, at least 3');
      expect(quorumProblems(broken('StatefulSet', 'auth-mongo', (o) => (o.spec.replicas = 1)))).toContain('auth-mongo: 1 replicas; a quorum needs an odd number, at least 3');
    });

    it('a PodDisruptionBudget that lets a drain take the majority, or blocks every drain, is refused', () => {
      const majority = broken('PodDisruptionBudget', 'nats', (o) => {
        delete o.spec.maxUnavailable;
        o.spec.minAvailable = 1;
      });
      expect(quorumProblems(majority)).toEqual(['nats: PodDisruptionBudget nats allows 2 down of 3; want 1 to 1']);
      expect(quorumProblems(broken('PodDisruptionBudget', 'tickets-mongo', (o) => (o.spec.maxUnavailable = 0)))).toEqual([
        'tickets-mongo: PodDisruptionBudget tickets-mongo allows 0 down of 3; want 1 to 1',
      ]);
      expect(quorumProblems(broken('PodDisruptionBudget', 'tickets-mongo', (o) => (o.spec.maxUnavailable = '50%')))).toEqual([
        'tickets-mongo: PodDisruptionBudget tickets-mongo allows 2 down of 3; want 1 to 1',
      ]);
    });

    it('a PodDisruptionBudget that selects other pods protects nothing', () => {
      const elsewhere = broken('PodDisruptionBudget', 'auth-mongo', (o) => (o.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'auth' } }));
      expect(quorumProblems(elsewhere)).toEqual(['auth-mongo: 0 PodDisruptionBudgets select its pods; want 1']);
    });

    it('members that may share a node are refused (a soft spread, another topology, or a selector of other pods)', () => {
      const soft = broken('StatefulSet', 'nats', (o) => {
        podOf(o).topologySpreadConstraints![0]!.whenUnsatisfiable = 'ScheduleAnyway';
      });
      expect(quorumProblems(soft)).toEqual(['nats: members not spread one per node (kubernetes.io/hostname)']);
      const zone = broken('StatefulSet', 'auth-mongo', (o) => {
        podOf(o).topologySpreadConstraints![0]!.topologyKey = 'topology.kubernetes.io/zone';
      });
      expect(quorumProblems(zone)).toEqual(['auth-mongo: members not spread one per node (kubernetes.io/hostname)']);
      const other = broken('StatefulSet', 'tickets-mongo', (o) => {
        podOf(o).topologySpreadConstraints![0]!.labelSelector = { matchLabels: { 'app.kubernetes.io/name': 'tickets' } };
      });
      expect(quorumProblems(other)).toEqual(['tickets-mongo: members not spread one per node (kubernetes.io/hostname)']);
    });
  });

  describe('the stateless services', () => {
    it('tickets and the client run at least 2 replicas each, with a PodDisruptionBudget that keeps one; auth runs one, with no budget to block a drain', () => {
      expect(statelessProblems(objects)).toEqual([]);
    });

    it('a single replica, a budget that lets a drain take them all, or a budget pinning auth, is refused', () => {
      expect(statelessProblems(broken('Deployment', 'client', (o) => (o.spec.replicas = 1)))).toContain('client: 1 replica; want at least 2');
      const none = broken('PodDisruptionBudget', 'tickets', (o) => (o.spec.minAvailable = 0));
      expect(statelessProblems(none)).toEqual(['tickets: PodDisruptionBudget tickets allows 2 down of 2; want 1 to 1']);
      const pinned = structuredClone(objects);
      const pdb = structuredClone(pinned.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'tickets')!) as K8sObject & { spec: Record<string, unknown> };
      pdb.metadata.name = 'auth';
      pdb.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'auth' } };
      expect(statelessProblems([...pinned, pdb])).toEqual(['auth: PodDisruptionBudget auth blocks every drain of its one replica']);
      expect(statelessProblems(broken('Deployment', 'auth', (o) => (o.spec.replicas = 2)))).toEqual(['auth: 2 replicas; it runs one (key rotation assumes one)']);
    });
  });

  describe('NATS routes', () => {
    it('list every StatefulSet pod through the headless Service on the cluster port, with the cluster authorization\'s credentials, and the stream has no more replicas than servers', () => {
      expect(natsRouteProblems(objects, conf)).toEqual([]);
    });

    it('a missing route, a wrong port or a name that resolves nowhere is refused', () => {
      expect(natsRouteProblems(objects, conf.replace(/^\s*\$NATS_ROUTE_NATS_2\n/m, ''))).toEqual([
        'routes nats-0.nats-headless:6222, nats-1.nats-headless:6222; want every pod: nats-0.nats-headless:6222, nats-1.nats-headless:6222, nats-2.nats-headless:6222',
      ]);
      // The hosts are in the route variables' values now (nats.yaml): break one there.
      const wrongPort = broken('StatefulSet', 'nats', (o) => {
        const v = container(o, 'nats').env!.find((e) => e.name === 'NATS_ROUTE_NATS_1')!;
        v.value = v.value!.replace('nats-1.nats-headless:6222', 'nats-1.nats-headless:4222');
      });
      expect(natsRouteProblems(wrongPort, conf)[0]).toMatch(/^routes .*nats-1\.nats-headless:4222/);
      const moreServers = broken('StatefulSet', 'nats', (o) => (o.spec.replicas = 5));
      expect(natsRouteProblems(moreServers, conf)).toEqual([
        'routes nats-0.nats-headless:6222, nats-1.nats-headless:6222, nats-2.nats-headless:6222; want every pod: nats-0.nats-headless:6222, nats-1.nats-headless:6222, nats-2.nats-headless:6222, nats-3.nats-headless:6222, nats-4.nats-headless:6222',
      ]);
      const noClusterPort = broken('Service', 'nats-headless', (o) => (o.spec.ports = (o.spec.ports as Array<{ name: string }>).filter((p) => p.name !== 'cluster')));
      expect(natsRouteProblems(noClusterPort, conf)).toEqual([
        'route nats-0.nats-headless:6222: Service nats-headless has no port 6222',
        'route nats-1.nats-headless:6222: Service nats-headless has no port 6222',
        'route nats-2.nats-headless:6222: Service nats-headless has no port 6222',
      ]);
      expect(natsRouteProblems(objects, conf.replace(/^\s*name: authbus\n/m, ''))).toEqual(['the cluster block has no name']);
      // A route variable the StatefulSet does not set (a fourth pod added to cluster.conf only).
      expect(natsRouteProblems(objects, conf.replace(/^(\s*)\$NATS_ROUTE_NATS_2\n/m, '$1$NATS_ROUTE_NATS_2\n$1$NATS_ROUTE_NATS_3\n'))).toEqual([
        'route $NATS_ROUTE_NATS_3: the NATS container sets no NATS_ROUTE_NATS_3',
      ]);
    });

    it('the cluster block has an authorization whose password comes from a Secret, and every route carries its credentials', () => {
      const problems = (objects: K8sObject[], text = conf) => natsRouteProblems(objects, text);
      const env = (o: { spec: Record<string, unknown> }, name: string) => container(o, 'nats').env!.find((e) => e.name === name)!;
      // No authorization: any server that reaches the port joins (the routes' credentials are then unchecked).
      const withoutAuthorization = conf.replace(/^\s*authorization \{[^}]*\}\n/m, '');
      expect(withoutAuthorization).not.toMatch(/authorization \{/);
      expect(problems(objects, withoutAuthorization)).toEqual(['the cluster block has no authorization: any server that reaches the cluster port may join']);
      expect(problems(objects, conf.replace(/^\s*user: route\n/m, ''))).toEqual(['the cluster authorization needs a user and a password']);
      expect(problems(objects, conf.replace('password: $NATS_ROUTE_PASSWORD', 'password: "s3cret"'))).toEqual([
        'the cluster authorization password is written in cluster.conf; want a $NATS_… variable from a Secret',
      ]);
      const literalPassword = broken('StatefulSet', 'nats', (o) => (env(o, 'NATS_ROUTE_PASSWORD').value = '"s3cret"'));
      expect(problems(literalPassword)[0]).toBe('the cluster authorization password $NATS_ROUTE_PASSWORD is s3cret, not a Secret\'s key');
      // A route without credentials, with another user, or with another password.
      const noCredentials = broken('StatefulSet', 'nats', (o) => (env(o, 'NATS_ROUTE_NATS_0').value = '"nats://nats-0.nats-headless:6222"'));
      expect(problems(noCredentials)).toEqual(['route nats-0.nats-headless:6222: no credentials in its URL; a peer with the cluster authorization refuses it']);
      const otherUser = broken('StatefulSet', 'nats', (o) => {
        env(o, 'NATS_ROUTE_NATS_1').value = env(o, 'NATS_ROUTE_NATS_1').value!.replace('//route:', '//auth:');
      });
      expect(problems(otherUser)).toEqual([
        "route nats-1.nats-headless:6222: credentials auth:secret.nats-route-credentials.route-password; want the cluster authorization's route:secret.nats-route-credentials.route-password",
      ]);
      const otherPassword = broken('StatefulSet', 'nats', (o) => {
        env(o, 'NATS_ROUTE_NATS_2').value = env(o, 'NATS_ROUTE_NATS_2').value!.replace('$(ROUTE_PASSWORD)', '$(AUTH_PASSWORD)');
      });
      expect(problems(otherPassword)).toEqual([
        "route nats-2.nats-headless:6222: credentials route:secret.nats-credentials.auth-password; want the cluster authorization's route:secret.nats-route-credentials.route-password",
      ]);
      // Unquoted, nats-server would parse the URL as config.
      const unquoted = broken('StatefulSet', 'nats', (o) => (env(o, 'NATS_ROUTE_NATS_0').value = env(o, 'NATS_ROUTE_NATS_0').value!.replace(/"/g, '')));
      expect(problems(unquoted)[0]).toMatch(/^route \$NATS_ROUTE_NATS_0: NATS_ROUTE_NATS_0 is not quoted/);
    });

    it('AUTH_STREAM_REPLICAS above the number of NATS servers is refused', () => {
      const tooMany = broken('Deployment', 'auth', (o) => {
        container(o, 'auth').env!.find((v) => v.name === 'AUTH_STREAM_REPLICAS')!.value = '5';
      });
      expect(natsRouteProblems(tooMany, conf)).toEqual(['AUTH_STREAM_REPLICAS=5: want 1 to 3 (the NATS servers)']);
    });
  });

  describe('NATS lame-duck shutdown', () => {
    it('the grace period is shorter than the duration, the duration than terminationGracePeriodSeconds, and preStop signals ldm and waits', () => {
      expect(lameDuckProblems(objects, conf)).toEqual([]);
    });

    it('a grace period of the kubelet shorter than lame duck, or a hook that does not signal, is refused', () => {
      const short = broken('StatefulSet', 'nats', (o) => (podOf(o).terminationGracePeriodSeconds = 30));
      expect(lameDuckProblems(short, conf)).toEqual([
        'lame_duck_duration 30 s is not shorter than terminationGracePeriodSeconds 30 s',
        'the preStop hook waits 45 s; want from lame_duck_duration 30 s to under 30 s',
      ]);
      expect(lameDuckProblems(objects, conf.replace('lame_duck_grace_period: "10s"', 'lame_duck_grace_period: "30s"'))).toEqual([
        'lame_duck_grace_period 30 s is not shorter than lame_duck_duration 30 s',
      ]);
      const noHook = broken('StatefulSet', 'nats', (o) => delete container(o, 'nats').lifecycle);
      expect(lameDuckProblems(noHook, conf)[0]).toMatch(/^the preStop hook does not signal ldm/);
    });
  });

  describe('MongoDB connection strings', () => {
    it("name the replica set mongod runs and every member of it, for auth and tickets", () => {
      expect(mongoUriProblems(objects)).toEqual([]);
    });

    it('a standalone address or a wrong set name is refused', () => {
      const standalone = broken('Deployment', 'tickets', (o) => {
        container(o, 'tickets').env!.find((v) => v.name === 'MONGO_URI')!.value = 'mongodb://tickets-mongo-0.tickets-mongo:27017/authbus_tickets?replicaSet=rs0';
      });
      expect(mongoUriProblems(standalone)).toEqual([
        'tickets: MONGO_URI lists tickets-mongo-0.tickets-mongo:27017; want every member: tickets-mongo-0.tickets-mongo:27017, tickets-mongo-1.tickets-mongo:27017, tickets-mongo-2.tickets-mongo:27017',
      ]);
      const wrongSet = broken('StatefulSet', 'auth-mongo', (o) => {
        const c = container(o, 'mongo');
        c.command = c.command!.map((a) => (a === 'rs0' ? 'rs1' : a));
      });
      expect(mongoUriProblems(wrongSet)).toEqual(['auth: MONGO_URI replicaSet=rs0, mongod runs --replSet rs1']);
    });
  });

  describe('Prometheus scraping', () => {
    const all = workloads(objects);
    const annotations = (name: string): Record<string, string> => {
      const o = objects.find((x) => ['Deployment', 'StatefulSet'].includes(x.kind) && x.metadata.name === name)!;
      return ((o.spec as { template: { metadata?: { annotations?: Record<string, string> } } }).template.metadata?.annotations ?? {});
    };

    it.each(['auth', 'tickets', 'client'])("%s's pods are annotated for scraping /metrics on the port the service listens on", (name) => {
      const port = mainContainer(all.find((w) => w.name === name)!).ports!.find((p) => p.name === 'http')!.containerPort;
      expect(annotations(name)).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
    });

    it('NATS and MongoDB are not annotated: they serve no /metrics (NATS monitoring is loopback-only, an exporter is not part of this)', () => {
      for (const name of ['nats', 'auth-mongo', 'tickets-mongo']) expect({ name, annotations: annotations(name) }).toEqual({ name, annotations: {} });
    });

    it("Prometheus in the monitoring namespace reaches each annotated port; another pod there, or Prometheus on another port, does not", () => {
      const policies = networkPolicies(objects);
      for (const name of ['auth', 'tickets', 'client']) {
        const w = all.find((x) => x.name === name)!;
        const port = Number(annotations(name)['prometheus.io/port']);
        expect({ name, scrape: ingressAllowed(policies, PROMETHEUS, w, port) }).toEqual({ name, scrape: true });
        const neighbour = { ...PROMETHEUS, name: 'neighbour', podLabels: { 'app.kubernetes.io/name': 'grafana' } };
        expect({ name, neighbour: ingressAllowed(policies, neighbour, w, port) }).toEqual({ name, neighbour: false });
        // The monitoring namespace's label on a pod of the ingress namespace admits nothing more.
        expect(ingressAllowed(policies, { ...INGRESS_CONTROLLER, podLabels: PROMETHEUS.podLabels }, w, port)).toBe(false);
      }
      for (const name of ['nats', 'auth-mongo', 'tickets-mongo']) {
        const w = all.find((x) => x.name === name)!;
        for (const port of [4222, 6222, 8222, 27017]) expect({ name, port, scrape: ingressAllowed(policies, PROMETHEUS, w, port) }).toEqual({ name, port, scrape: false });
      }
    });
  });
});
