/**
 * Robust statistics for short, dirty series: medians, MAD and the Theil-Sen slope with its
 * rank-based confidence interval (Sen 1968; Hollander & Wolfe; Gilbert 1987, ch. 16).
 */

/** The median of numbers (mean of the middle two for an even count); NaN for none. */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  return medianOfSorted(sorted);
}

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A normal-consistent robust scale: 1.4826 × the median absolute deviation from the median. */
export function robustSigma(values: ArrayLike<number>): number {
  const m = median(values);
  const dev = Float64Array.from(values, (v) => Math.abs(v - m));
  return 1.4826 * median(dev);
}

export interface TheilSenFit {
  /** Median of the pairwise slopes, units per second. */
  slope: number;
  /** Pairs the slope came from. */
  pairs: number;
  /** Bounds of the rank-based confidence interval of the slope at normal quantile z (1.96: 95 %). */
  interval(z: number): { low: number; high: number };
}

/**
 * Theil-Sen over points (t, y): every pair i < j with distinct times. The interval takes the
 * ordered slopes at ranks (N - C)/2 and (N + C)/2 + 1, with N the number of pairs and
 * C = z × √(n(n-1)(2n+5)/18) from the Mann-Kendall variance, not corrected for ties (flat
 * quantised data gives [0, 0], which is the honest answer). Valid for independent errors;
 * serial correlation makes it narrower than it should be.
 * O(n² log n): callers bin long series first (see forecast.ts).
 */
export function theilSen(t: ArrayLike<number>, y: ArrayLike<number>): TheilSenFit {
  const n = t.length;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const ti = t[i] as number;
    const yi = y[i] as number;
    for (let j = i + 1; j < n; j++) {
      const dt = (t[j] as number) - ti;
      if (dt !== 0) slopes[k++] = ((y[j] as number) - yi) / dt;
    }
  }
  const sorted = slopes.subarray(0, k).sort();
  const pairs = k;
  if (pairs === 0) return { slope: Number.NaN, pairs, interval: () => ({ low: Number.NaN, high: Number.NaN }) };
  const at = (rank: number): number => sorted[Math.min(pairs, Math.max(1, rank)) - 1] as number;
  return {
    slope: medianOfSorted(sorted),
    pairs,
    interval(z) {
      const c = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
      // 1-based ranks M1 and M2 + 1.
      return { low: at(Math.floor((pairs - c) / 2)), high: at(Math.ceil((pairs + c) / 2) + 1) };
    },
  };
}

/** The level at t = 0 of a line of slope `slope` through the points: median of y - slope × t. */
export function interceptAt(t: ArrayLike<number>, y: ArrayLike<number>, slope: number): number {
  return median(Float64Array.from({ length: t.length }, (_, i) => (y[i] as number) - slope * (t[i] as number)));
}
