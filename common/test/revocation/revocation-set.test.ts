import { RevocationSet } from '@authbus/common';

const claims = (sid: string, sub: string, gen: number) => ({ sid, sub, gen });

describe('RevocationSet', () => {
  it('refuses every token of a revoked session, whatever its generation', () => {
    const set = new RevocationSet();
    set.revokeSession('s1', 2000);
    expect(set.match(claims('s1', 'u1', 100))).toBe('session');
    expect(set.match(claims('s1', 'u1', 1999))).toBe('session');
    expect(set.isRevoked(claims('s2', 'u1', 100))).toBe(false);
  });

  it('refuses tokens of a user below the cut-off generation, and accepts the generation it starts', () => {
    const set = new RevocationSet();
    set.revokeUser('u1', 3, 2000);
    expect(set.match(claims('s1', 'u1', 0))).toBe('user');
    expect(set.match(claims('s1', 'u1', 2))).toBe('user');
    expect(set.match(claims('s2', 'u1', 3))).toBeUndefined();
    expect(set.match(claims('s2', 'u1', 4))).toBeUndefined();
    expect(set.match(claims('s1', 'u2', 0))).toBeUndefined();
  });

  it('only widens: duplicates and out-of-order revocations give the same set', () => {
    const a = new RevocationSet();
    const b = new RevocationSet();
    a.revokeUser('u1', 1, 2000);
    a.revokeUser('u1', 2, 2500);
    b.revokeUser('u1', 2, 2500);
    b.revokeUser('u1', 1, 2000);
    b.revokeUser('u1', 2, 2500);
    for (const gen of [0, 1, 2, 3]) {
      expect(a.match(claims('s', 'u1', gen))).toBe(b.match(claims('s', 'u1', gen)));
    }
    expect(a.match(claims('s', 'u1', 1))).toBe('user');
    expect(a.revokeSession('s1', 3000)).toBe(true);
    expect(a.revokeSession('s1', 2000)).toBe(false);
    expect(a.revokeSession('s1', 3000)).toBe(false);
  });

  it('prunes entries after until, keeps the others', () => {
    const set = new RevocationSet();
    set.revokeSession('old', 100);
    set.revokeSession('new', 300);
    set.revokeUser('u-old', 1, 100);
    set.revokeUser('u-new', 1, 300);
    expect(set.prune(200)).toBe(2);
    expect(set.size).toEqual({ sessions: 1, users: 1, credentials: 0 });
    expect(set.isRevoked(claims('new', 'x', 0))).toBe(true);
    expect(set.isRevoked(claims('old', 'x', 0))).toBe(false);
    expect(set.isRevoked(claims('s', 'u-new', 0))).toBe(true);
  });

  it('prunes incrementally: each call looks at no more than its budget and resumes where it stopped', () => {
    const set = new RevocationSet();
    for (let i = 0; i < 10_000; i++) set.revokeSession(`s${i}`, i % 2 === 0 ? 100 : 1000);
    let calls = 0;
    let removed = 0;
    do {
      const n = set.prune(500, 1000);
      removed += n;
      calls++;
      expect(n).toBeLessThanOrEqual(1000);
    } while (set.size.sessions > 5000 && calls < 50);
    expect(removed).toBe(5000);
    expect(calls).toBeGreaterThanOrEqual(10);
  });

  it('entries inserted while a sweep is under way are swept too', () => {
    const set = new RevocationSet();
    for (let i = 0; i < 10; i++) set.revokeSession(`a${i}`, 100);
    set.prune(500, 5);
    for (let i = 0; i < 10; i++) set.revokeSession(`b${i}`, 100);
    let rounds = 0;
    while (set.size.sessions > 0 && rounds++ < 20) set.prune(500, 5);
    expect(set.size.sessions).toBe(0);
  });

  it('revokes service credentials: refused until `until`, only widened, reported once, then pruned', () => {
    const set = new RevocationSet();
    const seen: unknown[] = [];
    set.onRevoked((r) => seen.push(r));
    expect(set.revokeCredential('tickets', 'c1', 300)).toBe(true);
    expect(set.revokeCredential('tickets', 'c1', 200)).toBe(false);
    expect(set.revokeCredential('tickets', 'c1', 400)).toBe(true);
    expect(set.isCredentialRevoked('tickets', 'c1')).toBe(true);
    expect(set.isCredentialRevoked('tickets', 'c2')).toBe(false);
    expect(set.isCredentialRevoked('orders', 'c1')).toBe(false);
    expect(seen).toEqual([{ kind: 'credential', service: 'tickets', credential: 'c1', until: 300 }]);
    expect(set.prune(350)).toBe(0);
    expect(set.prune(401)).toBe(1);
    expect(set.size.credentials).toBe(0);
  });
});
