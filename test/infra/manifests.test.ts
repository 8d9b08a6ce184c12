import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { parse as parseYaml } from 'yaml';
import { addressesIn, connectionTarget, resolveInCluster } from './support/cluster-dns';
import { natsUsers } from './support/infra-nats';
import { ingressBackend } from './support/ingress-routing';
import { objectId, type K8sObject } from './support/k8s-object';
import { schemaProblems } from './support/k8s-schema';
import { kustomizationInputs, renderKustomization } from './support/kustomization';
import { INFRA, NATS_CLUSTER_CONF, NATS_CONF } from './support/paths';
import { INGRESS_CONTROLLER, ingressAllowed, networkPolicies, selectorMatches } from './support/network-policy';
import { documentedSecrets } from './support/secret-commands';
import { BUS_SERVICES } from './support/service-nats';
import { containersOf, mainContainer, selects, services, workload, workloads } from './support/workloads';
import { readYamlDocuments } from './support/yaml-documents';

/**
 * The services we build, with the port their process listens on by default (services/<name>/src/
 * config.ts; the client's in src/server/index.ts). auth and tickets are also on the bus
 * (BUS_SERVICES); the web client is not.
 */
const APP_SERVICES = { auth: 3001, tickets: 3002, client: 3003 } as const;

const rendered = renderKustomization(INFRA);
const objects = rendered.map((r) => r.object);
const all = workloads(objects);
const pods = all.map((w) => ({ w, id: `${w.kind}/${w.name}` }));
const containers = all.flatMap((w) => containersOf(w.pod).map(({ container, init }) => ({ w, container, init, id: `${w.kind}/${w.name} ${init ? 'init ' : ''}container ${container.name}` })));
const byId = (id: string): K8sObject | undefined => objects.find((o) => objectId(o) === id);

