import { z } from 'zod';
import { ForecastError } from './forecast-errors.js';
import type { SeriesPoint } from './history.js';
import { interceptAt, median, robustSigma, theilSen } from './theil-sen.js';

/**
 * How a forecast reads a series. The defaults suit a 15-minute sweep; every one is a documented
 * judgement, not a fitted constant:
 *
 * - thresholds: fractions of the total to give a time for (95 % and 100 %).
 * - minSamples, minWindowSeconds: below 8 samples or 2 hours of data in the last segment the
 *   answer is "unknown": the rank-based interval is meaningless on fewer points, and a slope from
 *   minutes of data says nothing about the next two days.
 * - maxWindowSeconds: only the last 3 days count.
 * - recentWindowSeconds, paceChangeZ: the pace of the last 6 hours replaces the longer one when
 *   it is faster beyond doubt (their 99.9 % intervals do not overlap), so a runaway writer that
 *   started this morning is not averaged away by two quiet days (Theil-Sen alone follows only
 *   once a third of the pairs moved). A slower recent pace is not trusted: a resource that grows
 *   by a nightly job is flat most of the day.
 * - maxPoints: longer series are binned into at most 128 medians before the O(n²) pairwise step,
 *   so a forecast costs at most 8,128 slopes whatever the history length.
 * - z: the two-sided normal quantile of the slope's interval (1.96: 95 %).
 * - resetMinFraction, noiseSigmas: a drop of used by more than 0.5 % of the total and more than
 *   4 robust sigmas of the sample-to-sample change is a reset (deletion, truncation, rotation).
 * - stepMinFraction, stepSigmas, maxOneOffSteps: a rise beyond the usual pace by more than 2 % of
 *   the total and 8 sigmas is a step (a big file written at once); see forecast() for what it does.
 * - fullRatio: used at or above 99.9 % of the total is full (docker info prints 3-4 digits).
 */
export const ForecastOptionsSchema = z
  .object({
    thresholds: z.array(z.number().gt(0).max(1)).min(1).default([0.95, 1]),
    minSamples: z.number().int().min(4).default(8),
    minWindowSeconds: z.number().int().positive().default(2 * 3600),
    maxWindowSeconds: z.number().int().positive().default(3 * 86_400),
    recentWindowSeconds: z.number().int().positive().default(6 * 3600),
    paceChangeZ: z.number().positive().default(3.29),
    maxPoints: z.number().int().min(8).max(512).default(128),
    z: z.number().positive().default(1.96),
    resetMinFraction: z.number().min(0).max(1).default(0.005),
    noiseSigmas: z.number().positive().default(4),
    stepMinFraction: z.number().min(0).max(1).default(0.02),
    stepSigmas: z.number().positive().default(8),
    maxOneOffSteps: z.number().int().nonnegative().default(2),
    fullRatio: z.number().gt(0).max(1).default(0.999),
  })
  .strict();
export type ForecastOptions = z.input<typeof ForecastOptionsSchema>;
type Resolved = z.output<typeof ForecastOptionsSchema>;

const EstimateSchema = z.object({ estimate: z.number(), low: z.number(), high: z.number() });

/** When the resource reaches `ratio` of its total, in seconds from asOf. */
export const TimeToThresholdSchema = z.object({
  ratio: z.number(),
  /** The fitted level or the last sample is at or past it already (seconds are then 0). */
  reached: z.boolean(),
  /** At the Theil-Sen slope; null unless growing (or reached). */
  seconds: z.number().nonnegative().nullable(),
  /** At the interval's upper slope: the soonest the data allows; null when even that is not above zero. */
  earliest: z.number().nonnegative().nullable(),
  /** At the interval's lower slope; null when it is not above zero (it may never fill). */
  latest: z.number().nonnegative().nullable(),
});
export type TimeToThreshold = z.infer<typeof TimeToThresholdSchema>;

export const FORECAST_STATUSES = ['growing', 'not_growing', 'unknown', 'full'] as const;
export const UNKNOWN_REASONS = ['no_samples', 'too_few_samples', 'window_too_short'] as const;

