import type { ForecastRowView } from '../domain/index.js';
import { forecast, parseResourceKey, type Forecast, type ForecastOptions, type SeriesPoint } from '../forecast/index.js';

/** How much history a forecast reads: the forecast's own window (3 days) and the day it starts in. */
export const FORECAST_WINDOW_SECONDS = 3 * 86_400;

/** A forecast as the channel, /diag forecast and the terminal show it. */
export function forecastRow(resource: string, f: Forecast): ForecastRowView {
  const { kind, id } = parseResourceKey(resource);
  const full = f.timeTo.find((t) => t.ratio === 1);
  return {
    resource,
    kind,
    id,
    used: f.used,
    total: f.total,
    ratio: f.ratio,
    status: f.status,
    ...(f.reason ? { reason: f.reason } : {}),
    secondsToFull: f.status === 'full' ? 0 : (full?.seconds ?? null),
    earliest: f.status === 'full' ? 0 : (full?.earliest ?? null),
    latest: f.status === 'full' ? 0 : (full?.latest ?? null),
    perHour: f.slopePerHour?.estimate ?? null,
    asOf: f.asOf,
    samples: f.samplesUsed,
  };
}

/** The forecast of one resource's points, and its row. */
export function forecastOf(resource: string, points: readonly SeriesPoint[], options: ForecastOptions = {}): { forecast: Forecast; row: ForecastRowView } {
  const f = forecast(points, options);
  return { forecast: f, row: forecastRow(resource, f) };
}

/** Soonest full first; then fullest; resources with no time after those that have one. */
export function bySoonestFull(a: ForecastRowView, b: ForecastRowView): number {
  const ta = a.secondsToFull ?? Number.POSITIVE_INFINITY;
  const tb = b.secondsToFull ?? Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta - tb;
  return (b.ratio ?? 0) - (a.ratio ?? 0) || a.resource.localeCompare(b.resource);
}
