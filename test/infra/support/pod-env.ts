import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';

/** What the pod would get from outside the manifest. */
export interface PodInputs {
  /** Folder of Secrets as files, `<dir>/<secret>/<key>` (see fake-kubectl.ts). */
  secretsDir: string;
  /** Values of downward-API fields (`metadata.name` …). */
  fields?: Record<string, string>;
}

/**
 * The environment a container of this pod would start with, taken from the manifest: literal
 * values with `$(VAR)` references to earlier variables expanded, Secret keys (a missing Secret or
 * key throws, as the kubelet would refuse to start it), downward-API fields. A value that points into a mounted Secret volume (JWT_PUBLIC_KEYS_DIR) is
 * rewritten to that Secret's folder on this machine, so the service reads the very files the pod
 * would see.
 */
export function containerEnv(container: IContainer, pod: IPodSpec, inputs: PodInputs): Record<string, string> {
  const mounts = secretMounts(container, pod, inputs.secretsDir);
  const env: Record<string, string> = {};
  for (const v of container.env ?? []) {
    let value: string;
    if (v.value !== undefined) value = expandReferences(v.value, env);
    else if (v.valueFrom?.secretKeyRef) {
      const { name, key } = v.valueFrom.secretKeyRef;
      try {
        value = readFileSync(join(inputs.secretsDir, name ?? '', key), 'utf8');
      } catch {
        throw new Error(`${container.name}: env ${v.name} reads Secret ${name} key ${key}, which was not created`);
      }
    } else if (v.valueFrom?.fieldRef) {
      const field = inputs.fields?.[v.valueFrom.fieldRef.fieldPath];
      if (field === undefined) throw new Error(`${container.name}: env ${v.name} reads field ${v.valueFrom.fieldRef.fieldPath}; give it in inputs.fields`);
      value = field;
    } else {
      throw new Error(`${container.name}: env ${v.name} has a source this helper does not model`);
    }
    for (const [mountPath, hostDir] of mounts) {
      if (value === mountPath || value.startsWith(`${mountPath}/`)) value = hostDir + value.slice(mountPath.length);
    }
    env[v.name] = value;
  }
  return env;
}

function secretMounts(container: IContainer, pod: IPodSpec, secretsDir: string): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const m of container.volumeMounts ?? []) {
    const secretName = pod.volumes?.find((v) => v.name === m.name)?.secret?.secretName;
    if (secretName) mounts.set(m.mountPath.replace(/\/$/, ''), join(secretsDir, secretName));
  }
  return mounts;
}

/** Kubernetes' `$(VAR)` expansion in env values: earlier variables only; `$$` is a literal `$`; unknown references stay. */
function expandReferences(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) =>
    name === undefined ? '$' : (defined[name] ?? match),
  );
}
