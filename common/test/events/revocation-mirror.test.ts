import { nanos, type NatsConnection } from 'nats';
import { AUTH_STREAM, ensureRevocationMirror, isStreamNotFound, MirrorUnusableError } from '@authbus/common';
import { ensureAuthStream } from '@authbus/common/issuer';
import { waitFor } from '@authbus/common/testing';
import { MIRROR, startMirrorAccounts, type MirrorAccounts } from '../support/mirror-accounts';

describe('ensureRevocationMirror', () => {
  let accounts: MirrorAccounts;
  let origin: NatsConnection;
  let reader: NatsConnection;

  beforeEach(async () => {
    accounts = await startMirrorAccounts();
    origin = await accounts.connect('origin');
    reader = await accounts.connect('reader');
  });

  afterEach(async () => {
    await accounts.stop();
  });

  const createOrigin = async (maxAgeMs = 600_000) => ensureAuthStream(await origin.jetstreamManager(), { maxAgeMs });

  it('fails with stream not found while the auth account has no AUTH stream, and creates no mirror', async () => {
    const err = await ensureRevocationMirror(reader, MIRROR).catch((e: unknown) => e);
    expect(isStreamNotFound(err)).toBe(true);
    await expect((await reader.jetstreamManager()).streams.info(AUTH_STREAM)).rejects.toThrow(/stream not found/);
  });

  it("creates a mirror named AUTH with the origin's retention, which copies and follows the origin with its sequence numbers", async () => {
    await createOrigin();
    const js = origin.jetstream();
    for (let i = 0; i < 3; i++) await js.publish('auth.session.revoked', new TextEncoder().encode(`{"n":${i}}`));
    const info = await ensureRevocationMirror(reader, MIRROR);
    expect(info.config).toMatchObject({
      name: AUTH_STREAM,
      mirror: { name: AUTH_STREAM, external: { api: MIRROR.apiPrefix, deliver: MIRROR.deliverPrefix } },
      max_age: nanos(600_000),
    });
    expect(info.config.subjects ?? []).toEqual([]);
    const jsm = await reader.jetstreamManager();
    await waitFor(async () => (await jsm.streams.info(AUTH_STREAM)).state.last_seq === 3, {
      description: 'the mirror to copy the origin',
    });
    await js.publish('auth.user.banned', new TextEncoder().encode('{}'));
    await waitFor(async () => (await jsm.streams.info(AUTH_STREAM)).state.last_seq === 4, {
      description: 'the mirror to follow',
    });
    expect((await jsm.streams.getMessage(AUTH_STREAM, { seq: 4 })).subject).toBe('auth.user.banned');
  });

  it('is idempotent, also for replicas starting at the same moment', async () => {
    await createOrigin();
    const [a, b] = await Promise.all([ensureRevocationMirror(reader, MIRROR), ensureRevocationMirror(reader, MIRROR)]);
    const again = await ensureRevocationMirror(reader, MIRROR);
    expect(new Set([a.created, b.created, again.created]).size).toBe(1);
  });

  /** Ensure the mirror and say what was replaced, if anything. */
  const ensure = async (nc = reader): Promise<{ created: string; replaced: string[] }> => {
    const replaced: string[] = [];
    const info = await ensureRevocationMirror(nc, { ...MIRROR, onReplaced: (problem) => replaced.push(problem) });
    return { created: info.created, replaced };
  };

  it('replaces a stream of that name that is not a mirror of AUTH through these prefixes', async () => {
    await createOrigin();
    await origin.jetstream().publish('auth.session.revoked', new TextEncoder().encode('{}'));
    const jsm = await reader.jetstreamManager();
    await jsm.streams.add({ name: AUTH_STREAM, subjects: ['auth.>'] });
    expect((await ensure()).replaced).toEqual([expect.stringMatching(/is not a mirror/)]);
    expect((await jsm.streams.info(AUTH_STREAM)).config.mirror?.external?.deliver).toBe(MIRROR.deliverPrefix);
    await jsm.streams.delete(AUTH_STREAM);
    await jsm.streams.add({
      name: AUTH_STREAM,
      mirror: { name: AUTH_STREAM, external: { api: MIRROR.apiPrefix, deliver: 'deliver.auth.ELSEWHERE' } },
    });
    expect((await ensure()).replaced).toEqual([expect.stringMatching(/not of the auth service's AUTH through/)]);
    await waitFor(async () => (await jsm.streams.info(AUTH_STREAM)).state.last_seq === 1, {
      description: 'the new mirror to copy the origin',
    });
    expect((await ensure()).replaced).toEqual([]);
  });

  it('replaces a mirror that keeps events for less time than the origin now does', async () => {
    await createOrigin(600_000);
    await ensureRevocationMirror(reader, MIRROR);
    await createOrigin(1_200_000);
    expect((await ensure()).replaced).toEqual([
      expect.stringMatching(/keeps events for 600 s, less than AUTH \(1200 s\)/),
    ]);
    expect((await (await reader.jetstreamManager()).streams.info(AUTH_STREAM)).config.max_age).toBe(nanos(1_200_000));
  });

  it('replaces a mirror made before the origin was deleted and created again, and the new one follows the new origin', async () => {
    await createOrigin();
    const first = await ensure();
    await (await origin.jetstreamManager()).streams.delete(AUTH_STREAM);
    await createOrigin();
    await origin.jetstream().publish('auth.session.revoked', new TextEncoder().encode('{}'));
    const second = await ensure();
    expect(second.replaced).toEqual([expect.stringMatching(/created again .* after mirror AUTH/)]);
    expect(second.created).not.toBe(first.created);
    const jsm = await reader.jetstreamManager();
    await waitFor(async () => (await jsm.streams.info(AUTH_STREAM)).state.last_seq === 1, {
      description: 'the new mirror to follow the new origin',
    });
  });

  it('refuses with MirrorUnusableError a stream it may not replace', async () => {
    await createOrigin();
    const jsm = await reader.jetstreamManager();
    await jsm.streams.add({ name: AUTH_STREAM, subjects: ['auth.>'] });
    const err = await ensureRevocationMirror(await accounts.connect('reader-no-delete'), MIRROR).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MirrorUnusableError);
    expect(String(err)).toMatch(/is not a mirror.*cannot be replaced/);
  });
});