describe('Kubernetes manifests (infra/, rendered as kustomize would)', () => {
  it('parses every file in infra/k8s, and the kustomization lists every one of them', () => {
    const files = readdirSync(join(INFRA, 'k8s')).filter((f) => /\.ya?ml$/.test(f));
    for (const f of files) expect(readYamlDocuments(join(INFRA, 'k8s', f)).length).toBeGreaterThan(0);
    const listed = kustomizationInputs(INFRA).map((f) => relative(INFRA, f));
    expect(listed.filter((f) => f.startsWith('k8s/')).sort()).toEqual(files.map((f) => `k8s/${f}`).sort());
    expect(listed).toContain('nats/nats.conf');
  });

  it('has no two objects of the same kind and name', () => {
    const ids = objects.map(objectId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it.each(rendered.map((r) => [objectId(r.object), r.source, r.object] as const))(
    '%s (%s) validates against the Kubernetes schema, with no unknown field',
    (_id, _source, object) => {
      expect(schemaProblems(object)).toEqual([]);
    },
  );

  it('would catch a misspelt field (the schema check is strict)', () => {
    const deployment = structuredClone(byId('Deployment/tickets')!) as K8sObject & { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } };
    deployment.spec.template.spec.containers[0]!.readinesProbe = { httpGet: { path: '/readyz', port: 'http' } };
    expect(schemaProblems(deployment)).toEqual(['/spec/template/spec/containers/0/readinesProbe: unknown field']);
  });

  describe('cross-references', () => {
    it('every Deployment and StatefulSet selects its own pod template', () => {
      for (const w of all) expect({ id: `${w.kind}/${w.name}`, selects: selects(w.selector, w.podLabels) }).toEqual({ id: `${w.kind}/${w.name}`, selects: true });
    });

    it('every Service selects exactly one workload, and targets ports its pods declare', () => {
      for (const svc of services(objects)) {
        const selected = all.filter((w) => selects(svc.spec?.selector, w.podLabels));
        expect({ service: svc.metadata.name, selected: selected.length }).toEqual({ service: svc.metadata.name, selected: 1 });
        const ports = selected[0]!.pod.containers.flatMap((c) => c.ports ?? []);
        for (const p of svc.spec?.ports ?? []) {
          const target = p.targetPort ?? p.port;
          const found = ports.some((cp) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target));
          expect({ service: svc.metadata.name, port: p.port, targetPortExists: found }).toEqual({ service: svc.metadata.name, port: p.port, targetPortExists: true });
        }
      }
    });

    it('every StatefulSet is governed by an existing headless Service', () => {
      for (const w of all.filter((x) => x.kind === 'StatefulSet')) {
        const svc = services(objects).find((s) => s.metadata.name === w.serviceName);
        expect({ statefulSet: w.name, headless: svc?.spec?.clusterIP }).toEqual({ statefulSet: w.name, headless: 'None' });
      }
    });

    it('the Ingress routes /api/users, /api/keys and /.well-known to auth, /api/tickets to tickets and / to the client, every route through a Service port that exists', () => {
      const ingresses = objects.filter((o) => o.kind === 'Ingress') as Array<IIngress & K8sObject>;
      expect(ingresses).toHaveLength(1);
      const ingress = ingresses[0]!;
      expect(ingress.spec?.ingressClassName).toBe('nginx');
      const routes = (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []);
      expect(routes.map((p) => [p.path, p.pathType, p.backend.service?.name])).toEqual(
        expect.arrayContaining([
          ['/api/users', 'Prefix', 'auth'],
          ['/api/keys', 'Prefix', 'auth'],
          ['/.well-known', 'Prefix', 'auth'],
          ['/api/oidc', 'Prefix', 'auth'],
          ['/api/tickets', 'Prefix', 'tickets'],
          ['/', 'Prefix', 'client'],
        ]),
      );
      for (const route of routes) {
        const backend = route.backend.service!;
        const svc = services(objects).find((s) => s.metadata.name === backend.name);
        const port = (svc?.spec?.ports ?? []).find((p) => (backend.port?.name ? p.name === backend.port.name : p.port === backend.port?.number));
        expect({ path: route.path, backend: backend.name, portExists: port !== undefined }).toEqual({ path: route.path, backend: backend.name, portExists: true });
        if (backend.name in APP_SERVICES) expect(port?.port).toBe(APP_SERVICES[backend.name as keyof typeof APP_SERVICES]);
      }
    });

    it('routes request paths as the Ingress rules say (longest prefix, by path element): the API prefixes to their services, everything else to the client', () => {
      const ingress = objects.find((o) => o.kind === 'Ingress') as IIngress & K8sObject;
      const routes = (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []);
      const expected: Record<string, string> = {
        '/': 'client',
        '/signin': 'client',
        '/tickets/new': 'client',
        '/js/main.js': 'client',
        '/styles.css': 'client',
        '/api/users': 'auth',
        '/api/users/signin': 'auth',
        '/api/users/currentuser': 'auth',
        '/api/keys': 'auth',
        '/api/keys/rotate': 'auth',
        '/.well-known/jwks.json': 'auth',
        '/.well-known/openid-configuration': 'auth',
        '/api/oidc/backchannel-logout': 'auth',
        '/.well-known/ssf-configuration': 'auth',
        '/api/tickets': 'tickets',
        '/api/tickets/abc123': 'tickets',
        // Prefix matching is by path element: /api/usersx is not under /api/users.
        '/api/usersx': 'client',
      };
      expect(Object.fromEntries(Object.keys(expected).map((path) => [path, ingressBackend(routes, path)]))).toEqual(expected);
    });

    it('routes no service-to-service path to a service: internal routes and the token endpoint reach only the static client', () => {
      const ingress = objects.find((o) => o.kind === 'Ingress') as IIngress & K8sObject;
      const routes = (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []);
      const internal = [
        '/internal/users/6b04a94a044b283e2cbe76be/hide',
        '/internal',
        '/api/services/token',
        '/api/services/tickets/credentials/x/revoke',
      ];
      expect(Object.fromEntries(internal.map((path) => [path, ingressBackend(routes, path)]))).toEqual(
        Object.fromEntries(internal.map((path) => [path, 'client'])),
      );
    });

    it('every volume mount names a volume of its pod, and every ConfigMap volume a ConfigMap the kustomization makes', () => {
      for (const { w, container, id } of containers) {
        const declared = [...(w.pod.volumes ?? []).map((v) => v.name), ...w.claimTemplates];
        for (const m of container.volumeMounts ?? []) expect({ id, mount: m.name, declared: declared.includes(m.name) }).toEqual({ id, mount: m.name, declared: true });
      }
      for (const { w, id } of pods) {
        for (const v of w.pod.volumes ?? []) {
          if (v.configMap) expect({ id, configMap: v.configMap.name, exists: !!byId(`ConfigMap/${v.configMap.name}`) }).toEqual({ id, configMap: v.configMap.name, exists: true });
        }
      }
    });

    it('every Secret a pod reads (secretKeyRef or volume) is one the README tells users to create, with that key, and each one is used', () => {
      const documented = new Map(documentedSecrets().map((s) => [s.name, new Set(s.keys)]));
      expect([...documented.keys()].sort()).toEqual([
        'jwt-public-keys',
        'jwt-signing-key',
        'keys-encryption-key',
        'nats-credentials',
        'nats-route-credentials',
        'service-keys',
        'tickets-credential',
      ]);
      const used = new Set<string>();
      for (const { container, id } of containers) {
        for (const v of container.env ?? []) {
          const ref = v.valueFrom?.secretKeyRef;
          if (!ref) continue;
          used.add(ref.name!);
          expect({ id, env: v.name, secret: ref.name, key: ref.key, documented: documented.get(ref.name!)?.has(ref.key) ?? false }).toEqual({
            id,
            env: v.name,
            secret: ref.name,
            key: ref.key,
            documented: true,
          });
        }
      }
      for (const { w, id } of pods) {
        for (const v of w.pod.volumes ?? []) {
          if (!v.secret) continue;
          used.add(v.secret.secretName!);
          expect({ id, volume: v.name, secret: v.secret.secretName, documented: documented.has(v.secret.secretName!) }).toEqual({
            id,
            volume: v.name,
            secret: v.secret.secretName,
            documented: true,
          });
        }
      }
      expect([...used].sort()).toEqual([...documented.keys()].sort());
    });

    it("each service's NATS user is defined in nats.conf, with the password the server gets from the same Secret key", () => {
      const users = natsUsers();
      const server = mainContainer(workload(all, 'nats'));
      const serverVars = new Map((server.env ?? []).map((v) => [v.name, v]));
      // The server's variable is the quoted expansion of another one, which reads the Secret.
      const secretBehind = (name: string) => {
        const v = serverVars.get(name);
        const inner = /^"\$\((\w+)\)"$/.exec(v?.value ?? '')?.[1];
        return inner ? serverVars.get(inner)?.valueFrom?.secretKeyRef : undefined;
      };
      for (const name of BUS_SERVICES) {
        const env = new Map((mainContainer(workload(all, name)).env ?? []).map((v) => [v.name, v]));
        const user = env.get('NATS_USER')?.value;
        expect(user).toBe(name);
        const passwordVar = users.get(user!);
        expect(passwordVar).toBeDefined();
        expect(secretBehind(passwordVar!)).toEqual(env.get('NATS_PASS')?.valueFrom?.secretKeyRef);
        expect(secretBehind(passwordVar!)).toBeDefined();
      }
      expect([...users.keys()].sort()).toEqual([...BUS_SERVICES].sort());
    });

    it('the web client gets no Secret, no NATS, no JWT key and no database: it serves files only', () => {
      const client = workload(all, 'client');
      const c = mainContainer(client);
      expect((c.env ?? []).filter((v) => v.valueFrom !== undefined).map((v) => v.name)).toEqual([]);
      expect((c.env ?? []).map((v) => v.name).filter((n) => /^(NATS_|JWT_|MONGO_)/.test(n))).toEqual([]);
      expect(client.pod.volumes ?? []).toEqual([]);
      expect(client.pod.initContainers ?? []).toEqual([]);
      expect(Object.keys(APP_SERVICES).filter((s) => !(BUS_SERVICES as readonly string[]).includes(s))).toEqual(['client']);
    });

    it('every address in an env value or command (NATS, MongoDB, auth) reaches a Service port in the cluster', () => {
      const problems: string[] = [];
      let checked = 0;
      for (const { container, id } of containers) {
        const texts = [...(container.env ?? []).map((v) => v.value ?? ''), ...(container.command ?? []), ...(container.args ?? [])];
        for (const url of texts.flatMap(addressesIn)) {
          checked++;
          if (url.port === '') problems.push(`${id}: ${url.href} has no explicit port`);
          const why = resolveInCluster(url.hostname, Number(url.port), objects, all);
          if (why) problems.push(`${id}: ${url.href}: ${why}`);
        }
      }
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(5); // NATS_URL ×2, MONGO_URI ×2, AUTH_URL, the init container's
    });

    it('auth signs with the private key and verifies with the public keys; tickets gets only the public keys', () => {
      const mountOf = (name: string) => {
        const w = workload(all, name);
        const c = mainContainer(w);
        const volume = (w.pod.volumes ?? []).find((v) => v.secret?.secretName === 'jwt-public-keys');
        const mount = (c.volumeMounts ?? []).find((m) => m.name === volume?.name);
        return { env: new Map((c.env ?? []).map((v) => [v.name, v])), mountPath: mount?.mountPath };
      };
      const auth = mountOf('auth');
      expect(auth.env.get('JWT_PRIVATE_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'jwt-signing-key', key: 'private.pem' });
      expect(auth.env.get('JWT_ACTIVE_KID')?.valueFrom?.secretKeyRef).toEqual({ name: 'jwt-signing-key', key: 'kid' });
      const tickets = mountOf('tickets');
      for (const s of [auth, tickets]) {
        expect(s.mountPath).toBeDefined();
        expect(s.env.get('JWT_PUBLIC_KEYS_DIR')?.value).toBe(s.mountPath);
      }
      for (const name of ['JWT_PRIVATE_KEY', 'JWT_PRIVATE_KEY_FILE', 'JWT_KEY', 'JWT_KEYS']) expect(tickets.env.has(name)).toBe(false);
      const ticketsReads = [...tickets.env.values()].map((v) => v.valueFrom?.secretKeyRef?.name).filter(Boolean);
      expect(ticketsReads).not.toContain('jwt-signing-key');
    });

    it('NATS reads cluster.conf from the generated ConfigMap, the nats.conf it includes beside it, and keeps JetStream on its persistent volume', () => {
      const w = workload(all, 'nats');
      const c = mainContainer(w);
      const command = [...(c.command ?? []), ...(c.args ?? [])];
      const flag = (names: string[]) => command[command.findIndex((a) => names.includes(a)) + 1];
      const mountFor = (path: string | undefined) => (c.volumeMounts ?? []).find((m) => path?.startsWith(`${m.mountPath}/`) || path === m.mountPath);
      const config = flag(['--config', '-c']);
      const configMount = mountFor(config);
      const configMapName = (w.pod.volumes ?? []).find((v) => v.name === configMount?.name)?.configMap?.name;
      const configMap = byId(`ConfigMap/${configMapName}`) as (K8sObject & { data: Record<string, string> }) | undefined;
      const key = config!.slice(configMount!.mountPath.length + 1);
      expect(key).toBe('cluster.conf');
      expect(configMap?.data[key]).toBe(readFileSync(NATS_CLUSTER_CONF, 'utf8'));
      // An include is read relative to the including file: each one must be a key of the same ConfigMap.
      const includes = [...configMap!.data[key]!.matchAll(/^\s*include\s+"?(?:\.\/)?([^"\s]+)"?/gm)].map((m) => m[1]!);
      expect(includes).toEqual(['nats.conf']);
      expect(configMap?.data['nats.conf']).toBe(readFileSync(NATS_CONF, 'utf8'));
      expect(w.claimTemplates).toContain(mountFor(flag(['-sd', '--store_dir']))?.name);
    });

    it.each(['auth', 'tickets'])(
      "%s's replica-set init container runs the shared script (valid JavaScript) with the set and the members its MONGO_URI names",
      (name) => {
        const w = workload(all, name);
        const init = (w.pod.initContainers ?? []).find((c) => c.name === 'mongo-replica-set')!;
        const env = new Map((init.env ?? []).map((v) => [v.name, v.value]));
        const script = init.command!.join(' ').match(/(\/\S+\.js)\b/)![1]!;
        const mount = (init.volumeMounts ?? []).find((m) => script.startsWith(`${m.mountPath}/`))!;
        const configMapName = (w.pod.volumes ?? []).find((v) => v.name === mount.name)?.configMap?.name;
        const configMap = byId(`ConfigMap/${configMapName}`) as K8sObject & { data: Record<string, string> };
        const text = configMap.data[script.slice(mount.mountPath.length + 1)]!;
        expect(text).toBe(readFileSync(join(INFRA, 'mongo', 'replica-set-init.js'), 'utf8'));
        // Parse the script as JavaScript (mongosh's language) without running it.
        // eslint-disable-next-line @typescript-eslint/no-implied-eval
        expect(() => new Function('rs', 'db', 'print', 'process', text)).not.toThrow();
        const uri = mainContainer(w).env!.find((v) => v.name === 'MONGO_URI')!.value!;
        const members = /^mongodb:\/\/([^/]+)\//.exec(uri)![1]!;
        expect(env.get('REPLICA_SET_MEMBERS')).toBe(members);
        expect(env.get('REPLICA_SET')).toBe(new URL(uri.replace(members, 'seed')).searchParams.get('replicaSet'));
        // It connects to one of those members directly (before the set exists there is no set to find).
        const direct = addressesIn(init.command!.join(' '))[0]!;
        expect(members.split(',')).toContain(direct.host);
        expect(direct.searchParams.get('directConnection')).toBe('true');
      },
    );
  });

  describe('network policies', () => {
    const policies = networkPolicies(objects);
    const nats = workload(all, 'nats');
    /** What the StatefulSet's servers run: cluster.conf and the nats.conf it includes. */
    const natsConf = `${readFileSync(NATS_CLUSTER_CONF, 'utf8')}\n${readFileSync(NATS_CONF, 'utf8')}`;
    /** Workloads with a nats:// address in a container's environment: the ones that connect to NATS. */
    const busClients = all.filter((w) => containersOf(w.pod).some(({ container }) => (container.env ?? []).some((v) => (v.value ?? '').startsWith('nats://'))));

    it('every NetworkPolicy selects a workload, and each named port it admits is a port of the pods it selects', () => {
      expect(policies.map((p) => p.metadata.name).sort()).toEqual(['auth', 'auth-mongo', 'client', 'nats', 'tickets', 'tickets-mongo']);
      for (const p of policies) {
        const selected = all.filter((w) => selectorMatches(p.spec?.podSelector, w.podLabels));
        expect({ policy: p.metadata.name, selects: selected.length > 0 }).toEqual({ policy: p.metadata.name, selects: true });
        for (const rule of p.spec?.ingress ?? []) {
          for (const port of rule.ports ?? []) {
            if (typeof port.port !== 'string') continue;
            const named = selected.every((w) => w.pod.containers.some((c) => (c.ports ?? []).some((cp) => cp.name === port.port)));
            expect({ policy: p.metadata.name, port: port.port, declared: named }).toEqual({ policy: p.metadata.name, port: port.port, declared: true });
          }
        }
      }
    });

    it('NATS accepts client connections (4222) from exactly the pods that connect to it, auth and tickets', () => {
      expect(busClients.map((w) => w.name).sort()).toEqual([...BUS_SERVICES].sort());
      for (const w of all) {
        expect({ from: w.name, admitted: ingressAllowed(policies, w, nats, 4222) }).toEqual({ from: w.name, admitted: busClients.includes(w) });
      }
    });

    it('the services accept HTTP from the ingress controller only (auth also from tickets, tickets also from auth): the one hop TRUST_PROXY=1 trusts is always the ingress', () => {
      const callers: Record<keyof typeof APP_SERVICES, string[]> = { auth: ['tickets'], tickets: ['auth'], client: [] };
      for (const [name, port] of Object.entries(APP_SERVICES) as Array<[keyof typeof APP_SERVICES, number]>) {
        const target = workload(all, name);
        expect({ to: name, fromIngress: ingressAllowed(policies, INGRESS_CONTROLLER, target, port) }).toEqual({ to: name, fromIngress: true });
        for (const w of all) {
          expect({ from: w.name, to: name, admitted: ingressAllowed(policies, w, target, port) }).toEqual({ from: w.name, to: name, admitted: callers[name].includes(w.name) });
        }
        // Another pod in the ingress namespace is not the controller.
        const neighbour = { ...INGRESS_CONTROLLER, name: 'neighbour', podLabels: { 'app.kubernetes.io/name': 'other' } };
        expect({ to: name, fromNeighbour: ingressAllowed(policies, neighbour, target, port) }).toEqual({ to: name, fromNeighbour: false });
      }
    });

    it('each MongoDB accepts connections from its own service and its own members only', () => {
      for (const db of ['auth-mongo', 'tickets-mongo']) {
        const target = workload(all, db);
        const owner = db.replace(/-mongo$/, '');
        for (const source of [...all, INGRESS_CONTROLLER]) {
          expect({ from: source.name, to: db, admitted: ingressAllowed(policies, source, target, 27017) }).toEqual({ from: source.name, to: db, admitted: [owner, db].includes(source.name) });
        }
      }
    });

    it('every Ingress backend is admitted from the ingress controller on the port its Service targets', () => {
      const ingress = objects.find((o) => o.kind === 'Ingress') as IIngress & K8sObject;
      const backends = (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []).map((p) => p.backend.service!);
      expect(backends.length).toBeGreaterThan(0);
      for (const backend of backends) {
        const svc = services(objects).find((s) => s.metadata.name === backend.name)!;
        const servicePort = (svc.spec?.ports ?? []).find((p) => p.port === backend.port?.number || p.name === backend.port?.name)!;
        const target = all.find((w) => selects(svc.spec?.selector, w.podLabels))!;
        const port = typeof servicePort.targetPort === 'number' ? servicePort.targetPort : target.pod.containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === (servicePort.targetPort ?? servicePort.port))?.containerPort ?? servicePort.port;
        expect({ backend: backend.name, admitted: ingressAllowed(policies, INGRESS_CONTROLLER, target, port) }).toEqual({ backend: backend.name, admitted: true });
      }
    });

    it('no pod reaches the NATS monitoring port (8222) nor the leafnode port (7422); the cluster port (6222) only the NATS pods, with a cluster block', () => {
      const clustered = /^\s*cluster\s*\{/m.test(natsConf);
      expect(clustered).toBe(true);
      for (const w of all) {
        expect({ from: w.name, monitor: ingressAllowed(policies, w, nats, 8222) }).toEqual({ from: w.name, monitor: false });
        expect({ from: w.name, cluster: ingressAllowed(policies, w, nats, 6222) }).toEqual({ from: w.name, cluster: clustered && w.name === 'nats' });
        expect({ from: w.name, leafnode: ingressAllowed(policies, w, nats, 7422) }).toEqual({ from: w.name, leafnode: false });
      }
    });

    it('monitoring is no network service: nats.conf binds it to loopback, no Service or container port exposes it, the probes run in the container', () => {
      expect(natsConf).toMatch(/^http: "127\.0\.0\.1:8222"$/m);
      expect(natsConf).not.toMatch(/^\s*(http_port|monitor_port|https?_port)\s*[:=]/m);
      for (const svc of services(objects)) {
        const exposed = (svc.spec?.ports ?? []).filter((p) => p.port === 8222 || p.targetPort === 8222 || p.targetPort === 'monitor');
        expect({ service: svc.metadata.name, exposesMonitor: exposed.length > 0 }).toEqual({ service: svc.metadata.name, exposesMonitor: false });
      }
      const c = mainContainer(nats);
      expect(c.ports).toEqual([
        { name: 'client', containerPort: 4222 },
        { name: 'cluster', containerPort: 6222 },
      ]);
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        expect(probe?.httpGet).toBeUndefined();
        expect(probe?.exec?.command?.slice(0, -1)).toEqual(['wget', '-q', '-O', '/dev/null']);
        expect(new URL(probe!.exec!.command!.at(-1)!).host).toBe('127.0.0.1:8222');
      }
    });

    it('every connection the manifests make (the addresses in env values and commands) is admitted by the NetworkPolicies', () => {
      const refused: string[] = [];
      let checked = 0;
      for (const { w, container, id } of containers) {
        const texts = [...(container.env ?? []).map((v) => v.value ?? ''), ...(container.command ?? []), ...(container.args ?? [])];
        for (const url of texts.flatMap(addressesIn)) {
          const target = connectionTarget(url.hostname, Number(url.port), objects, all);
          if (!target) continue; // reported by the address check above
          checked++;
          if (!ingressAllowed(policies, w, target.workload, target.port)) refused.push(`${id} → ${url.host} (${target.workload.name}:${target.port})`);
        }
      }
      expect(refused).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(5);
    });
  });

  describe('the services', () => {
    it.each(Object.entries(APP_SERVICES))('%s: startup and liveness on /healthz, readiness on /readyz, all on its http port %d', (name, port) => {
      const c = mainContainer(workload(all, name));
      expect(c.ports).toEqual([{ name: 'http', containerPort: port }]);
      const probe = (p: IProbe | undefined) => ({ path: p?.httpGet?.path, port: p?.httpGet?.port });
      expect(probe(c.startupProbe)).toEqual({ path: '/healthz', port: 'http' });
      expect(probe(c.livenessProbe)).toEqual({ path: '/healthz', port: 'http' });
      expect(probe(c.readinessProbe)).toEqual({ path: '/readyz', port: 'http' });
      expect(c.env?.find((v) => v.name === 'PORT')?.value).toBe(String(port));
    });

    it('every service rolls without a gap', () => {
      for (const name of Object.keys(APP_SERVICES)) {
        const spec = byId(`Deployment/${name}`)!.spec as { strategy?: { rollingUpdate?: { maxUnavailable?: number } } };
        expect({ name, maxUnavailable: spec.strategy?.rollingUpdate?.maxUnavailable }).toEqual({ name, maxUnavailable: 0 });
      }
    });
  });

  describe('every pod and container is locked down and sized', () => {
    it.each(pods.map((p) => [p.id, p.w] as const))('%s runs as a numeric non-root user with the default seccomp profile', (_id, w) => {
      const sc = w.pod.securityContext;
      expect(sc?.runAsNonRoot).toBe(true);
      expect(sc?.runAsUser).toBeGreaterThan(0);
      expect(sc?.seccompProfile?.type).toBe('RuntimeDefault');
      expect(w.pod.automountServiceAccountToken).toBe(false);
    });

    it.each(containers.map((c) => [c.id, c.container] as const))('%s: requests and limits, read-only root, no privilege escalation, no capabilities', (_id, container: IContainer) => {
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(container.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(container.securityContext?.runAsUser ?? 1).toBeGreaterThan(0);
    });

    it('every public image has a pinned tag, and the only untagged images are the ones skaffold builds', () => {
      const built = (parseYaml(readFileSync(join(INFRA, '..', 'skaffold.yaml'), 'utf8')) as { build: { artifacts: Array<{ image: string }> } }).build.artifacts.map((a) => a.image);
      for (const { container, id } of containers) {
        const image = container.image ?? '';
        if (built.includes(image)) continue;
        expect({ id, image, pinned: /:[^:/]+$/.test(image) && !image.endsWith(':latest') }).toEqual({ id, image, pinned: true });
      }
    });
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  (kubectl.status === 0 ? it : it.skip)('renders the same objects with the real kustomize, references to the hashed ConfigMap included (skipped without kubectl)', () => {
    const out = spawnSync('kubectl', ['kustomize', INFRA], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const real = out.stdout
      .split(/^---$/m)
      .map((d) => parseYaml(d) as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    // kustomize appends a content hash to a generated name, and rewrites the references to it.
    const generated = objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    const unhashed = (o: K8sObject): string => {
      const base = generated.find((name) => o.kind === 'ConfigMap' && new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name));
      return base === undefined ? objectId(o) : `ConfigMap/${base}`;
    };
    expect(real.map(unhashed).sort()).toEqual(objects.map(objectId).sort());
    const realConfigMaps = new Set(real.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
    for (const w of workloads(real)) {
      for (const v of w.pod.volumes ?? []) {
        const name = v.configMap?.name;
        if (name !== undefined) expect({ workload: w.name, configMap: name, exists: realConfigMaps.has(name) }).toEqual({ workload: w.name, configMap: name, exists: true });
      }
    }
    expect(workloads(real).find((w) => w.name === 'nats')!.pod.volumes?.find((v) => v.configMap)?.configMap?.name).toMatch(/^nats-config-/);
  });
});
