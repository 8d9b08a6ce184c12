import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { K8sObject } from './k8s-object';

/** A kubernetes-models class: its prototype's `validate` runs the generated JSON-schema validator on `this`. */
interface ModelClass {
  readonly prototype: { validate(): void };
}

/**
 * The kinds the manifests may use, with their schema (kubernetes-models, generated from the
 * Kubernetes OpenAPI). A kind missing here fails the test: add it deliberately.
 */
const MODELS: Record<string, ModelClass> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

/**
 * Validate an object against its Kubernetes schema and return the problems (empty: valid).
 *
 * The generated validators check types, enums and required fields but, like the OpenAPI schema,
 * allow unknown fields, so a misspelt `readinesProbe` would pass. The API server rejects those
 * (strict field validation), so this also reports them: the validator runs on a proxy that records
 * every field it reads, and a field of the object it never read is one the schema does not know.
 * (Maps such as labels are read key by key, so their keys count as read.)
 */
export function schemaProblems(object: K8sObject): string[] {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!model) return [`no schema registered for ${object.apiVersion} ${object.kind} (add it to k8s-schema.ts)`];
  const read = new Set<string>();
  try {
    model.prototype.validate.call(recordReads(object, '', read));
  } catch (err) {
    return [(err as Error).message];
  }
  return unreadFields(object, '', read).map((path) => `${path}: unknown field`);
}

function recordReads<T>(value: T, path: string, read: Set<string>): T {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const child: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(target, key)) return child;
      const childPath = `${path}/${key}`;
      read.add(childPath);
      return recordReads(child, childPath, read);
    },
  });
}

function unreadFields(value: unknown, path: string, read: ReadonlySet<string>): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = `${path}/${key}`;
    return read.has(childPath) ? unreadFields(child, childPath, read) : [childPath];
  });
}
