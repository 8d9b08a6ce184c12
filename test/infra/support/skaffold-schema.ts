/**
 * The part of skaffold's config schema (skaffold/v4beta*, as published with skaffold:
 * docs-v2/content/en/schemas/v4beta12.json) that this repository's skaffold.yaml may use: each
 * object lists its fields, every one of them as the schema has it, so a misspelt or misplaced
 * field fails here instead of at `skaffold dev`. Sections we do not use are not modelled: using
 * one means extending this file from the schema.
 */
type FieldType = 'string' | 'boolean' | 'integer' | 'string[]' | 'string|integer' | 'map' | ObjectSpec | { listOf: ObjectSpec };

interface ObjectSpec {
  fields: Record<string, FieldType>;
  required?: string[];
}

const portForward: ObjectSpec = {
  fields: { resourceType: 'string', resourceName: 'string', namespace: 'string', port: 'string|integer', address: 'string', localPort: 'integer' },
};

const dockerArtifact: ObjectSpec = {
  fields: {
    dockerfile: 'string',
    target: 'string',
    buildArgs: 'map',
    network: 'string',
    addHost: 'string[]',
    cacheFrom: 'string[]',
    cliFlags: 'string[]',
    pullParent: 'boolean',
    noCache: 'boolean',
    squash: 'boolean',
    ssh: 'string',
  },
};

const artifact: ObjectSpec = {
  required: ['image'],
  fields: { image: 'string', context: 'string', platforms: 'string[]', runtimeType: 'string', docker: dockerArtifact },
};

export const SKAFFOLD_CONFIG: ObjectSpec = {
  required: ['apiVersion', 'kind'],
  fields: {
    apiVersion: 'string',
    kind: 'string',
    metadata: { fields: { name: 'string', labels: 'map', annotations: 'map' } },
    build: {
      fields: {
        artifacts: { listOf: artifact },
        insecureRegistries: 'string[]',
        platforms: 'string[]',
        local: { fields: { push: 'boolean', tryImportMissing: 'boolean', useDockerCLI: 'boolean', useBuildkit: 'boolean', concurrency: 'integer' } },
      },
    },
    manifests: {
      fields: { rawYaml: 'string[]', kustomize: { fields: { paths: 'string[]', buildArgs: 'string[]' } }, kpt: 'string[]', output: 'string' },
    },
    deploy: {
      fields: {
        kubectl: { fields: { defaultNamespace: 'string', remoteManifests: 'string[]' } },
        statusCheck: 'boolean',
        statusCheckDeadlineSeconds: 'integer',
        tolerateFailuresUntilDeadline: 'boolean',
        kubeContext: 'string',
      },
    },
    portForward: { listOf: portForward },
  },
};

/** Problems of a value against a spec (empty: fits). */
export function skaffoldProblems(value: unknown, spec: FieldType = SKAFFOLD_CONFIG, path = ''): string[] {
  const at = path || '/';
  if (spec === 'string') return typeof value === 'string' ? [] : [`${at}: expected a string`];
  if (spec === 'boolean') return typeof value === 'boolean' ? [] : [`${at}: expected true or false`];
  if (spec === 'integer') return Number.isInteger(value) ? [] : [`${at}: expected an integer`];
  if (spec === 'string|integer') return typeof value === 'string' || Number.isInteger(value) ? [] : [`${at}: expected a string or an integer`];
  if (spec === 'string[]') return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [] : [`${at}: expected a list of strings`];
  if (spec === 'map') return isObject(value) && Object.values(value).every((v) => typeof v === 'string') ? [] : [`${at}: expected a map of strings`];
  if ('listOf' in spec) {
    if (!Array.isArray(value)) return [`${at}: expected a list`];
    return value.flatMap((item, i) => skaffoldProblems(item, spec.listOf, `${path}/${i}`));
  }
  if (!isObject(value)) return [`${at}: expected a mapping`];
  const problems = (spec.required ?? []).filter((f) => !(f in value)).map((f) => `${path}/${f}: required`);
  for (const [key, child] of Object.entries(value)) {
    const childSpec = spec.fields[key];
    if (!childSpec) problems.push(`${path}/${key}: not a field here (or not modelled in skaffold-schema.ts)`);
    else problems.push(...skaffoldProblems(child, childSpec, `${path}/${key}`));
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
