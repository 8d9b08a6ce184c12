import { AssertionReplays } from '../../src/service-identity/assertion-replays';

describe('AssertionReplays', () => {
  it('accepts a jti once per service, forgets it a minute after it expired', () => {
    const replays = new AssertionReplays();
    expect(replays.use('tickets', 'j1', 1060, 1000)).toBe('first');
    expect(replays.use('tickets', 'j1', 1060, 1001)).toBe('replayed');
    expect(replays.use('orders', 'j1', 1060, 1001)).toBe('first');
    expect(replays.use('tickets', 'j1', 1060, 1100)).toBe('replayed');
    expect(replays.use('tickets', 'j1', 1300, 1200)).toBe('first');
  });

  it('refuses new assertions while full, rather than forget a live one', () => {
    const replays = new AssertionReplays(2);
    expect(replays.use('s', 'a', 1060, 1000)).toBe('first');
    expect(replays.use('s', 'b', 1060, 1000)).toBe('first');
    expect(replays.use('s', 'c', 1060, 1000)).toBe('full');
    expect(replays.use('s', 'c', 1200, 1130)).toBe('first');
  });
});
