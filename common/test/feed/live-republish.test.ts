import { headers } from 'nats';
import { AheadSequences, republishedPosition } from '../../src/feed/live-republish';

function withHeaders(values: Record<string, string>) {
  const h = headers();
  for (const [name, value] of Object.entries(values)) h.set(name, value);
  return { headers: h };
}

describe('republishedPosition', () => {
  const good = { 'Nats-Stream': 'AUTH', 'Nats-Sequence': '42', 'Nats-Subject': 'auth.session.revoked' };

  it('reads the sequence and the stored subject nats-server adds', () => {
    expect(republishedPosition(withHeaders(good))).toEqual({ seq: 42, subject: 'auth.session.revoked' });
  });

  it.each([
    ['no headers', {}],
    ['another stream', withHeaders({ ...good, 'Nats-Stream': 'OTHER' })],
    ['no sequence', withHeaders({ 'Nats-Stream': 'AUTH', 'Nats-Subject': 'auth.session.revoked' })],
    ['a sequence that is not a positive integer', withHeaders({ ...good, 'Nats-Sequence': '-1' })],
    ['a fractional sequence', withHeaders({ ...good, 'Nats-Sequence': '1.5' })],
    ['no subject', withHeaders({ 'Nats-Stream': 'AUTH', 'Nats-Sequence': '3' })],
  ])('refuses %s', (_name, msg) => {
    expect(republishedPosition(msg)).toBeUndefined();
  });
});

describe('AheadSequences', () => {
  it('moves the position over the sequences held just past it, and only those', () => {
    const ahead = new AheadSequences();
    ahead.add(5);
    ahead.add(6);
    ahead.add(9);
    expect(ahead.advance(3)).toBe(3);
    expect(ahead.advance(4)).toBe(6);
    expect(ahead.has(5)).toBe(false);
    expect(ahead.size).toBe(1);
    expect(ahead.take(9)).toBe(true);
    expect(ahead.take(9)).toBe(false);
  });

  it('forgets what lies at or below a position', () => {
    const ahead = new AheadSequences();
    for (const seq of [3, 7, 12]) ahead.add(seq);
    ahead.forgetThrough(7);
    expect(ahead.size).toBe(1);
    expect(ahead.has(12)).toBe(true);
  });

  it('stays bounded, forgetting the oldest', () => {
    const ahead = new AheadSequences();
    for (let seq = 1; seq <= 10_001; seq++) ahead.add(seq);
    expect(ahead.size).toBe(10_000);
    expect(ahead.has(1)).toBe(false);
    expect(ahead.has(10_001)).toBe(true);
  });
});
