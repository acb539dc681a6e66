import type { SeriesPoint } from '../../src/forecast/index.js';

/** 2026-03-02 00:00 UTC: synthetic histories start here. */
export const T0 = 1_772_409_600;
export const MINUTES_15 = 900;
export const GiB = 1024 ** 3;
export const TiB = 1024 * GiB;

/** `samples` points `cadence` seconds apart from T0, used = shape(seconds since T0, index), rounded to whole KiB as df prints. */
export function series(samples: number, shape: (t: number, i: number) => number, options: { total?: number; cadence?: number } = {}): SeriesPoint[] {
  const total = options.total ?? TiB;
  const cadence = options.cadence ?? MINUTES_15;
  return Array.from({ length: samples }, (_, i) => {
    const t = i * cadence;
    const used = Math.min(total, Math.max(0, Math.round(shape(t, i) / 1024) * 1024));
    return { at: T0 + t, used, total };
  });
}

/** Seconds from the last point until `used` reaches `ratio × total` on a line of `perSecond` from level `from`. */
export function trueSecondsTo(ratio: number, total: number, from: number, perSecond: number): number {
  return (ratio * total - from) / perSecond;
}
