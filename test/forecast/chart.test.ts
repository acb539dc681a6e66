import { describe, expect, it } from 'vitest';
import { CHART_COLORS, CHART_MARGINS, forecast, PNG_SIGNATURE, Raster, renderCapacityChart, type SeriesPoint } from '../../src/forecast/index.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { readPng, type DecodedPng } from './png-reader.js';
import { GiB, series, TiB } from './synthetic.js';

const DAY = 86_400;
const W = 480;
const H = 160;
const FIXED = { historySeconds: 3 * DAY, futureSeconds: 1.5 * DAY };

/** The documented layout, computed here: x spans history start to projection end, y 0 % (bottom) to 100 % (top). */
function pixelOf(at: number, ratio: number, asOf: number): { x: number; y: number } {
  const from = asOf - FIXED.historySeconds;
  const to = asOf + FIXED.futureSeconds;
  const x0 = CHART_MARGINS.left;
  const x1 = W - CHART_MARGINS.right - 1;
  const y0 = CHART_MARGINS.top;
  const y1 = H - CHART_MARGINS.bottom - 1;
  return { x: Math.round(x0 + ((at - from) / (to - from)) * (x1 - x0)), y: Math.round(y1 - ratio * (y1 - y0)) };
}

/** The colour at (x, y) or one pixel above or below it: lines are two pixels thick and rounding moves them by one. */
function near(png: DecodedPng, x: number, y: number): number[] {
  return [y - 1, y, y + 1].map((yy) => png.index(x, yy));
}

const perSecond = (0.2 * TiB) / (3 * DAY);
const linear = series(288, (t) => 0.4 * TiB + perSecond * t);
const lastOf = (points: readonly SeriesPoint[]) => points[points.length - 1] as SeriesPoint;

