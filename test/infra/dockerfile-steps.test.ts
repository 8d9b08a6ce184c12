import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor, sessionCookieFrom } from '@authbus/common/testing';
import { acceptedBy, call } from '@authbus/test-support';
import { replayDockerfile, type ReplayedImage } from './support/dockerfile-replay';
import { createSecretStore, type SecretStore } from './support/fake-kubectl';
import { startImage, type ImageProcess } from './support/image-process';
import { startInfraNats, type InfraNats } from './support/infra-nats';
import { renderKustomization } from './support/kustomization';
import { INFRA, ROOT } from './support/paths';
import { containerEnv } from './support/pod-env';
import { mainContainer, workload, workloads, type Workload } from './support/workloads';

const SERVICES = ['auth', 'tickets', 'client'] as const;
type Service = (typeof SERVICES)[number];

/**
 * Each service's Dockerfile, replayed outside Docker (same COPYs through .dockerignore, same npm
 * commands, in a temp folder per stage; see support/dockerfile-replay.ts), then its CMD started
 * from the final stage with the environment its Deployment gives it: Secrets made by
 * create-secrets.sh, the JWT public keys as the mounted folder, and NATS running nats.conf with the
 * per-service users. Only what a cluster would provide differently is replaced: NATS_URL (this
 * test's nats-server) and AUTH_STREAM_REPLICAS (1: it is one server), PORT and AUTH_URL (free
 * local ports), and MONGO_URI, which is dropped with auth's RATE_LIMIT_STORE=mongo (the services then use their memory store and auth counts its
 * rate limits in memory; the MongoDB adapters have their own suites). The web
 * client's Deployment gives it neither NATS nor a Secret, and it gets none here either.
 */
