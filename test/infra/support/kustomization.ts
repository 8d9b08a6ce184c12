import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { asK8sObject, type SourcedObject } from './k8s-object';
import { readYamlDocument, readYamlDocuments } from './yaml-documents';

/** The kustomization fields this repository uses; anything else is refused, not silently ignored. */
interface Kustomization {
  apiVersion: string;
  kind: string;
  resources?: string[];
  configMapGenerator?: Array<{ name: string; files?: string[] }>;
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator']);

/** The kustomization file of a directory, checked against the subset of kustomize we rely on. */
export function readKustomization(dir: string): Kustomization {
  const file = resolve(dir, 'kustomization.yaml');
  const k = readYamlDocument(file) as Kustomization;
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    throw new Error(`${file}: expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`);
  }
  const unknown = Object.keys(k).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${file}: fields this test does not model: ${unknown.join(', ')} (extend kustomization.ts)`);
  for (const gen of k.configMapGenerator ?? []) {
    const extra = Object.keys(gen).filter((key) => key !== 'name' && key !== 'files');
    if (extra.length > 0) throw new Error(`${file}: configMapGenerator ${gen.name}: unmodelled fields ${extra.join(', ')}`);
  }
  return k;
}

/**
 * What `kustomize build <dir>` produces for the fields we use: every document of every resource
 * file, plus one ConfigMap per generator whose keys are the files' base names. (kustomize also
 * appends a content hash to generated names and rewrites references to them; references are
 * checked against the unhashed name, which is what the manifests say.)
 */
export function renderKustomization(dir: string): SourcedObject[] {
  const k = readKustomization(dir);
  const objects: SourcedObject[] = [];
  for (const resource of k.resources ?? []) {
    const file = resolve(dir, resource);
    for (const doc of readYamlDocuments(file)) objects.push({ object: asK8sObject(doc, resource), source: resource });
  }
  for (const gen of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const f of gen.files ?? []) data[basename(f)] = readFileSync(resolve(dir, f), 'utf8');
    objects.push({
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: gen.name }, data },
      source: `configMapGenerator ${gen.name}`,
    });
  }
  return objects;
}

/** Every file a kustomization reads (resources and generator inputs), absolute. */
export function kustomizationInputs(dir: string): string[] {
  const k = readKustomization(dir);
  return [...(k.resources ?? []), ...(k.configMapGenerator ?? []).flatMap((g) => g.files ?? [])].map((f) => resolve(dir, f));
}
