import type { Redis } from 'ioredis';
import type { ForecastRowView } from '../domain/index.js';
import { CAPACITY_KINDS, parseResourceKey } from '../forecast/index.js';
import { bySoonestFull, forecastOf, FORECAST_WINDOW_SECONDS } from './forecast-rows.js';
import { HistoryStore } from './history-store.js';

/**
 * A host's forecasts from its stored history, as of its last sample (not the reader's clock: a
 * host whose sweeps stopped is shown as it stood, with the time of that sample). What
 * `/diag forecast` and `sickbay forecast` show; the same fit the sweep makes.
 */
export async function readHostForecasts(redis: Redis, prefix: string, host: string): Promise<ForecastRowView[]> {
  const history = new HistoryStore(redis, prefix);
  const resources = await history.resources(host);
  const rows: ForecastRowView[] = [];
  for (const [resource, lastAt] of resources) {
    if (!(CAPACITY_KINDS as readonly string[]).includes(parseResourceKey(resource).kind)) continue;
    const points = await history.read(host, resource, lastAt - FORECAST_WINDOW_SECONDS, lastAt);
    rows.push(forecastOf(resource, points).row);
  }
  return rows.sort(bySoonestFull);
}
