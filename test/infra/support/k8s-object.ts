/** The part of every Kubernetes object the cross-reference checks rely on. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** A rendered object and the file it came from (for messages). */
export interface SourcedObject {
  object: K8sObject;
  source: string;
}

/** Check the shape every object needs before anything else looks at it. */
export function asK8sObject(value: unknown, source: string): K8sObject {
  const v = value as Partial<K8sObject> | null;
  if (!v || typeof v !== 'object') throw new Error(`${source}: a document is not a mapping`);
  if (typeof v.apiVersion !== 'string' || typeof v.kind !== 'string') throw new Error(`${source}: a document lacks apiVersion or kind`);
  if (!v.metadata || typeof v.metadata.name !== 'string') throw new Error(`${source}: a ${v.kind} lacks metadata.name`);
  return v as K8sObject;
}

/** `Kind/name`, for messages and look-ups. */
export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}
