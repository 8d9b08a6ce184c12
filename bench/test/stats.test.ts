import { median, pairedRatio, percentile } from '@authbus/bench/stats';

describe('bench statistics', () => {
  it('takes the median of the per-round ratios, not the ratio of the medians', () => {
    // Round 2 ran on a slow machine for both cases: its ratio is still 1.
    const a = [100, 50, 110];
    const b = [100, 50, 100];
    expect(pairedRatio(a, b)).toBe(1);
    expect(median(a) / median(b)).toBeCloseTo(1, 5);
    // Drift between rounds that a ratio of medians would take for a difference.
    expect(pairedRatio([90, 60, 60], [100, 100, 62])).toBeCloseTo(0.9, 5);
    expect(median([90, 60, 60]) / median([100, 100, 62])).toBeCloseTo(0.6, 5);
  });

  it('leaves out rounds without both sides and answers 0 when none remain', () => {
    expect(pairedRatio([10, 20, 30], [5, 0])).toBe(2);
    expect(pairedRatio([10], [0])).toBe(0);
    expect(pairedRatio([], [])).toBe(0);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 99)).toBe(5);
  });
});
