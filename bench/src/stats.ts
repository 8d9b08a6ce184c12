/** Median of a list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of a list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The median over rounds of `a ÷ b` measured in the same round: drift on a shared machine
 * (minutes-long) moves both sides of a round alike, so it cancels here and not in a ratio of
 * medians. Rounds where either side is missing or `b` is 0 are left out; 0 when none remain.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const ratios = a.flatMap((value, i) => (b[i] ? [value / b[i]] : []));
  return ratios.length === 0 ? 0 : median(ratios);
}