export const ForecastSchema = z.object({
  /**
   * growing: the slope's interval lies above zero. not_growing: it does not (flat, shrinking or too
   * noisy to tell). unknown: too little data since the last reset (see reason). full: the last
   * sample is at fullRatio or above, whatever the trend.
   */
  status: z.enum(FORECAST_STATUSES),
  reason: z.enum(UNKNOWN_REASONS).optional(),
  /** Time of the last sample (Unix seconds): every time below counts from here. */
  asOf: z.number().int().nullable(),
  used: z.number().nullable(),
  total: z.number().nullable(),
  ratio: z.number().nullable(),
  /** Units (bytes, inodes) per hour. */
  slopePerHour: EstimateSchema.nullable(),
  /** The fitted level at asOf along each slope: where the projection lines start. */
  level: EstimateSchema.nullable(),
  timeTo: z.array(TimeToThresholdSchema),
  /** Samples the fit used (before binning), and the time they span. */
  samplesUsed: z.number().int().nonnegative(),
  windowSeconds: z.number().nonnegative(),
  /** Which samples the slope came from: the whole last segment, or its recent part when the pace changed. */
  fit: z.enum(['segment', 'recent']).nullable(),
  /** The last reset in the window: everything before `at` was ignored. */
  reset: z.object({ at: z.number().int(), usedBefore: z.number(), usedAfter: z.number() }).nullable(),
  /** One-off steps taken out of the slope (their height still counts in the level). */
  steps: z.array(z.object({ at: z.number().int(), height: z.number() })),
  /** Single samples far off both neighbours, dropped as misreadings. */
  outliers: z.number().int().nonnegative(),
});
export type Forecast = z.infer<typeof ForecastSchema>;
export type ForecastStatus = Forecast['status'];

/**
 * A robust time-to-threshold forecast for one resource's history.
 *
 * 1. Points are sorted, one per second; only the last maxWindowSeconds count.
 * 2. A single sample far off both its neighbours is dropped (a reading taken mid-rotation).
 * 3. The series is split at resets (a drop beyond noise) and only the last segment is used: what
 *    happened before a truncation says little about the level now. A change of total is NOT a
 *    reset: the pace of writes does not change when a pool is extended or a filesystem grown,
 *    only the target does, so thresholds are taken against the latest total.
 * 4. Steps up (one interval that rose far beyond the usual pace) are one-off writes: when there
 *    are at most maxOneOffSteps of them, each is taken out of the slope by lifting the samples
 *    before it by its excess, so the level after the step counts but the step alone never makes
 *    the pace look fast. When steps recur more often, they are how this resource grows (a nightly
 *    dump) and stay in.
 * 5. Theil-Sen slope and its rank-based interval (theil-sen.ts) over at most maxPoints bin medians;
 *    the level at asOf is the median residual along each slope.
 * 6. The same over the last recentWindowSeconds; when it is faster beyond doubt (see
 *    paceChangeZ) the pace has changed and the recent one is used.
 * 7. Status: full (last sample), growing (interval above zero), not_growing, or unknown.
 */
