import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const common = join(root, 'common');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

/**
 * The published package, as a user gets it: `npm pack`, install the tarball into an unrelated
 * project, then `require` and `import` both entry points and type-check against them.
 */
describe('the @authbus/common package', () => {
  let project: string;
  let tarball: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'authbus-consumer-'));
    // --ignore-scripts: test what `npm test` built; a prepack rebuild would race the other suites.
    const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', project, '--json'], common);
    tarball = join(project, (JSON.parse(packed) as Array<{ filename: string }>)[0]!.filename);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tarball,
        'express@5',
        '@types/express@5',
        '@types/node@20',
      ],
      project,
    );
  }, 180_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('ships compiled code and types only: no sources, tests or tsconfig', () => {
    const listing = run('npm', ['pack', '--ignore-scripts', '--dry-run', '--json'], common);
    const files = (JSON.parse(listing) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.mjs',
        'dist/index.d.ts',
        'dist/issuer/index.js',
        'dist/issuer/index.mjs',
        'dist/issuer/index.d.ts',
        'dist/testing/index.mjs',
      ]),
    );
    expect(files.filter((f) => /^(src|test|scripts)\/|tsconfig|\.map$/.test(f))).toEqual([]);
  });

  it('works with require() of ".", "./issuer" and "./testing"', () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { createAuthKit, RevocationSet, verifyAccessToken } = require('@authbus/common');
       const { signAccessToken } = require('@authbus/common/issuer');
       const { startNatsServer, testKeyRing } = require('@authbus/common/testing');
       const set = new RevocationSet(); set.revokeSession('s', 9e9);
       const { token } = signAccessToken({ sub: 'u', email: 'e', roles: [], sid: 's', gen: 0 }, testKeyRing());
       console.log(typeof createAuthKit, typeof startNatsServer, testKeyRing().activeKid, set.isRevoked({ sid: 's', sub: 'u', gen: 0 }), verifyAccessToken(token, testKeyRing()).sub);`,
    );
    expect(run('node', ['cjs.cjs'], project).trim()).toBe('function function test true u');
  });

  it('works with import of ".", "./issuer" and "./testing", sharing one module instance with require()', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { createAuthKit, AuthbusError, RevocationSet } from '@authbus/common';
       import { applyRevocation, signAccessToken } from '@authbus/common/issuer';
       import { startNatsServer } from '@authbus/common/testing';
       import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       const cjs = require('@authbus/common');
       const issuer = require('@authbus/common/issuer');
       console.log(typeof createAuthKit, typeof startNatsServer, cjs.AuthbusError === AuthbusError, issuer.signAccessToken === signAccessToken, typeof applyRevocation, cjs.RevocationSet === RevocationSet);`,
    );
    expect(run('node', ['esm.mjs'], project).trim()).toBe('function function true true function true');
  });

  it('keeps what is not public out of reach: no deep imports, no issuer API on the main entry', () => {
    writeFileSync(
      join(project, 'deep.cjs'),
      `const tryRequire = (id) => { try { require(id); return 'loaded'; } catch (e) { return e.code; } };
       const main = require('@authbus/common');
       console.log(tryRequire('@authbus/common/dist/tokens/decode-header'), 'signAccessToken' in main, 'currentUserMiddleware' in main);`,
    );
    expect(run('node', ['deep.cjs'], project).trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED false false');
  });

  it.each([
    ['CommonJS', 'cts'],
    ['ES modules', 'mts'],
  ])('type-checks a %s consumer under node16 resolution', (_name, ext) => {
    writeFileSync(
      join(project, `consumer.${ext}`),
      `import express from 'express';
       import { createAuthKit, keyRingFromEnv, type AccessClaims } from '@authbus/common';
       import { signAccessToken, type SignedAccessToken } from '@authbus/common/issuer';
       import { testKeyRing } from '@authbus/common/testing';
       const signed: SignedAccessToken = signAccessToken({ sub: 'u', email: 'e', roles: [], sid: 's', gen: 0 }, testKeyRing());
       const auth = createAuthKit({ keyRing: testKeyRing() ?? keyRingFromEnv(), nats: { servers: 'nats://127.0.0.1:4222' } });
       const app = express();
       app.use(auth.currentUser);
       app.get('/', auth.requireAuth, (req, res) => { const user: AccessClaims | null | undefined = req.currentUser; res.json(user); });
       app.use(auth.errorHandler);
       export {};`,
    );
    run(
      bin('tsc'),
      [
        '--noEmit',
        '--strict',
        '--module',
        'node16',
        '--moduleResolution',
        'node16',
        '--types',
        'node',
        `consumer.${ext}`,
      ],
      project,
    );
  });

  it('passes publint and are-the-types-wrong', () => {
    run(bin('publint'), ['run', tarball, '--strict'], project);
    run(bin('attw'), [tarball, '--profile', 'node16'], project);
  });
});
