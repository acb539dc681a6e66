import { z } from 'zod';
import type { Forecast } from './forecast.js';
import type { SeriesPoint } from './history.js';
import { drawText, GLYPH_HEIGHT, Raster, textWidth, type Rgb } from './png.js';
import { median } from './theil-sen.js';

/** Palette indices of the chart, also what a test reads back from the pixels. */
export const CHART_COLORS = {
  background: 0,
  grid: 1,
  axis: 2,
  usage: 3,
  projection: 4,
  band: 5,
  threshold95: 6,
  threshold100: 7,
  ignored: 8,
} as const;

const PALETTE: readonly Rgb[] = [
  [255, 255, 255], // background
  [232, 232, 232], // grid
  [110, 110, 110], // axis, labels, now
  [31, 102, 204], // usage
  [120, 40, 160], // projection
  [226, 214, 240], // band: the slope's interval
  [232, 150, 20], // 95 %
  [210, 40, 40], // 100 %
  [160, 180, 205], // samples before the last reset: shown, not used
];

/**
 * Margins around the plot, in pixels: labels on the left (up to "100") and below. The plot spans
 * x from LEFT to width - RIGHT - 1 (history start to the end of the projection) and y from
 * TOP (100 %) to height - BOTTOM - 1 (0 %).
 */
export const CHART_MARGINS = { left: 17, right: 4, top: 4, bottom: 9 } as const;

export const ChartOptionsSchema = z
  .object({
    width: z.number().int().min(120).max(2000).default(480),
    height: z.number().int().min(60).max(1000).default(160),
    /** History shown before the last sample. */
    historySeconds: z.number().int().positive().default(3 * 86_400),
    /**
     * Projection shown after it. Unless given: half the history, stretched to show the forecast
     * reach 100 % when it does so within twice the history.
     */
    futureSeconds: z.number().int().positive().optional(),
  })
  .strict();
export type ChartOptions = z.input<typeof ChartOptionsSchema>;

/** Where a time and a fraction of the total land on the chart (unrounded pixel coordinates). */
export interface ChartScale {
  x(at: number): number;
  y(ratio: number): number;
  from: number;
  to: number;
}

export function chartScale(asOf: number, options: ChartOptions = {}, toFull?: number | null): ChartScale & { width: number; height: number } {
  const o = ChartOptionsSchema.parse(options);
  const reach = toFull !== undefined && toFull !== null && toFull <= 2 * o.historySeconds ? Math.round(toFull * 1.1) : 0;
  const future = o.futureSeconds ?? Math.max(Math.round(o.historySeconds / 2), reach);
  const from = asOf - o.historySeconds;
  const to = asOf + future;
  const x0 = CHART_MARGINS.left;
  const x1 = o.width - CHART_MARGINS.right - 1;
  const y0 = CHART_MARGINS.top;
  const y1 = o.height - CHART_MARGINS.bottom - 1;
  return {
    width: o.width,
    height: o.height,
    from,
    to,
    x: (at) => x0 + ((at - from) / (to - from)) * (x1 - x0),
    y: (ratio) => y1 - Math.min(1, Math.max(0, ratio)) * (y1 - y0),
  };
}

/**
 * A PNG of one resource's usage as a fraction of its total (0-100 %, never a cropped axis): the
 * samples of the last days, the projection along the forecast's slope with its interval shaded,
 * the 95 % and 100 % lines, a dashed "now", and ticks labelled in hours or days from now.
 * Samples before the reset the forecast ignored are drawn pale. Gauges (total 0) are not charted.
 */
