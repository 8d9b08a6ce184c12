import type { K8sObject } from './k8s-object';
import type { Workload } from './workloads';

interface ServiceLike extends K8sObject {
  spec?: { clusterIP?: string; selector?: Record<string, string>; ports?: Array<{ port: number; targetPort?: number | string }> };
}

/**
 * Where `host:port` goes inside the cluster (same namespace), or why it goes nowhere: a Service
 * name (`nats`, `nats.<ns>.svc.cluster.local`) with that port, or a StatefulSet pod through its
 * headless Service (`auth-mongo-0.auth-mongo`) with an existing ordinal.
 */
export function resolveInCluster(host: string, port: number, objects: readonly K8sObject[], all: readonly Workload[]): string | undefined {
  const services = objects.filter((o): o is ServiceLike => o.kind === 'Service');
  const labels = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  const hasPort = (svc: ServiceLike) => (svc.spec?.ports ?? []).some((p) => p.port === port);
  const byName = (name: string | undefined) => services.find((s) => s.metadata.name === name);

  const direct = byName(labels[0]);
  if (direct && labels.length <= 2) return hasPort(direct) ? undefined : `Service ${direct.metadata.name} has no port ${port}`;

  const [pod, service] = labels;
  const headless = byName(service);
  if (!headless || labels.length > 3) return `${host}: no Service of that name`;
  if (headless.spec?.clusterIP !== 'None') return `${host}: pod names resolve only through a headless Service, and ${service} is not one`;
  const set = all.find((w) => w.kind === 'StatefulSet' && w.serviceName === service && pod?.startsWith(`${w.name}-`));
  const ordinal = Number(pod?.slice((set?.name.length ?? 0) + 1));
  if (!set || !Number.isInteger(ordinal) || ordinal >= set.replicas) return `${host}: no such pod of a StatefulSet governed by ${service}`;
  return hasPort(headless) ? undefined : `Service ${service} has no port ${port}`;
}

/**
 * Network addresses (nats://, mongodb://, http(s)://) written in a text, one per server: a
 * comma-separated list of URLs (`NATS_URL`) gives each of them, a MongoDB seed list
 * (`mongodb://a:27017,b:27017/db?replicaSet=rs0`) one URL per member with the same path and query.
 */
export function addressesIn(text: string): URL[] {
  return [...text.matchAll(/\b(?:nats|mongodb|https?):\/\/[^\s"'`]+/g)]
    .flatMap((m) => m[0].split(/,(?=[a-z]+:\/\/)/))
    .flatMap(seedListMembers)
    .map((address) => new URL(address));
}

/** `scheme://h1,h2/rest` → `scheme://h1/rest`, `scheme://h2/rest`; any other address as it is. */
function seedListMembers(address: string): string[] {
  const [, scheme, hosts, rest] = /^([a-z]+:\/\/)([^/?#]*)(.*)$/.exec(address) ?? [];
  if (scheme === undefined || hosts === undefined || !hosts.includes(',')) return [address];
  return hosts.split(',').map((host) => `${scheme}${host}${rest ?? ''}`);
}

/**
 * The workload and container port a connection to `host:port` ends at (a Service's selected
 * workload and its target port, or a StatefulSet pod through its headless Service), or undefined
 * when it goes nowhere (see `resolveInCluster` for why).
 */
export function connectionTarget(host: string, port: number, objects: readonly K8sObject[], all: readonly Workload[]): { workload: Workload; port: number } | undefined {
  if (resolveInCluster(host, port, objects, all) !== undefined) return undefined;
  const labels = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  const byName = (name: string | undefined) => objects.find((o): o is ServiceLike => o.kind === 'Service' && o.metadata.name === name);
  // A Service name (`nats`, `nats.<ns>`), else a pod through its headless Service (`auth-mongo-0.auth-mongo`).
  const direct = byName(labels[0]);
  const service = direct && labels.length <= 2 ? direct : byName(labels[1]);
  const selector = service?.spec?.selector ?? {};
  const workload = all.find((w) => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => w.podLabels[k] === v));
  if (!workload) return undefined;
  const target = (service?.spec?.ports ?? []).find((p) => p.port === port)?.targetPort ?? port;
  const containerPort =
    typeof target === 'number' ? target : workload.pod.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target)?.containerPort;
  return containerPort === undefined ? undefined : { workload, port: containerPort };
}
