import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { K8sObject } from './k8s-object';

/** A Deployment or StatefulSet, reduced to what the checks look at. */
export interface Workload {
  kind: string;
  name: string;
  replicas: number;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  pod: IPodSpec;
  /** Names of the StatefulSet's volumeClaimTemplates (they count as volumes of the pod). */
  claimTemplates: string[];
  /** A StatefulSet's governing Service. */
  serviceName?: string;
}

interface WorkloadSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  serviceName?: string;
  volumeClaimTemplates?: Array<{ metadata?: { name?: string } }>;
  template?: { metadata?: { labels?: Record<string, string> }; spec?: IPodSpec };
}

/** Every Deployment and StatefulSet among the objects. */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => {
      const spec = (o.spec ?? {}) as WorkloadSpec;
      if (!spec.template?.spec) throw new Error(`${o.kind}/${o.metadata.name} has no pod template`);
      return {
        kind: o.kind,
        name: o.metadata.name,
        replicas: spec.replicas ?? 1,
        selector: spec.selector?.matchLabels ?? {},
        podLabels: spec.template.metadata?.labels ?? {},
        pod: spec.template.spec,
        claimTemplates: (spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name ?? ''),
        ...(spec.serviceName !== undefined ? { serviceName: spec.serviceName } : {}),
      };
    });
}

/** One workload by name, or a thrown error saying it is missing. */
export function workload(all: readonly Workload[], name: string): Workload {
  const found = all.find((w) => w.name === name);
  if (!found) throw new Error(`no Deployment or StatefulSet named ${name}`);
  return found;
}

/** Init containers and containers of a pod, each with a flag. */
export function containersOf(pod: IPodSpec): Array<{ container: IContainer; init: boolean }> {
  return [
    ...(pod.initContainers ?? []).map((container) => ({ container, init: true })),
    ...pod.containers.map((container) => ({ container, init: false })),
  ];
}

/** The one container of a workload named like it (the service container). */
export function mainContainer(w: Workload): IContainer {
  const found = w.pod.containers.find((c) => c.name === w.name);
  if (!found) throw new Error(`${w.kind}/${w.name} has no container named ${w.name}`);
  return found;
}

/** Does a label selector select these labels? (An empty selector selects nothing here: always a mistake.) */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** Services among the objects, typed. */
export function services(objects: readonly K8sObject[]): Array<IService & K8sObject> {
  return objects.filter((o) => o.kind === 'Service') as Array<IService & K8sObject>;
}
