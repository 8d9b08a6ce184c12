import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { K8sObject } from './k8s-object';
import type { Workload } from './workloads';

export type NetworkPolicyObject = INetworkPolicy & K8sObject;
type LabelSelector = NonNullable<INetworkPolicy['spec']>['podSelector'];

/** The NetworkPolicies among the objects. */
export function networkPolicies(objects: readonly K8sObject[]): NetworkPolicyObject[] {
  return objects.filter((o) => o.kind === 'NetworkPolicy') as NetworkPolicyObject[];
}

/**
 * Does a label selector select these labels, as the API server reads it: every matchLabels entry
 * and every matchExpressions requirement must hold; an empty selector selects everything.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector?.matchExpressions ?? []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]!);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        throw new Error(`label selector operator ${e.operator} is not modelled`);
    }
  });
  return byLabels && byExpressions;
}

/** The container port a NetworkPolicy port (a number or a name) means on a pod, if any. */
function resolvePort(port: number | string | undefined, target: Workload): number | undefined {
  if (typeof port === 'number') return port;
  return target.pod.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port)?.containerPort;
}

/**
 * Where a connection comes from: a pod's labels and, for a pod outside the manifests' namespace,
 * its namespace's labels (a workload of the manifests has none: it is in their namespace).
 */
export interface TrafficSource {
  name: string;
  podLabels: Record<string, string>;
  namespaceLabels?: Record<string, string>;
}

/** The ingress-nginx controller as the install in infra/README.md runs it (the Helm chart's labels). */
export const INGRESS_CONTROLLER: TrafficSource = {
  name: 'ingress-nginx-controller',
  podLabels: {
    'app.kubernetes.io/name': 'ingress-nginx',
    'app.kubernetes.io/instance': 'ingress-nginx',
    'app.kubernetes.io/component': 'controller',
  },
  namespaceLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
};

/**
 * Prometheus as the prometheus-community chart runs its server in the namespace `monitoring` (what
 * the services' NetworkPolicies admit to scrape /metrics).
 */
export const PROMETHEUS: TrafficSource = {
  name: 'prometheus-server',
  podLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' },
  namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
};

/** The labels of the namespace the manifests are applied to (any name but ingress-nginx's). */
const OWN_NAMESPACE = { 'kubernetes.io/metadata.name': 'authbus' };

/**
 * May a pod of `from` open a TCP connection to a pod of `to` on container port `port`, under the
 * NetworkPolicies? As Kubernetes defines it: a pod no Ingress policy selects accepts everything; a
 * selected pod accepts what at least one rule of one selecting policy allows, a rule matching when
 * one of its peers selects the source pod (no peers: any source) and one of its ports is this one
 * (no ports: any port). A peer with only a podSelector selects pods of the policy's own namespace;
 * one with a namespaceSelector selects pods of the namespaces it matches (and of those, the ones
 * its podSelector matches, if it has one). Peers by IP block are not used here and are refused, so
 * the check never guesses.
 */
export function ingressAllowed(policies: readonly NetworkPolicyObject[], from: TrafficSource, to: Workload, port: number): boolean {
  const selecting = policies.filter(
    (p) => (p.spec?.policyTypes ?? ['Ingress']).includes('Ingress') && selectorMatches(p.spec?.podSelector, to.podLabels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec?.ingress ?? []).some((rule) => {
      const peers = rule.from ?? [];
      const peerOk =
        peers.length === 0 ||
        peers.some((peer) => {
          if (peer.ipBlock) throw new Error(`NetworkPolicy/${p.metadata.name}: IP peers are not modelled`);
          if (!peer.namespaceSelector) return from.namespaceLabels === undefined && selectorMatches(peer.podSelector, from.podLabels);
          return selectorMatches(peer.namespaceSelector, from.namespaceLabels ?? OWN_NAMESPACE) && selectorMatches(peer.podSelector, from.podLabels);
        });
      const ports = rule.ports ?? [];
      if (ports.some((rp) => rp.endPort !== undefined)) throw new Error(`NetworkPolicy/${p.metadata.name}: port ranges are not modelled`);
      const portOk = ports.length === 0 || ports.some((rp) => (rp.protocol ?? 'TCP') === 'TCP' && resolvePort(rp.port, to) === port);
      return peerOk && portOk;
    }),
  );
}
