import { parseDurationMs, parseWholeSeconds } from '@authbus/service-kit';

describe('parseDurationMs', () => {
  it('reads ms, s, m, h, d and bare seconds', () => {
    expect(parseDurationMs('1500ms', 'X', '1s')).toBe(1500);
    expect(parseDurationMs('30s', 'X', '1s')).toBe(30_000);
    expect(parseDurationMs('15m', 'X', '1s')).toBe(900_000);
    expect(parseDurationMs('1h', 'X', '1s')).toBe(3_600_000);
    expect(parseDurationMs('7d', 'X', '1s')).toBe(604_800_000);
    expect(parseDurationMs('2.5', 'X', '1s')).toBe(2500);
  });

  it('uses the default duration when unset or blank', () => {
    expect(parseDurationMs(undefined, 'OUTBOX_MAX_LAG', '30s')).toBe(30_000);
    expect(parseDurationMs('', 'OUTBOX_MAX_LAG', '30s')).toBe(30_000);
  });

  it('refuses what is not a duration, naming the variable', () => {
    expect(() => parseDurationMs('soon', 'OUTBOX_MAX_LAG', '30s')).toThrow(/^OUTBOX_MAX_LAG="soon" is not a duration/);
    expect(() => parseDurationMs('-1s', 'OUTBOX_MAX_LAG', '30s')).toThrow(/OUTBOX_MAX_LAG/);
  });
});

describe('parseWholeSeconds', () => {
  it('rounds to the nearest second, for lifetimes and windows counted in seconds', () => {
    expect(parseWholeSeconds('15m', 'ACCESS_TOKEN_TTL', '1s')).toBe(900);
    expect(parseWholeSeconds('1499ms', 'ACCESS_TOKEN_TTL', '1s')).toBe(1);
    expect(parseWholeSeconds('1500ms', 'ACCESS_TOKEN_TTL', '1s')).toBe(2);
    expect(parseWholeSeconds(undefined, 'SESSION_TTL', '7d')).toBe(604_800);
  });
});