describe('Dockerfile steps, replayed: the images start and serve with their Kubernetes environment', () => {
  let work: string;
  let secrets: SecretStore;
  let nats: InfraNats;
  let all: Workload[];
  const images = new Map<Service, ReplayedImage>();
  const running = new Map<Service, ImageProcess>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'authbus-images-'));
    secrets = createSecretStore();
    const created = await secrets.runScript();
    if (created.code !== 0) throw new Error(`create-secrets.sh failed:\n${created.output}`);
    all = workloads(renderKustomization(INFRA).map((o) => o.object));
    const server = workload(all, 'nats');
    nats = await startInfraNats(containerEnv(mainContainer(server), server.pod, { secretsDir: secrets.dir, fields: { 'metadata.name': 'nats-0' } }));
    // All at once; settle all before failing, so no npm is still writing when afterAll cleans up.
    const built = await Promise.allSettled(
      SERVICES.map((service) =>
        replayDockerfile({ dockerfile: join(ROOT, 'services', service, 'Dockerfile'), context: ROOT, into: join(work, service) }),
      ),
    );
    SERVICES.forEach((service, i) => {
      const result = built[i]!;
      if (result.status === 'rejected') throw result.reason;
      images.set(service, result.value);
    });
  }, 240_000);

  afterAll(async () => {
    for (const p of running.values()) await p.stop();
    await nats?.stop();
    secrets?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 30_000);

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      for (const [service, p] of running) process.stdout.write(`--- ${service}\n${p.logs.slice(-40).join('\n')}\n`);
    }
  });

  async function start(service: Service, extra: Record<string, string> = {}): Promise<ImageProcess> {
    const w = workload(all, service);
    const env = containerEnv(mainContainer(w), w.pod, { secretsDir: secrets.dir });
    delete env.MONGO_URI;
    if (env.RATE_LIMIT_STORE === 'mongo') delete env.RATE_LIMIT_STORE;
    if (env.NATS_URL !== undefined) env.NATS_URL = nats.url;
    // One server here, where the cluster has three: an R3 stream could never be placed.
    if (env.AUTH_STREAM_REPLICAS !== undefined) env.AUTH_STREAM_REPLICAS = '1';
    const port = await freePort();
    const p = startImage(images.get(service)!, { ...env, PORT: String(port), ...extra }, port);
    running.set(service, p);
    return p;
  }

  it('ran npm ci for this workspace, @authbus/common and @authbus/service-kit only, then the builds, for each image', () => {
    for (const service of SERVICES) {
      expect(images.get(service)!.ran).toEqual(
        expect.arrayContaining([
          `npm ci --workspace common --workspace packages/service-kit --workspace services/${service} --no-audit --no-fund`,
          `npm ci --workspace common --workspace packages/service-kit --workspace services/${service} --omit=dev --no-audit --no-fund`,
          'npm run build --workspace common',
          'npm run build --workspace packages/service-kit',
          `npm run build --workspace services/${service}`,
        ]),
      );
    }
  });

  it.each(SERVICES)('the %s runtime stage holds compiled code and production dependencies only', (service) => {
    const app = images.get(service)!.workdir;
    const main = (JSON.parse(readFileSync(join(ROOT, 'services', service, 'package.json'), 'utf8')) as { main: string }).main;
    expect(existsSync(join(app, 'services', service, main))).toBe(true);
    expect(existsSync(join(app, 'common', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(app, 'packages', 'service-kit', 'dist', 'index.js'))).toBe(true);
    for (const dependency of ['nats', 'express']) expect(existsSync(join(app, 'node_modules', dependency))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    // (mongodb depends on two @types packages at run time; the build's types must not be here.)
    for (const types of ['node', 'express']) expect(existsSync(join(app, 'node_modules', '@types', types))).toBe(false);
    expect(existsSync(join(app, 'services', service, 'src'))).toBe(false);
    expect(existsSync(join(app, 'common', 'src'))).toBe(false);
    expect(existsSync(join(app, 'packages', 'service-kit', 'src'))).toBe(false);
    expect(readdirSync(join(app, 'packages'))).toEqual(['service-kit']);
    const otherServices = readdirSync(join(app, 'services')).filter((d) => d !== service);
    expect(otherServices).toEqual([]);
  });

  it('the client runtime stage holds the page, its styles and the compiled browser code where the server looks for them', () => {
    const client = join(images.get('client')!.workdir, 'services', 'client');
    // defaultAssets() in src/server/app.ts: ../../public and ../web, from dist/server.
    for (const file of ['public/index.html', 'public/styles.css', 'dist/web/main.js', 'dist/server/app.js']) {
      expect({ file, present: existsSync(join(client, file)) }).toEqual({ file, present: true });
    }
    expect(existsSync(join(client, 'src'))).toBe(false);
    expect(existsSync(join(client, 'test'))).toBe(false);
  });

  it('auth starts and becomes ready: it creates the AUTH stream and replays it as the NATS user auth', async () => {
    const auth = await start('auth');
    await auth.waitForOk('/healthz');
    const ready = (await (await auth.waitForOk('/readyz')).json()) as { ready: boolean };
    expect(ready.ready).toBe(true);
  });

  it('tickets starts and becomes ready, with its durable listener running, as the NATS user tickets', async () => {
    const tickets = await start('tickets', { AUTH_URL: running.get('auth')!.url });
    await tickets.waitForOk('/healthz');
    await waitFor(
      async () => {
        const res = await fetch(`${tickets.url}/readyz`);
        const body = (await res.json()) as { ready: boolean; directoryListener: boolean };
        return res.ok && body.ready && body.directoryListener;
      },
      { timeoutMs: 20_000, description: 'tickets to be ready with its directory listener' },
    );
  });

  it('the client starts with no NATS, no Secret and no database, is ready, and serves the page, its styles and every browser module', async () => {
    const client = await start('client');
    await client.waitForOk('/healthz');
    const ready = (await (await client.waitForOk('/readyz')).json()) as { ready: boolean };
    expect(ready.ready).toBe(true);

    const page = await fetch(`${client.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/js/main.js"></script>');
    expect(html).toContain('href="/styles.css"');
    // Every page path of the single-page app gets the same page (the browser routes).
    const deep = await fetch(`${client.url}/tickets/new`);
    expect({ status: deep.status, body: await deep.text() }).toEqual({ status: 200, body: html });
    const css = await fetch(`${client.url}/styles.css`);
    expect({ status: css.status, type: css.headers.get('content-type') }).toEqual({ status: 200, type: expect.stringMatching(/^text\/css/) });

    // main.js and, transitively, every module it imports: the image holds the whole browser app.
    const seen = new Set<string>();
    const queue = ['/js/main.js'];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(`${client.url}${path}`);
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 200, type: expect.stringMatching(/javascript/) });
      const code = await res.text();
      for (const m of code.matchAll(/^\s*(?:import|export)\b[^'"]*?['"](\.{1,2}\/[^'"]+)['"]/gm)) queue.push(new URL(m[1]!, `http://x${path}`).pathname);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('a token auth signs (ES256 private key) works at tickets (public key only), and a sign-out at auth reaches tickets', async () => {
    const auth = running.get('auth')!;
    const tickets = running.get('tickets')!;
    const signup = await call(`${auth.url}/api/users/signup`, { body: { email: `k8s-${Date.now()}@example.com`, password: 'correct horse battery' } });
    expect(signup.status).toBe(201);
    const cookie = sessionCookieFrom(signup);
    const created = await call(`${tickets.url}/api/tickets`, { cookie, body: { title: 'Concert', price: 25 } });
    expect(created.status).toBe(201);

    expect((await call(`${auth.url}/api/users/signout`, { cookie, method: 'POST' })).status).toBe(200);
    await waitFor(async () => !(await acceptedBy(tickets.url, cookie)), { timeoutMs: 5000, description: 'tickets to refuse the signed-out cookie' });
  });

  it('tickets calls auth on a user’s behalf with its credential from the Secrets (token exchange, ES256), and a user token does not reach its internal route', async () => {
    const auth = running.get('auth')!;
    const tickets = running.get('tickets')!;
    const signup = await call(`${auth.url}/api/users/signup`, { body: { email: `k8s-mine-${Date.now()}@example.com`, password: 'correct horse battery' } });
    expect(signup.status).toBe(201);
    const cookie = sessionCookieFrom(signup);
    const { id } = (await signup.json()) as { id: string };
    const mine = await call(`${tickets.url}/api/tickets/mine`, { cookie });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { account: { sub: string } }).account.sub).toBe(id);
    expect(tickets.logs.join('\n')).not.toMatch(/token endpoint refused/);
    expect((await call(`${tickets.url}/internal/users/x/hide`, { cookie, method: 'POST' })).status).toBe(403);
  });
});
