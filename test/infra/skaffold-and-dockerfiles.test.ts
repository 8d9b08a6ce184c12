import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execForm, parseDockerfile, splitFlags } from './support/dockerfile';
import { dockerignore } from './support/dockerignore';
import { renderKustomization } from './support/kustomization';
import { INFRA, ROOT } from './support/paths';
import { skaffoldProblems } from './support/skaffold-schema';
import { containersOf, mainContainer, workload, workloads } from './support/workloads';
import { readYamlDocument } from './support/yaml-documents';

interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  build: { artifacts: Array<{ image: string; context?: string; docker?: { dockerfile?: string } }> };
  manifests: { kustomize: { paths: string[] } };
  portForward: Array<{ resourceType: string; resourceName: string; namespace: string; port: number; localPort: number }>;
}

const skaffold = readYamlDocument(join(ROOT, 'skaffold.yaml')) as SkaffoldConfig;
const all = workloads(renderKustomization(INFRA).map((o) => o.object));
/** The services that have an image: every services/<name>/Dockerfile. */
const imageServices = readdirSync(join(ROOT, 'services')).filter((d) => existsSync(join(ROOT, 'services', d, 'Dockerfile')));
const serviceOf = (dockerfile: string | undefined): string => /^services\/([^/]+)\/Dockerfile$/.exec(dockerfile ?? '')?.[1] ?? `(not a service Dockerfile: ${dockerfile})`;

describe('skaffold.yaml', () => {
  it('is a skaffold/v4beta* Config using only fields of that schema', () => {
    expect(skaffold.apiVersion).toMatch(/^skaffold\/v4beta\d+$/);
    expect(skaffold.kind).toBe('Config');
    expect(skaffoldProblems(skaffold)).toEqual([]);
  });

  it("builds one image per service Dockerfile, from the repository as context", () => {
    expect(imageServices).toEqual(expect.arrayContaining(['auth', 'tickets', 'client']));
    expect(skaffold.build.artifacts.map((a) => a.docker?.dockerfile).sort()).toEqual(imageServices.map((d) => `services/${d}/Dockerfile`).sort());
    for (const a of skaffold.build.artifacts) {
      const context = join(ROOT, a.context ?? '.');
      expect(statSync(context).isDirectory()).toBe(true);
      expect(existsSync(join(context, a.docker!.dockerfile!))).toBe(true);
    }
  });

  it('every artifact is the image of exactly one Deployment, the one named after its service', () => {
    for (const a of skaffold.build.artifacts) {
      const users = all.flatMap((w) => containersOf(w.pod).filter(({ container }) => container.image === a.image).map(() => w.name));
      const service = serviceOf(a.docker?.dockerfile);
      expect({ image: a.image, usedBy: users }).toEqual({ image: a.image, usedBy: [service] });
    }
  });

  it('renders infra/ with kustomize and forwards the ingress-nginx controller to localhost:8080 (http) and 8443 (https)', () => {
    expect(skaffold.manifests.kustomize.paths).toEqual(['infra']);
    expect(existsSync(join(ROOT, 'infra', 'kustomization.yaml'))).toBe(true);
    expect(skaffold.portForward).toEqual([
      { resourceType: 'service', resourceName: 'ingress-nginx-controller', namespace: 'ingress-nginx', port: 80, localPort: 8080 },
      { resourceType: 'service', resourceName: 'ingress-nginx-controller', namespace: 'ingress-nginx', port: 443, localPort: 8443 },
    ]);
  });
});

describe.each(imageServices)('services/%s/Dockerfile', (service) => {
  const file = join(ROOT, 'services', service, 'Dockerfile');
  const stages = parseDockerfile(file);
  const final = stages[stages.length - 1]!;
  const last = (keyword: string) => [...final.instructions].reverse().find((i) => i.keyword === keyword);

  it('is multi-stage: the runtime stage copies only built output and production dependencies from earlier stages', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const copies = final.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect({ line: copy.line, from: splitFlags(copy.args).flags.get('from') }).toEqual({ line: copy.line, from: expect.any(String) });
    expect(final.instructions.some((i) => i.keyword === 'RUN')).toBe(false);
  });

  it('runs as a numeric non-root user, with NODE_ENV=production, node (not npm) as the process', () => {
    expect(last('USER')?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(final.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args)).toContain('NODE_ENV=production');
    const main = (JSON.parse(readFileSync(join(ROOT, 'services', service, 'package.json'), 'utf8')) as { main: string }).main;
    expect(execForm(last('CMD')!)).toEqual(['node', `services/${service}/${main}`]);
  });

  it('exposes the port its Deployment declares', () => {
    const port = mainContainer(workload(all, service)).ports?.[0]?.containerPort;
    expect(last('EXPOSE')?.args).toBe(String(port));
  });

  it('copies from the build context only files that exist and that .dockerignore lets in', () => {
    const ignored = dockerignore(ROOT);
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !splitFlags(i.args).flags.has('from'))
      .flatMap((i) => splitFlags(i.args).rest.split(/\s+/).slice(0, -1).map((source) => ({ line: i.line, source })));
    expect(sources.length).toBeGreaterThan(0);
    for (const { line, source } of sources) {
      const path = source.replace(/\/+$/, '');
      expect({ line, source, exists: existsSync(join(ROOT, path)), ignored: ignored(path) }).toEqual({ line, source, exists: true, ignored: false });
    }
  });

  it('installs with npm ci only this workspace, @authbus/common and @authbus/service-kit', () => {
    const installs = stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
    expect(installs.length).toBeGreaterThanOrEqual(1);
    for (const run of installs) {
      const { rest } = splitFlags(run.args);
      expect(rest).toMatch(/^npm ci\b/);
      expect([...rest.matchAll(/--workspace[= ](\S+)/g)].map((m) => m[1])).toEqual(['common', 'packages/service-kit', `services/${service}`]);
    }
    expect(installs.some((i) => i.args.includes('--omit=dev'))).toBe(true);
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(ROOT);

  it('keeps dependencies, build output, secrets, tests and infra out of every build context', () => {
    for (const path of [
      'node_modules/express/index.js',
      'common/node_modules/x',
      'common/dist/index.js',
      'services/auth/dist/index.js',
      'services/client/dist/web/main.js',
      'services/client/dist/server/index.js',
      'services/client/test/x.test.ts',
      'packages/service-kit/dist/index.js',
      'packages/service-kit/node_modules/x',
      'packages/service-kit/test/env/port.test.ts',
      '.env',
      'services/auth/.env',
      'services/client/.env',
      'test/infra/manifests.test.ts',
      'infra/k8s/auth.yaml',
      '.git/HEAD',
      'scratch/x.ts',
    ]) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: true });
    }
  });

  it('lets in what the Dockerfiles copy', () => {
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'common/src/index.ts',
      'common/scripts/esm-wrappers.js',
      'packages/service-kit/package.json',
      'packages/service-kit/tsconfig.json',
      'packages/service-kit/src/index.ts',
      'services/tickets/src/index.ts',
      'services/auth/package.json',
      'services/client/package.json',
      'services/client/tsconfig.json',
      'services/client/tsconfig.web.json',
      'services/client/src/server/index.ts',
      'services/client/src/web/main.ts',
      'services/client/public/index.html',
      'services/client/public/styles.css',
    ]) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: false });
    }
  });
});
