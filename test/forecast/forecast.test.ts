import { describe, expect, it } from 'vitest';
import { forecast, ForecastSchema, median, theilSen, type Forecast, type SeriesPoint } from '../../src/forecast/index.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { GiB, MINUTES_15, series, T0, TiB, trueSecondsTo as truth } from './synthetic.js';

const DAY = 86_400;
const HOUR = 3600;
const at = (f: Forecast, ratio: number) => f.timeTo.find((t) => t.ratio === ratio);
const relError = (got: number | null | undefined, truth: number) => Math.abs((got ?? Number.POSITIVE_INFINITY) - truth) / truth;
const lastOf = (points: readonly SeriesPoint[]) => points[points.length - 1] as SeriesPoint;

describe('theilSen', () => {
  it('is the median of the pairwise slopes, with the rank interval of Sen', () => {
    // Slopes 1, 1, 10/3, 1, 9/2, 8: sorted 1 1 1 3.33 4.5 8, median (1 + 3.33) / 2.
    const fit = theilSen([0, 1, 2, 3], [0, 1, 2, 10]);
    expect(fit.slope).toBeCloseTo(13 / 6, 10);
    expect(fit.pairs).toBe(6);
    // n = 4: C = 1.96 × √(4·3·13/18) = 5.77; ranks floor((6 - 5.77)/2) = 0 -> 1 and ceil((6 + 5.77)/2) + 1 = 7 -> 6.
    expect(fit.interval(1.96)).toEqual({ low: 1, high: 8 });
    // z = 0.5: C = 1.47; ranks floor(2.26) = 2 and ceil(3.74) + 1 = 5.
    expect(fit.interval(0.5)).toEqual({ low: 1, high: 4.5 });
  });

  it('narrows its interval as points are added to the same noisy line', () => {
    const next = seededRandom(11);
    const widths = [10, 40, 160].map((n) => {
      const t = Array.from({ length: n }, (_, i) => i);
      const { low, high } = theilSen(t, t.map((x) => 2 * x + (next() - 0.5) * 20)).interval(1.96);
      return high - low;
    });
    expect(widths[1]).toBeLessThan(widths[0] as number);
    expect(widths[2]).toBeLessThan(widths[1] as number);
  });

  it('ignores a quarter of wild points where least squares would not', () => {
    const t = Array.from({ length: 40 }, (_, i) => i);
    const y = t.map((x, i) => (i % 4 === 0 ? 1e6 : 3 * x));
    expect(theilSen(t, y).slope).toBeCloseTo(3, 6);
  });
});

