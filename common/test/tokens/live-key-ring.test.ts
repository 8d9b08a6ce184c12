import { generateKeyPairSync } from 'node:crypto';
import { createKeyRing, jwksOf, KeyUnknownError, LiveKeyRing, type PublicJwk } from '@authbus/common';
import { signAccessToken } from '@authbus/common/issuer';
import { createTokenVerifier } from '@authbus/common';
import { TEST_JWT_SECRET } from '@authbus/common/testing';

const ecSigner = (kid: string) =>
  createKeyRing({ keys: [{ kid, privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }] });
const publicOf = (ring: ReturnType<typeof ecSigner>): PublicJwk[] => jwksOf(ring.keys).keys;
const subject = { sub: 'u1', email: 'a@example.com', roles: [], sid: 's1', gen: 0 };

describe('LiveKeyRing', () => {
  const configured = () => createKeyRing({ keys: [{ kid: 'hs', secret: TEST_JWT_SECRET }], activeKid: 'hs' });

  it('adds the keys of a newer set, so tokens of a key published after start-up verify without a restart', () => {
    const ring = new LiveKeyRing(configured());
    const verify = createTokenVerifier(ring);
    const k2 = ecSigner('k2');
    const token = signAccessToken(subject, k2).token;
    expect(() => verify(token)).toThrow(KeyUnknownError);
    expect(ring.applyKeySet({ issuedAt: 10, keys: publicOf(k2), withdrawn: [] })).toEqual({
      applied: true,
      added: ['k2'],
      removed: [],
    });
    expect(verify(token).sub).toBe('u1');
    expect(ring.kids).toEqual(['hs', 'k2']);
  });

  it('ignores a set no newer than the last one applied (replays, repeats, out of order)', () => {
    const ring = new LiveKeyRing(configured());
    ring.applyKeySet({ issuedAt: 10, keys: publicOf(ecSigner('k2')), withdrawn: [] });
    expect(ring.applyKeySet({ issuedAt: 10, keys: [], withdrawn: ['k2'] }).applied).toBe(false);
    expect(ring.applyKeySet({ issuedAt: 5, keys: [], withdrawn: ['k2'] }).applied).toBe(false);
    expect(ring.kids).toEqual(['hs', 'k2']);
    expect(ring.keySetIssuedAt).toBe(10);
  });

  it('withdraws any kid, a configured HS256 secret included, for good, and says so to onKeyRemoved at once', () => {
    const ring = new LiveKeyRing(configured());
    const token = signAccessToken(subject, ring).token;
    const verify = createTokenVerifier(ring);
    const removed: string[] = [];
    ring.onKeyRemoved((kid, reason) => removed.push(`${kid}:${reason}`));
    ring.onKeyRemoved(() => {
      throw new Error('a failing listener does not stop the others');
    });
    ring.applyKeySet({ issuedAt: 1, keys: [], withdrawn: ['hs'] });
    expect(removed).toEqual(['hs:withdrawn']);
    expect(() => verify(token)).toThrow(KeyUnknownError);
    expect(ring.activeKid).toBeUndefined();
    expect(() => ring.signer()).toThrow(/no active signing key/);
    // A later set that forgets the withdrawal does not bring the kid back.
    const k2 = ecSigner('hs');
    ring.applyKeySet({ issuedAt: 2, keys: publicOf(k2), withdrawn: [] });
    expect(ring.key('hs')).toBeUndefined();
    expect(ring.withdrawn).toEqual(['hs']);
  });

  it('retires keys a newer set no longer publishes; configured keys stay', () => {
    const ring = new LiveKeyRing(configured());
    const removed: string[] = [];
    ring.onKeyRemoved((kid, reason) => removed.push(`${kid}:${reason}`));
    ring.applyKeySet({ issuedAt: 1, keys: [...publicOf(ecSigner('k2')), ...publicOf(ecSigner('k3'))], withdrawn: [] });
    ring.applyKeySet({ issuedAt: 2, keys: publicOf(ecSigner('k3')), withdrawn: [] });
    expect(removed).toEqual(['k2:retired']);
    expect(ring.kids).toEqual(['hs', 'k3']);
  });

  it('skips a malformed or weak key of a set and keeps the one it holds when a kid is reused for another key', () => {
    const ring = new LiveKeyRing(configured());
    const k2 = publicOf(ecSigner('k2'));
    ring.applyKeySet({ issuedAt: 1, keys: k2, withdrawn: [] });
    const bad = { ...publicOf(ecSigner('bad'))[0]!, x: 'AAAA' };
    const reused = publicOf(ecSigner('k2'));
    expect(ring.applyKeySet({ issuedAt: 2, keys: [bad, ...reused], withdrawn: [] }).added).toEqual([]);
    expect(jwksOf(ring.keys).keys).toEqual(k2);
  });
});