describe('renderCapacityChart', () => {
  it('writes a valid PNG: signature, IHDR of the asked size, every CRC right, IDAT inflating to the rows', () => {
    const png = renderCapacityChart(linear, forecast(linear));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const decoded = readPng(png);
    expect(decoded).toMatchObject({ width: 480, height: 160, bitDepth: 8, colorType: 3, chunks: ['IHDR', 'PLTE', 'IDAT', 'IEND'] });
    expect(decoded.palette.length).toBeGreaterThan(Math.max(...Object.values(CHART_COLORS)));
    // Lines and flat fills compress well: a chart fits a Slack upload many times over.
    expect(png.length).toBeLessThan(16 * 1024);
    expect(readPng(renderCapacityChart(linear, forecast(linear), { width: 200, height: 80 }))).toMatchObject({ width: 200, height: 80 });
  });

  it('draws the projection where the forecast puts it', () => {
    const f = forecast(linear);
    const asOf = lastOf(linear).at;
    const png = readPng(renderCapacityChart(linear, f, FIXED));
    const level = f.level?.estimate ?? 0;
    const slope = f.slopePerHour?.estimate ?? 0;
    for (const hours of [3, 12, 24, 30]) {
      const { x, y } = pixelOf(asOf + hours * 3600, (level + slope * hours) / TiB, asOf);
      expect(near(png, x, y), `${hours} h ahead at (${x}, ${y})`).toContain(CHART_COLORS.projection);
      // ... and not far above it: the line is not drawn somewhere else as well.
      expect(near(png, x, y - 10)).not.toContain(CHART_COLORS.projection);
    }
  });

  it('draws the samples where they are, the 100 % line along the top and the 95 % line dashed under it', () => {
    const asOf = lastOf(linear).at;
    const png = readPng(renderCapacityChart(linear, forecast(linear), FIXED));
    for (const p of [linear[10], linear[100], linear[250]] as SeriesPoint[]) {
      const { x, y } = pixelOf(p.at, p.used / p.total, asOf);
      expect(near(png, x, y)).toContain(CHART_COLORS.usage);
    }
    const top = pixelOf(asOf, 1, asOf).y;
    const y95 = pixelOf(asOf, 0.95, asOf).y;
    const row = (y: number) => Array.from({ length: W - CHART_MARGINS.left - CHART_MARGINS.right - 2 }, (_, i) => png.index(CHART_MARGINS.left + 1 + i, y));
    expect(row(top).filter((c) => c === CHART_COLORS.threshold100).length).toBeGreaterThan(0.95 * row(top).length);
    const dashes = row(y95).filter((c) => c === CHART_COLORS.threshold95).length / row(y95).length;
    expect(dashes).toBeGreaterThan(0.4);
    expect(dashes).toBeLessThan(0.8);
  });

  it('stops the projection at 100 %', () => {
    // About 9 hours from full: past that the line would only run along the top.
    const fast = series(96, (t) => 0.5 * TiB + ((0.4 * TiB) / DAY) * t);
    const f = forecast(fast);
    const asOf = lastOf(fast).at;
    const png = readPng(renderCapacityChart(fast, f, FIXED));
    const fullAt = asOf + (f.timeTo.find((t) => t.ratio === 1)?.seconds ?? 0);
    const after = pixelOf(fullAt + 6 * 3600, 1, asOf);
    expect(near(png, after.x, after.y + 1)).not.toContain(CHART_COLORS.projection);
    const before = pixelOf(fullAt - 2 * 3600, 1 - (2 * 3600 * 0.4) / DAY, asOf);
    expect(near(png, before.x, before.y)).toContain(CHART_COLORS.projection);
  });

  it('shades the slope interval around a noisy projection', () => {
    // A day of ±10 % noise: the interval is wide enough to see.
    const next = seededRandom(9);
    const noisy = series(96, (t) => (0.5 * TiB + ((0.1 * TiB) / DAY) * t) * (1 + (next() - 0.5) * 0.2));
    const f = forecast(noisy);
    const asOf = lastOf(noisy).at;
    const png = readPng(renderCapacityChart(noisy, f, FIXED));
    const hours = 36;
    const low = ((f.level?.low ?? 0) + (f.slopePerHour?.low ?? 0) * hours) / TiB;
    const high = ((f.level?.high ?? 0) + (f.slopePerHour?.high ?? 0) * hours) / TiB;
    const { x, y: yLow } = pixelOf(asOf + hours * 3600, low, asOf);
    const yHigh = pixelOf(asOf + hours * 3600, high, asOf).y;
    expect(yLow - yHigh).toBeGreaterThan(3);
    const column = Array.from({ length: yLow - yHigh + 1 }, (_, i) => png.index(x, yHigh + i));
    // Between the two bounds: band, with the projection line across it.
    expect(column.filter((c) => c === CHART_COLORS.band).length).toBeGreaterThan(column.length / 2);
    expect(column).toContain(CHART_COLORS.projection);
    expect(png.index(x, yLow + 3)).not.toBe(CHART_COLORS.band);
    expect(png.index(x, yHigh - 3)).not.toBe(CHART_COLORS.band);
  });

  it('draws the samples before a reset pale, and the ones after it in full colour', () => {
    const rate = 20 * GiB / 3600;
    const points = series(288, (t) => (t < DAY ? 200 * GiB + rate * t : GiB + rate * (t - DAY)), { total: 4 * TiB });
    const f = forecast(points);
    expect(f.reset).not.toBeNull();
    const asOf = lastOf(points).at;
    const png = readPng(renderCapacityChart(points, f, FIXED));
    const before = points[40] as SeriesPoint;
    const after = points[200] as SeriesPoint;
    const b = pixelOf(before.at, before.used / before.total, asOf);
    const a = pixelOf(after.at, after.used / after.total, asOf);
    expect(near(png, b.x, b.y)).toContain(CHART_COLORS.ignored);
    expect(near(png, b.x, b.y)).not.toContain(CHART_COLORS.usage);
    expect(near(png, a.x, a.y)).toContain(CHART_COLORS.usage);
  });

  it('draws no projection when there is no forecast to draw', () => {
    const few = linear.slice(0, 4);
    const f = forecast(few);
    expect(f.status).toBe('unknown');
    const png = readPng(renderCapacityChart(few, f, FIXED));
    const projection = Array.from({ length: W * H }, (_, i) => png.index(i % W, Math.floor(i / W))).filter((c) => c === CHART_COLORS.projection);
    expect(projection).toEqual([]);
  });

  it('refuses sizes out of range', () => {
    expect(() => renderCapacityChart(linear, forecast(linear), { width: 10 })).toThrow();
    expect(() => new Raster(0, 10)).toThrow(RangeError);
  });
});

describe('Raster', () => {
  it('draws a line through both of its ends and ignores what falls outside', () => {
    const r = new Raster(20, 10);
    r.line(0, 0, 19, 9, 1);
    expect([r.get(0, 0), r.get(19, 9), r.get(0, 9)]).toEqual([1, 1, 0]);
    r.line(-5, 5, 25, 5, 2, [3, 2]);
    const row = Array.from({ length: 20 }, (_, x) => r.get(x, 5));
    expect(row.filter((c) => c === 2)).toHaveLength(12);
    expect(r.get(20, 0)).toBeUndefined();
  });

  it('encodes the pixels it holds', () => {
    const r = new Raster(3, 2);
    r.set(2, 1, 1);
    const png = readPng(r.toPng([
      [0, 0, 0],
      [255, 0, 0],
    ]));
    expect([png.index(2, 1), png.index(0, 0), png.palette[1]]).toEqual([1, 0, [255, 0, 0]]);
  });
});
