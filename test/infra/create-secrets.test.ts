import { createPrivateKey, createPublicKey } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyRing, verifyAccessToken } from '@authbus/common';
import { signAccessToken } from '@authbus/common/issuer';
import { createSecretStore, type SecretStore } from './support/fake-kubectl';
import { codeBlocks } from './support/markdown';
import { documentedSecrets, secretsSection } from './support/secret-commands';

/** infra/scripts/create-secrets.sh, run against a stand-in kubectl that keeps Secrets as files. */
describe('create-secrets.sh makes the Secrets the README documents', () => {
  let store: SecretStore;

  beforeEach(() => {
    store = createSecretStore();
  });

  afterEach(() => store.remove());

  it('creates exactly the Secrets and keys of the commands in the README\'s Secrets section', async () => {
    const run = await store.runScript();
    expect(run).toMatchObject({ code: 0 });
    const created = [...store.read()].map(([name, keys]) => ({ name, keys: [...keys.keys()].sort() }));
    const documented = documentedSecrets().map((s) => ({ name: s.name, keys: [...s.keys].sort() }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(created.sort(byName)).toEqual(documented.sort(byName));
  });

  it("runs the README's manual commands as written and gets the same Secrets as from the script", async () => {
    expect(await store.runScript()).toMatchObject({ code: 0 });
    const manual = createSecretStore();
    try {
      const blocks = codeBlocks(secretsSection()).filter((b) => b.includes('kubectl create secret'));
      expect(blocks).toHaveLength(1);
      const run = await manual.runCommands(blocks[0]!);
      expect(run).toMatchObject({ code: 0 });
      const shape = (secrets: Map<string, Map<string, string>>) =>
        Object.fromEntries([...secrets].map(([name, keys]) => [name, Object.fromEntries([...keys].map(([k, v]) => [k, describeValue(v)]))]));
      expect(shape(manual.read())).toEqual(shape(store.read()));
    } finally {
      manual.remove();
    }
  });

  it('makes an ES256 key pair whose public half verifies what the private half signs, under the kid given', async () => {
    expect(await store.runScript(['k7'])).toMatchObject({ code: 0 });
    const secrets = store.read();
    const privatePem = secrets.get('jwt-signing-key')!.get('private.pem')!;
    const kid = secrets.get('jwt-signing-key')!.get('kid')!;
    const publicPem = secrets.get('jwt-public-keys')!.get(`${kid}.pem`)!;
    expect(kid).toBe('k7');
    expect(createPrivateKey(privatePem).asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(createPublicKey(publicPem).export({ format: 'jwk' })).toEqual(createPublicKey(createPrivateKey(privatePem)).export({ format: 'jwk' }));

    // As the services use them: auth signs with the private key, tickets verifies with the public one.
    const signer = createKeyRing({ keys: [{ kid, privateKey: privatePem }], activeKid: kid });
    const verifier = createKeyRing({ keys: [{ kid, publicKey: publicPem }] });
    const { token } = signAccessToken({ sub: 'user-1', email: 'a@example.com', roles: [], sid: 'sid-1', gen: 0 }, signer);
    expect(verifyAccessToken(token, verifier).sub).toBe('user-1');
  });

  it('gives NATS users long random passwords, different from each other and from run to run', async () => {
    expect(await store.runScript()).toMatchObject({ code: 0 });
    const first = store.read().get('nats-credentials')!;
    const other = createSecretStore();
    try {
      expect(await other.runScript()).toMatchObject({ code: 0 });
      const second = other.read().get('nats-credentials')!;
      for (const key of ['auth-password', 'tickets-password']) {
        expect(first.get(key)).toMatch(/^[0-9a-f]{48}$/);
        expect(second.get(key)).not.toBe(first.get(key));
      }
      expect(first.get('auth-password')).not.toBe(first.get('tickets-password'));
    } finally {
      other.remove();
    }
  });

  it('gives the NATS routes a long random password of its own, in a Secret of its own, different from run to run', async () => {
    expect(await store.runScript()).toMatchObject({ code: 0 });
    const other = createSecretStore();
    try {
      expect(await other.runScript()).toMatchObject({ code: 0 });
      const [first, second] = [store.read(), other.read()].map((s) => s.get('nats-route-credentials'));
      expect([...first!.keys()]).toEqual(['route-password']);
      // Hex: it goes into the route URLs (nats://route:<password>@…) as it is.
      expect(first!.get('route-password')).toMatch(/^[0-9a-f]{48}$/);
      expect(second!.get('route-password')).not.toBe(first!.get('route-password'));
      expect([...store.read().get('nats-credentials')!.values()]).not.toContain(first!.get('route-password'));
    } finally {
      other.remove();
    }
  });

  it('run on a deployment made before the routes had credentials, creates nats-route-credentials and keeps the rest', async () => {
    expect(await store.runScript()).toMatchObject({ code: 0 });
    rmSync(join(store.dir, 'nats-route-credentials'), { recursive: true });
    const before = store.read();
    const again = await store.runScript();
    expect(again).toMatchObject({ code: 0 });
    expect(again.output).toMatch(/nats-credentials: exists, kept/);
    expect(again.output).not.toMatch(/nats-route-credentials: exists, kept/);
    const after = store.read();
    expect(after.get('nats-route-credentials')?.get('route-password')).toMatch(/^[0-9a-f]{48}$/);
    after.delete('nats-route-credentials');
    expect(after).toEqual(before);
  });

  it('leaves existing Secrets alone when run again, so nothing is rotated by accident', async () => {
    expect(await store.runScript()).toMatchObject({ code: 0 });
    const before = store.read();
    const again = await store.runScript();
    expect(again).toMatchObject({ code: 0 });
    expect(again.output).toMatch(/nats-credentials: exists, kept/);
    expect(again.output).toMatch(/nats-route-credentials: exists, kept/);
    expect(store.read()).toEqual(before);
  });

  it('refuses a kid that cannot be a file name', async () => {
    const run = await store.runScript(['../evil']);
    expect(run.code).toBe(2);
    expect(store.read().size).toBe(0);
  });
});

/** What kind of value a Secret key holds, so two runs with different random values compare equal. */
function describeValue(value: string): string {
  if (/^[0-9a-f]{48}$/.test(value)) return 'random hex (24 bytes)';
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return 'random base64 (32 bytes)';
  // SERVICE_KEYS: JSON from service name to a public PEM.
  if (value.startsWith('{'))
    return `service keys ${Object.entries(JSON.parse(value) as Record<string, string>)
      .map(([name, pem]) => `${name}: ${describeValue(pem)}`)
      .join(', ')}`;
  if (value.includes('PRIVATE KEY')) return `private key ${createPrivateKey(value).asymmetricKeyDetails?.namedCurve ?? '?'}`;
  if (value.includes('PUBLIC KEY')) return `public key ${createPublicKey(value).asymmetricKeyDetails?.namedCurve ?? '?'}`;
  return value;
}