export function forecast(points: readonly SeriesPoint[], options: ForecastOptions = {}): Forecast {
  const o = ForecastOptionsSchema.parse(options);
  const series = sortedSeries(points);
  const last = series[series.length - 1];
  if (!last) return unknownForecast('no_samples');

  const recent = series.filter((p) => p.at >= last.at - o.maxWindowSeconds);
  const noise = robustSigma(differences(recent.map((p) => p.used)));
  const dropLimit = (total: number): number => Math.max(o.resetMinFraction * total, o.noiseSigmas * noise);
  const { kept, outliers } = withoutOutliers(recent, dropLimit);
  const { segment, reset } = lastSegment(kept, dropLimit);
  const { used: adjusted, steps } = withoutOneOffSteps(segment, o);

  const ratio = last.used / last.total;
  const full = ratio >= o.fullRatio;
  const common = { asOf: last.at, used: last.used, total: last.total, ratio, reset, steps, outliers };
  const segmentWindow = (segment[segment.length - 1]?.at ?? last.at) - (segment[0]?.at ?? last.at);
  const tooLittle = segment.length < o.minSamples ? 'too_few_samples' : segmentWindow < o.minWindowSeconds ? 'window_too_short' : undefined;
  if (tooLittle) {
    const none = { ...common, samplesUsed: segment.length, windowSeconds: segmentWindow, fit: null, slopePerHour: null, level: null };
    return full ? { status: 'full', ...none, timeTo: o.thresholds.map((r) => reachedAt(r)) } : { status: 'unknown', reason: tooLittle, ...none, timeTo: [] };
  }

  const t = segment.map((p) => p.at - last.at);
  let chosen = lineFit(t, adjusted, o);
  const recentFrom = t.findIndex((x) => x >= -o.recentWindowSeconds);
  if (recentFrom > 0 && t.length - recentFrom >= o.minSamples) {
    const recent = lineFit(t.slice(recentFrom), adjusted.slice(recentFrom), o, true);
    if (recent.strictLow > chosen.strictHigh) chosen = recent;
  }
  const { slope, low, high, level } = chosen;
  const growing = low > 0;
  const timeTo = o.thresholds.map((r): TimeToThreshold => {
    const target = r * last.total;
    if (full || Math.max(level.estimate, last.used) >= target) return reachedAt(r);
    return {
      ratio: r,
      reached: false,
      seconds: growing ? secondsTo(target, level.estimate, slope) : null,
      earliest: high > 0 ? secondsTo(target, level.high, high) : null,
      latest: growing ? secondsTo(target, level.low, low) : null,
    };
  });
  return {
    status: full ? 'full' : growing ? 'growing' : 'not_growing',
    ...common,
    samplesUsed: chosen.samples,
    windowSeconds: chosen.window,
    fit: chosen.recent ? 'recent' : 'segment',
    slopePerHour: { estimate: slope * 3600, low: low * 3600, high: high * 3600 },
    level,
    timeTo,
  };
}

interface LineFit {
  slope: number;
  low: number;
  high: number;
  level: { estimate: number; low: number; high: number };
  /** The interval at paceChangeZ, to tell a change of pace from noise. */
  strictLow: number;
  strictHigh: number;
  samples: number;
  window: number;
  recent: boolean;
}

/** Theil-Sen over (t, y) binned to maxPoints; t is seconds before asOf (<= 0), so levels are at asOf. */
function lineFit(t: readonly number[], y: readonly number[], o: Resolved, recent = false): LineFit {
  const b = binned(t, y, o.maxPoints);
  const fit = theilSen(b.t, b.y);
  const { low, high } = fit.interval(o.z);
  const strict = fit.interval(o.paceChangeZ);
  return {
    slope: fit.slope,
    low,
    high,
    level: { estimate: interceptAt(b.t, b.y, fit.slope), low: interceptAt(b.t, b.y, low), high: interceptAt(b.t, b.y, high) },
    strictLow: strict.low,
    strictHigh: strict.high,
    samples: t.length,
    window: (t[t.length - 1] ?? 0) - (t[0] ?? 0),
    recent,
  };
}

function unknownForecast(reason: (typeof UNKNOWN_REASONS)[number]): Forecast {
  return {
    status: 'unknown',
    reason,
    asOf: null,
    used: null,
    total: null,
    ratio: null,
    slopePerHour: null,
    level: null,
    timeTo: [],
    samplesUsed: 0,
    windowSeconds: 0,
    fit: null,
    reset: null,
    steps: [],
    outliers: 0,
  };
}

function reachedAt(ratio: number): TimeToThreshold {
  return { ratio, reached: true, seconds: 0, earliest: 0, latest: 0 };
}

function secondsTo(target: number, level: number, slope: number): number {
  return Math.max(0, Math.round((target - level) / slope));
}

