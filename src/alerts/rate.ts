/**
 * Per-app failed-task rate over a sliding window (Redis sorted sets). The seed's rule of thumb: killed
 * tasks are normal deploys, many failed ones mean trouble. An app at or over the threshold raises one
 * alert per window.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../domain/index.js';
import type { FailedTask } from './failed-task.schema.js';
import { rateHeadline } from './headline.js';
import { appSlug } from './normalise.js';
import type { RateAlert } from './ports.js';
import { RedisScript } from '../shared/index.js';

export interface RateOptions {
  /** Sliding window the rate is counted over. @defaultValue 600000 (10 min) */
  windowMs?: number;
  /** Failed tasks of one app within the window that raise an alert. @defaultValue 20 */
  threshold?: number;
}

export interface RateDeps extends RateOptions {
  redis: Redis;
  prefix: string;
  clock: Clock;
}

// KEYS: 1 per-app zset, 2 raised-until key, 3 apps set. ARGV: 1 now, 2 window, 3 threshold, 4 app id
// Returns the count when an alert is raised now, else nil.
const CHECK = new RedisScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tostring(now - window))
local count = redis.call('ZCARD', KEYS[1])
if count == 0 then
  redis.call('SREM', KEYS[3], ARGV[4])
  return nil
end
if count < tonumber(ARGV[3]) then return nil end
local raisedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if raisedUntil > now then return nil end
redis.call('SET', KEYS[2], tostring(now + window), 'PX', window * 2)
return count
`);

export interface FailureRateMonitor {
  /** Counts one (already de-duplicated) failed task of an app. */
  record(task: FailedTask & { appId: string; taskId: string }): Promise<void>;
  /** Apps over the threshold that have not raised an alert in this window (call periodically). */
  check(): Promise<RateAlert[]>;
}

export function createFailureRateMonitor(deps: RateDeps): FailureRateMonitor {
  const windowMs = deps.windowMs ?? 600_000;
  const threshold = deps.threshold ?? 20;
  const key = (...parts: string[]): string => [deps.prefix, 'rate', ...parts].join(':');
  return {
    async record(task) {
      const at = deps.clock.now().getTime();
      await deps.redis
        .multi()
        .zadd(key('app', task.appId), at, task.taskId)
        .pexpire(key('app', task.appId), windowMs * 2)
        .sadd(key('apps'), task.appId)
        .exec();
    },

    async check() {
      const now = deps.clock.now();
      const alerts: RateAlert[] = [];
      for (const appId of (await deps.redis.smembers(key('apps'))).sort()) {
        const count = await CHECK.run(deps.redis, [key('app', appId), key('raised', appId), key('apps')], [now.getTime(), windowMs, threshold, appId]);
        if (typeof count !== 'number') continue;
        alerts.push({
          incidentId: `rate-${appSlug(appId)}-${now.getTime().toString(36)}`,
          appId,
          count,
          windowMs,
          threshold,
          at: now.toISOString(),
          headline: rateHeadline(appId, count, windowMs, threshold),
        });
      }
      return alerts;
    },
  };
}
