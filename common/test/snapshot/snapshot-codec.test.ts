import { RevocationSet } from '@authbus/common';
import { decodeRevocationSnapshot, readSnapshotHeader } from '../../src/snapshot/decode-snapshot';
import { encodeRevocationSnapshot } from '../../src/snapshot/encode-snapshot';

const position = { stream: 'AUTH', streamCreated: '2026-12-01T10:00:00.000Z', seq: 42 };
const now = 1_900_000_000;

function filled(): RevocationSet {
  const set = new RevocationSet();
  set.revokeSession('sid-a', now + 600);
  set.revokeSession('sïd-ünicode', now + 60);
  set.revokeSession('sid-expired', now - 1);
  set.revokeUser('user-1', 3, now + 900);
  set.revokeUser('user-old', 1, now - 10);
  set.revokeCredential('tickets', 'cred-1', now + 300);
  return set;
}

function decoded(bytes: Uint8Array): RevocationSet {
  const set = new RevocationSet();
  decodeRevocationSnapshot(bytes, set, now);
  return set;
}

describe('revocation snapshot codec', () => {
  it('round-trips every kind of entry that still matters, and drops the expired ones', () => {
    const bytes = encodeRevocationSnapshot(filled(), position, now, 1234);
    const set = new RevocationSet();
    const { header, entries } = decodeRevocationSnapshot(bytes, set, now);
    expect(header).toEqual({ ...position, writtenAt: 1234, sessions: 2, users: 1, credentials: 1 });
    expect(entries).toBe(4);
    expect(new Map(set.sessionEntries())).toEqual(
      new Map([
        ['sid-a', now + 600],
        ['sïd-ünicode', now + 60],
      ]),
    );
    expect([...set.userEntries()]).toEqual([{ sub: 'user-1', belowGeneration: 3, until: now + 900 }]);
    expect([...set.credentialEntries()]).toEqual([{ service: 'tickets', credential: 'cred-1', until: now + 300 }]);
    expect(set.isRevoked({ sid: 'x', sub: 'user-1', gen: 2 })).toBe(true);
    expect(set.isCredentialRevoked('tickets', 'cred-1')).toBe(true);
  });

  it('leaves out, on loading, entries that expired since the snapshot was written', () => {
    const set = new RevocationSet();
    decodeRevocationSnapshot(encodeRevocationSnapshot(filled(), position, now), set, now + 100);
    expect([...set.sessionEntries()].map(([sid]) => sid)).toEqual(['sid-a']);
  });

  it('round-trips an empty set', () => {
    const bytes = encodeRevocationSnapshot(new RevocationSet(), position, now);
    expect(decoded(bytes).size).toEqual({ sessions: 0, users: 0, credentials: 0 });
    expect(readSnapshotHeader(bytes).seq).toBe(42);
  });

  it('refuses a truncated snapshot, whatever the length, before adding anything', () => {
    const bytes = encodeRevocationSnapshot(filled(), position, now);
    for (const length of [0, 10, 47, bytes.length - 33, bytes.length - 1]) {
      const set = new RevocationSet();
      expect(() => decodeRevocationSnapshot(bytes.subarray(0, length), set, now)).toThrow(/truncated/);
      expect(set.size.sessions).toBe(0);
    }
  });

  it('refuses a snapshot with one byte changed (bad digest), before adding anything', () => {
    const bytes = Buffer.from(encodeRevocationSnapshot(filled(), position, now));
    for (const at of [20, bytes.length - 40, bytes.length - 1]) {
      const damaged = Buffer.from(bytes);
      damaged[at] = damaged[at]! ^ 0x01;
      const set = new RevocationSet();
      expect(() => decodeRevocationSnapshot(damaged, set, now)).toThrow(/bad digest/);
      expect(set.size.sessions).toBe(0);
    }
  });

  it('refuses another format version and what is not a snapshot', () => {
    const bytes = Buffer.from(encodeRevocationSnapshot(filled(), position, now));
    const future = Buffer.from(bytes);
    future.writeUInt16LE(2, 4);
    expect(() => readSnapshotHeader(future)).toThrow(/other version/);
    expect(() => readSnapshotHeader(Buffer.alloc(bytes.length))).toThrow(/not a snapshot/);
  });
});

describe('a set holding a snapshot’s sessions in place (FrozenSessions)', () => {
  function loaded(): RevocationSet {
    const source = new RevocationSet();
    for (let i = 0; i < 1000; i++) source.revokeSession(`sid-${i}`, now + 100 + i);
    source.revokeSession('sïd-ünicode', now + 50);
    const set = new RevocationSet();
    decodeRevocationSnapshot(encodeRevocationSnapshot(source, position, now), set, now);
    return set;
  }

  it('refuses every loaded session, ASCII or not, and no other', () => {
    const set = loaded();
    expect(set.size.sessions).toBe(1001);
    for (const sid of ['sid-0', 'sid-999', 'sïd-ünicode']) expect(set.isRevoked({ sid, sub: 'u', gen: 0 })).toBe(true);
    for (const sid of ['sid-1000', 'sid-', 'sid-00', 'sïd-0', ''])
      expect(set.isRevoked({ sid, sub: 'u', gen: 0 })).toBe(false);
  });

  it('only widens: a later until is kept, an earlier one changes nothing, and size counts each session once', () => {
    const set = loaded();
    expect(set.revokeSession('sid-5', now + 1)).toBe(false);
    expect(set.revokeSession('sid-5', now + 10_000)).toBe(true);
    expect(set.revokeSession('sid-new', now + 10)).toBe(true);
    expect(set.size.sessions).toBe(1002);
    const entries = new Map(set.sessionEntries());
    expect(entries.size).toBe(1002);
    expect(entries.get('sid-5')).toBe(now + 10_000);
    expect(entries.get('sid-6')).toBe(now + 106);
  });

  it('keeps the later until of a session applied before the snapshot was loaded', () => {
    const set = new RevocationSet();
    set.revokeSession('sid-7', now + 1);
    const source = new RevocationSet();
    source.revokeSession('sid-7', now + 500);
    decodeRevocationSnapshot(encodeRevocationSnapshot(source, position, now), set, now);
    expect(set.size.sessions).toBe(1);
    expect(new Map(set.sessionEntries()).get('sid-7')).toBe(now + 500);
  });

  it('drops the loaded sessions once the last of them is past its until; a second snapshot goes to the Map', () => {
    const set = loaded();
    set.prune(now + 1000, 10_000);
    // The one in the Map (not ASCII) went; the others wait for the last of them.
    expect(set.size.sessions).toBe(1000);
    set.prune(now + 1100, 10_000);
    expect(set.size.sessions).toBe(0);
    expect(set.isRevoked({ sid: 'sid-999', sub: 'u', gen: 0 })).toBe(false);
    const again = loaded();
    decodeRevocationSnapshot(encodeRevocationSnapshot(filled(), position, now), again, now);
    expect(again.isRevoked({ sid: 'sid-a', sub: 'u', gen: 0 })).toBe(true);
    expect(again.size.sessions).toBe(1002);
  });
});