describe('forecast', () => {
  it('times a steady linear fill to 95 % and 100 % within 10 % (here: to the second), with a band around the truth', () => {
    const rate = (0.2 * TiB) / (3 * DAY);
    const points = series(288, (t) => 0.5 * TiB + rate * t);
    const f = forecast(points);
    const now = lastOf(points).used;
    expect(f.status).toBe('growing');
    expect(f.fit).toBe('segment');
    expect(ForecastSchema.parse(f)).toEqual(f);
    for (const ratio of [0.95, 1]) {
      const expected = truth(ratio, TiB, now, rate);
      const t = at(f, ratio);
      expect(relError(t?.seconds, expected)).toBeLessThan(0.001);
      expect(t?.earliest).toBeLessThanOrEqual(expected + 1);
      expect(t?.latest).toBeGreaterThanOrEqual(expected - 1);
    }
    expect(f.slopePerHour?.estimate).toBeCloseTo(rate * HOUR, -3);
    expect(f.samplesUsed).toBe(288);
    expect(f.windowSeconds).toBe(287 * MINUTES_15);
  });

  it('within 10 % on 200 random linear fills with jittered sweeps and 0.5 % noise, the band holding the truth', () => {
    const next = seededRandom(20260302);
    let worst = 0;
    let covered = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const total = (0.1 + next() * 10) * TiB;
      const start = (0.05 + next() * 0.5) * total;
      const days = 1 + next() * 2;
      const perSecond = ((0.05 + next() * 0.3) * total) / (days * DAY);
      const n = Math.floor((days * DAY) / MINUTES_15);
      const points = Array.from({ length: n }, (_, i) => {
        const t = i * MINUTES_15 + Math.round((next() - 0.5) * 120);
        return { at: T0 + t, used: Math.round(start + perSecond * t + (next() - 0.5) * 0.005 * total), total };
      });
      const last = lastOf(points);
      const expected = truth(1, total, start + perSecond * (last.at - T0), perSecond);
      const f = forecast(points);
      const t = at(f, 1);
      expect(f.status, `run ${run}`).toBe('growing');
      worst = Math.max(worst, relError(t?.seconds, expected));
      if ((t?.earliest ?? Infinity) <= expected && expected <= (t?.latest ?? -Infinity)) covered++;
    }
    expect(worst).toBeLessThan(0.1);
    // A 95 % interval for independent noise: allow for chance, not for a broken interval.
    expect(covered / runs).toBeGreaterThan(0.85);
  });

  it('splits at a truncation and forecasts from what came after it only', () => {
    // A container log growing at 40 GiB/h, truncated to 1 GiB after 2 days, then growing at 10 GiB/h for a day.
    const before = 40 * GiB / HOUR;
    const after = 10 * GiB / HOUR;
    const cut = 2 * DAY;
    const points = series(288, (t) => (t < cut ? 100 * GiB + before * t : GiB + after * (t - cut)), { total: 4 * TiB });
    const f = forecast(points);
    expect(f.reset).toEqual({ at: T0 + cut, usedBefore: expect.any(Number), usedAfter: GiB });
    expect(f.samplesUsed).toBe(96);
    expect(f.status).toBe('growing');
    const expected = truth(1, 4 * TiB, lastOf(points).used, after);
    expect(relError(at(f, 1)?.seconds, expected)).toBeLessThan(0.1);
  });

  it('is unknown right after a reset, until the new segment has 8 samples and 2 hours', () => {
    const growth = 10 * GiB / HOUR;
    const points = series(210, (t) => (t < 2 * DAY ? 500 * GiB + growth * t : 100 * GiB + growth * (t - 2 * DAY)));
    const upTo = (n: number) => forecast(points.slice(0, 192 + n));
    expect(upTo(3)).toMatchObject({ status: 'unknown', reason: 'too_few_samples', samplesUsed: 3, timeTo: [] });
    expect(upTo(8).status).toBe('unknown');
    expect(upTo(9).status).toBe('growing');
    // 8 samples a minute apart are 7 minutes: too short a window whatever the count.
    const fast = series(30, (t) => 100 * GiB + growth * t, { cadence: 60 });
    expect(forecast(fast)).toMatchObject({ status: 'unknown', reason: 'window_too_short' });
    expect(forecast([])).toMatchObject({ status: 'unknown', reason: 'no_samples', asOf: null });
  });

  it('says not growing for a flat resource, with no time to full', () => {
    const f = forecast(series(288, () => 0.4 * TiB));
    expect(f.status).toBe('not_growing');
    expect(f.slopePerHour).toEqual({ estimate: 0, low: 0, high: 0 });
    expect(at(f, 1)).toEqual({ ratio: 1, reached: false, seconds: null, earliest: null, latest: null });
  });

  it('says not growing for a flat resource with noise in at least 90 % of random cases', () => {
    const next = seededRandom(77);
    let flat = 0;
    for (let run = 0; run < 100; run++) {
      const points = series(288, () => 0.6 * TiB * (1 + (next() - 0.5) * 0.02));
      const f = forecast(points);
      if (f.status === 'not_growing') flat++;
      else expect(at(f, 1)?.seconds, `run ${run}: a false alarm must at least be far off`).toBeGreaterThan(30 * DAY);
    }
    expect(flat).toBeGreaterThanOrEqual(90);
  });

  it('says not growing for a shrinking resource', () => {
    expect(forecast(series(288, (t) => 0.6 * TiB - (GiB / HOUR) * t)).status).toBe('not_growing');
  });

  it('with ±5 % noise around slow growth, is within 10 % or honestly wide around the truth', () => {
    // 55 % to 65 % over 3 days with every sample off by up to ±5 % of itself: about 10.5 days to full.
    const next = seededRandom(5);
    const perSecond = (0.1 * TiB) / (3 * DAY);
    const runs = 100;
    let within = 0;
    let covered = 0;
    let either = 0;
    for (let run = 0; run < runs; run++) {
      const points = series(288, (t) => (0.55 * TiB + perSecond * t) * (1 + (next() * 2 - 1) * 0.05));
      const f = forecast(points);
      const expected = truth(1, TiB, 0.55 * TiB + perSecond * 287 * MINUTES_15, perSecond);
      const t = at(f, 1);
      const inBand = (t?.earliest ?? 0) <= expected && expected <= (t?.latest ?? Infinity);
      const close = relError(t?.seconds, expected) < 0.1;
      // Never far off, whatever the draw.
      expect(relError(t?.seconds, expected), `run ${run}`).toBeLessThan(0.25);
      if (close) within++;
      if (inBand) covered++;
      if (close || inBand) either++;
    }
    expect(within / runs).toBeGreaterThan(0.8);
    expect(covered / runs).toBeGreaterThan(0.8);
    expect(either / runs).toBeGreaterThan(0.9);
  });

  it('takes a sudden jump as a one-off write: the level counts, the pace does not', () => {
    // Growing 1 % a day; at 2 days a 300 GiB file is written at once.
    const perSecond = (0.01 * TiB) / DAY;
    const jumpAt = 2 * DAY;
    const points = series(288, (t) => 0.3 * TiB + perSecond * t + (t >= jumpAt ? 300 * GiB : 0));
    const f = forecast(points);
    expect(f.steps).toHaveLength(1);
    expect(f.steps[0]?.at).toBe(T0 + jumpAt);
    expect(f.steps[0]?.height).toBeGreaterThan(299 * GiB);
    const expected = truth(1, TiB, lastOf(points).used, perSecond);
    expect(relError(at(f, 1)?.seconds, expected)).toBeLessThan(0.1);
    // Left in, the jump splits the points in two levels: the slope survives but the level at now
    // is the median of both, and the time to full is off by far.
    const raw = forecast(points, { maxOneOffSteps: 0 });
    expect(relError(at(raw, 1)?.seconds, expected)).toBeGreaterThan(0.5);
  });

  it('does not turn a jump in the last sample of a flat resource into a short forecast', () => {
    const points = series(288, (t) => (t >= 287 * MINUTES_15 ? 0.7 * TiB : 0.4 * TiB));
    const f = forecast(points);
    expect(f.status).toBe('not_growing');
    expect(f.ratio).toBeCloseTo(0.7, 3);
    expect(f.steps).toHaveLength(1);
  });

  it('keeps steps that recur: a nightly dump is how the resource grows', () => {
    // 20 GiB written at 02:00 every night, nothing else: 20 GiB a day.
    const points = series(288, (t) => 0.5 * TiB + 20 * GiB * Math.floor((t + 22 * HOUR) / DAY));
    const f = forecast(points);
    expect(f.steps).toEqual([]);
    expect(f.status).toBe('growing');
    expect(f.slopePerHour?.estimate).toBeGreaterThan((10 * GiB) / 24);
    expect(f.slopePerHour?.estimate).toBeLessThan((40 * GiB) / 24);
  });

  it('follows a runaway writer that started hours ago instead of averaging it with quiet days', () => {
    // Flat for 2.5 days, then 25 GiB an hour for the last 12 hours.
    const start = 2.5 * DAY;
    const perSecond = 25 * GiB / HOUR;
    const points = series(288, (t) => 0.3 * TiB + Math.max(0, t - start) * perSecond);
    const f = forecast(points);
    expect(f.fit).toBe('recent');
    expect(f.status).toBe('growing');
    const expected = truth(1, TiB, lastOf(points).used, perSecond);
    expect(relError(at(f, 1)?.seconds, expected)).toBeLessThan(0.1);
    expect(forecast(points, { recentWindowSeconds: 3 * DAY }).fit).toBe('segment');
  });

  it('does not reset when a pool is extended: the pace holds, the target moves', () => {
    const perSecond = 5 * GiB / HOUR;
    const points = series(288, (t) => 0.5 * TiB + perSecond * t).map((p, i) => (i >= 200 ? { ...p, total: 2 * TiB } : p));
    const f = forecast(points);
    expect(f.reset).toBeNull();
    expect(f.total).toBe(2 * TiB);
    expect(relError(at(f, 1)?.seconds, truth(1, 2 * TiB, lastOf(points).used, perSecond))).toBeLessThan(0.01);
  });

  it('drops a single misread sample instead of resetting at it', () => {
    const perSecond = 5 * GiB / HOUR;
    const points = series(288, (t) => 0.5 * TiB + perSecond * t).map((p, i) => (i === 250 ? { ...p, used: 0.1 * TiB } : p));
    const f = forecast(points);
    expect(f.reset).toBeNull();
    expect(f.outliers).toBe(1);
    expect(f.samplesUsed).toBe(287);
    expect(relError(at(f, 1)?.seconds, truth(1, TiB, lastOf(points).used, perSecond))).toBeLessThan(0.01);
  });

  it('says full when the last sample is full, whatever the trend or the amount of data', () => {
    const filling = series(100, (t) => Math.min(TiB, 0.9 * TiB + (GiB / 60) * t));
    const f = forecast(filling);
    expect(f.status).toBe('full');
    expect(f.timeTo).toEqual([
      { ratio: 0.95, reached: true, seconds: 0, earliest: 0, latest: 0 },
      { ratio: 1, reached: true, seconds: 0, earliest: 0, latest: 0 },
    ]);
    expect(forecast([{ at: T0, used: TiB, total: TiB }])).toMatchObject({ status: 'full', samplesUsed: 1 });
  });

  it('says 95 % is reached, and times 100 %, for a resource between the two', () => {
    const perSecond = GiB / HOUR;
    const f = forecast(series(288, (t) => 0.9 * TiB + perSecond * t));
    expect(f.ratio).toBeGreaterThan(0.95);
    expect(at(f, 0.95)).toMatchObject({ reached: true, seconds: 0 });
    expect(at(f, 1)?.reached).toBe(false);
    expect(at(f, 1)?.seconds).toBeGreaterThan(0);
  });

  it('reads at most 3 days and bins them, so two weeks of minute samples cost no more than 3 days of them', () => {
    const perSecond = GiB / HOUR;
    const points = series(14 * 24 * 60, (t) => 0.1 * TiB + perSecond * t, { total: 10 * TiB, cadence: 60 });
    const f = forecast(points);
    expect(f.samplesUsed).toBe(3 * 24 * 60 + 1);
    expect(relError(at(f, 1)?.seconds, truth(1, 10 * TiB, lastOf(points).used, perSecond))).toBeLessThan(0.001);
  });

  it('takes samples in any order, and the last of two for the same second', () => {
    const points = series(50, (t) => 0.2 * TiB + (GiB / HOUR) * t);
    const shuffled = [...points].reverse();
    expect(forecast(shuffled)).toEqual(forecast(points));
    const twice = [...points, { ...lastOf(points), used: lastOf(points).used + 1024 }];
    expect(forecast(twice).used).toBe(lastOf(points).used + 1024);
  });

  it.each([
    ['a negative used', { at: T0, used: -1, total: 1 }],
    ['a zero total', { at: T0, used: 0, total: 0 }],
    ['a fractional time', { at: T0 + 0.5, used: 1, total: 2 }],
    ['an infinite used', { at: T0, used: Number.POSITIVE_INFINITY, total: 2 }],
  ])('refuses a series with %s', (_, point) => {
    expect(() => forecast([point])).toThrow(expect.objectContaining({ code: 'series_invalid' }));
  });

  it('refuses options out of range', () => {
    expect(() => forecast([], { minSamples: 2 })).toThrow();
    expect(() => forecast([], { thresholds: [1.5] })).toThrow();
  });
});

describe('median', () => {
  it('averages the middle two of an even count and is NaN for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