/** Validated, sorted by time, the last point of a second kept. */
function sortedSeries(points: readonly SeriesPoint[]): SeriesPoint[] {
  const byTime = new Map<number, SeriesPoint>();
  for (const [i, p] of points.entries()) {
    if (!Number.isInteger(p.at) || !Number.isFinite(p.used) || p.used < 0 || !Number.isFinite(p.total) || p.total <= 0) {
      throw new ForecastError(
        'series_invalid',
        `point ${i} of the series cannot be forecast (at ${p.at}, used ${p.used}, total ${p.total}): times are whole Unix seconds, used is at least 0 and total above 0`,
      );
    }
    byTime.set(p.at, p);
  }
  return [...byTime.values()].sort((a, b) => a.at - b.at);
}

function differences(values: readonly number[]): number[] {
  return values.slice(1).map((v, i) => v - (values[i] as number));
}

/** Drops single samples that sit beyond the drop limit from both neighbours, in the same direction. */
function withoutOutliers(points: readonly SeriesPoint[], limit: (total: number) => number): { kept: SeriesPoint[]; outliers: number } {
  const kept: SeriesPoint[] = [];
  let outliers = 0;
  for (const [i, p] of points.entries()) {
    const before = points[i - 1];
    const after = points[i + 1];
    if (before && after) {
      const l = limit(p.total);
      const up = p.used - before.used > l && p.used - after.used > l;
      const down = before.used - p.used > l && after.used - p.used > l;
      if ((up || down) && Math.abs(after.used - before.used) <= l) {
        outliers++;
        continue;
      }
    }
    kept.push(p);
  }
  return { kept, outliers };
}

function lastSegment(points: readonly SeriesPoint[], limit: (total: number) => number): { segment: SeriesPoint[]; reset: Forecast['reset'] } {
  for (let i = points.length - 1; i > 0; i--) {
    const before = points[i - 1] as SeriesPoint;
    const after = points[i] as SeriesPoint;
    if (before.used - after.used > limit(Math.max(before.total, after.total))) {
      return { segment: points.slice(i), reset: { at: after.at, usedBefore: before.used, usedAfter: after.used } };
    }
  }
  return { segment: [...points], reset: null };
}

function withoutOneOffSteps(points: readonly SeriesPoint[], o: Resolved): { used: number[]; steps: Forecast['steps'] } {
  const used = points.map((p) => p.used);
  if (points.length < 3) return { used, steps: [] };
  const gaps = differences(points.map((p) => p.at));
  const rise = differences(used);
  const pace = median(rise.map((d, i) => d / (gaps[i] as number)));
  const excess = rise.map((d, i) => d - pace * (gaps[i] as number));
  const sigma = robustSigma(excess);
  const found = excess.flatMap((e, i) => {
    const after = points[i + 1] as SeriesPoint;
    return e > Math.max(o.stepMinFraction * after.total, o.stepSigmas * sigma) ? [{ index: i, at: after.at, height: e }] : [];
  });
  if (found.length === 0 || found.length > o.maxOneOffSteps) return { used, steps: [] };
  // Lift every sample before a step by the step's excess: the series then reads as if the
  // one-off write had always been there, and its pace is the pace around it.
  let lift = 0;
  for (let i = used.length - 1; i >= 0; i--) {
    used[i] = (used[i] as number) + lift;
    const step = found.find((s) => s.index === i - 1);
    if (step) lift += step.height;
  }
  return { used, steps: found.map(({ at, height }) => ({ at, height })) };
}

/** At most `max` points: consecutive runs of (nearly) equal count, each replaced by its medians. */
function binned(t: readonly number[], y: readonly number[], max: number): { t: number[]; y: number[] } {
  if (t.length <= max) return { t: [...t], y: [...y] };
  const bt: number[] = [];
  const by: number[] = [];
  for (let b = 0; b < max; b++) {
    const from = Math.floor((b * t.length) / max);
    const to = Math.floor(((b + 1) * t.length) / max);
    bt.push(median(t.slice(from, to)));
    by.push(median(y.slice(from, to)));
  }
  return { t: bt, y: by };
}