export function renderCapacityChart(points: readonly SeriesPoint[], forecast: Forecast, options: ChartOptions = {}): Buffer {
  const last = points.reduce<SeriesPoint | undefined>((a, p) => (!a || p.at > a.at ? p : a), undefined);
  const asOf = forecast.asOf ?? last?.at ?? 0;
  const toFull = forecast.timeTo.find((t) => t.ratio === 1)?.seconds;
  const s = chartScale(asOf, options, toFull);
  const r = new Raster(s.width, s.height, CHART_COLORS.background);
  const C = CHART_COLORS;
  const left = Math.round(s.x(s.from));
  const right = Math.round(s.x(s.to));
  const bottom = Math.round(s.y(0));
  const top = Math.round(s.y(1));

  for (const pct of [25, 50, 75]) r.line(left, s.y(pct / 100), right, s.y(pct / 100), C.grid);
  const tick = tickStep(s.to - s.from);
  for (let k = Math.ceil((s.from - asOf) / tick); asOf + k * tick <= s.to; k++) {
    const x = Math.round(s.x(asOf + k * tick));
    if (k !== 0) r.line(x, top, x, bottom, C.grid);
    const label = k === 0 ? '0' : `${k > 0 ? '+' : '-'}${tickLabel(Math.abs(k) * tick)}`;
    const lx = Math.min(right - textWidth(label) + 1, Math.max(left, x - Math.floor(textWidth(label) / 2)));
    r.line(x, bottom + 1, x, bottom + 2, C.axis);
    drawText(r, label, lx, bottom + 3, C.axis);
  }

  const total = forecast.total ?? last?.total ?? 0;
  const fit = forecast.slopePerHour;
  const level = forecast.level;
  if (fit && level && total > 0) {
    // The interval: between the lines of the lower and the upper slope, from now on.
    for (let x = Math.ceil(s.x(asOf)); x <= right; x++) {
      const hours = (atOfX(s, x) - asOf) / 3600;
      r.span(x, s.y((level.low + fit.low * hours) / total), s.y((level.high + fit.high * hours) / total), C.band);
    }
  }
  r.line(left, s.y(0.95), right, s.y(0.95), C.threshold95, [4, 3]);
  r.line(left, top, right, top, C.threshold100);
  r.line(left, top, left, bottom, C.axis);
  r.line(left, bottom, right, bottom, C.axis);
  r.line(s.x(asOf), top, s.x(asOf), bottom, C.axis, [2, 2]);
  for (const pct of [0, 50, 100]) drawText(r, String(pct), left - 2 - textWidth(String(pct)), Math.round(s.y(pct / 100)) - (GLYPH_HEIGHT >> 1), C.axis);

  const shown = points.filter((p) => p.at >= s.from && p.at <= asOf && p.total > 0).sort((a, b) => a.at - b.at);
  // A gap of more than three usual intervals is missing data: the line breaks there.
  const cadence = median(shown.slice(1).map((p, i) => p.at - (shown[i] as SeriesPoint).at));
  const resetAt = forecast.reset?.at ?? Number.NEGATIVE_INFINITY;
  shown.forEach((p, i) => {
    const prev = shown[i - 1];
    const color = p.at < resetAt ? C.ignored : C.usage;
    if (prev && p.at - prev.at <= 3 * cadence && !(prev.at < resetAt && p.at >= resetAt)) {
      thickLine(r, s.x(prev.at), s.y(prev.used / p.total), s.x(p.at), s.y(p.used / p.total), color);
    } else r.set(s.x(p.at), s.y(p.used / p.total), color);
  });

  if (fit && level && total > 0) {
    const hoursToEdge = (s.to - asOf) / 3600;
    const endLevel = level.estimate + fit.estimate * hoursToEdge;
    // Stop at 100 %: past full, the line means nothing.
    const cut = endLevel > total && fit.estimate > 0 ? (total - level.estimate) / fit.estimate / hoursToEdge : 1;
    const frac = Math.max(0, Math.min(1, cut));
    thickLine(r, s.x(asOf), s.y(level.estimate / total), s.x(asOf + frac * (s.to - asOf)), s.y((level.estimate + fit.estimate * hoursToEdge * frac) / total), C.projection);
  }
  return r.toPng(PALETTE);
}

/** Two pixels thick (the row below too), so the data lines read at thumbnail size. */
function thickLine(r: Raster, x0: number, y0: number, x1: number, y1: number, color: number): void {
  r.line(x0, y0, x1, y1, color);
  r.line(x0, y0 + 1, x1, y1 + 1, color);
}

/** The time a pixel column stands for. */
function atOfX(s: ChartScale, x: number): number {
  const x0 = s.x(s.from);
  return s.from + ((x - x0) / (s.x(s.to) - x0)) * (s.to - s.from);
}

const TICKS = [3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 2 * 86_400, 7 * 86_400];

/** The finest tick step that gives at most 8 ticks across the span. */
function tickStep(span: number): number {
  return TICKS.find((t) => span / t <= 8) ?? (TICKS[TICKS.length - 1] as number);
}

function tickLabel(seconds: number): string {
  return seconds % 86_400 === 0 ? `${seconds / 86_400}d` : `${seconds / 3600}h`;
}
