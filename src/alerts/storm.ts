/**
 * Storm grouping (Redis, atomic via Lua): one app's failures within a window share one incident
 * (one thread), digest updates are throttled, diagnoses are limited per app+host per window and
 * globally per minute, and a task id seen twice is handled once.
 *
 * Time comes from the injected Clock, and every expiry is checked against it inside the script
 * (Redis TTLs only collect garbage), so a simulated clock drives windows exactly.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../domain/index.js';
import { FailedTaskSchema, type FailedTask } from './failed-task.schema.js';
import { groupHeadline } from './headline.js';
import { appSlug } from './normalise.js';
import type { IncidentGroup } from './ports.js';
import { RedisScript } from '../shared/index.js';

export interface StormOptions {
  /** Failures of one app less than this apart share one group. @defaultValue 600000 (10 min) */
  windowMs?: number;
  /** Digest updates per thread per minute, at most. @defaultValue 20 */
  maxUpdatesPerMinute?: number;
  /** Diagnoses started per minute across all apps and hosts (token bucket). @defaultValue 30 */
  maxDiagnosesPerMinute?: number;
  /** How long a task id is remembered as handled. @defaultValue 86400000 (24 h) */
  seenTtlMs?: number;
}

export interface StormDeps extends StormOptions {
  redis: Redis;
  /** Key prefix, e.g. `sickbay:alerts`; tests use a unique one each. */
  prefix: string;
  clock: Clock;
}

/** What the storm decided for one failure. */
export type StormDecision =
  | { kind: 'duplicate'; taskId: string }
  | {
      kind: 'grouped';
      /** open: post the thread; update: edit the digest now; coalesced: a later flush will. */
      thread: 'open' | 'update' | 'coalesced';
      /** diagnose: start one now; throttled: the global bucket is empty; none: already done this window. */
      diagnosis: 'diagnose' | 'throttled' | 'none';
      group: IncidentGroup;
    };

// KEYS: 1 seen, 2 group, 3 hosts, 4 exits, 5 diag(app+host), 6 bucket, 7 pending
// ARGV: 1 now, 2 window, 3 seenTtl, 4 minUpdateInterval, 5 bucket capacity, 6 refill per ms,
//       7 host, 8 exit key, 9 candidate incident id, 10 app id, 11 task json
// Returns {'duplicate'} or {thread, diagnosis, id, count, firstAt, lastAt, latest, hosts[], exits[k,v,...]}
const HANDLE = new RedisScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local gc = window * 2
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then return {'duplicate'} end
local thread = 'update'
local expiresAt = tonumber(redis.call('HGET', KEYS[2], 'expiresAt') or '0')
if expiresAt <= now then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  redis.call('HSET', KEYS[2], 'id', ARGV[9], 'firstAt', ARGV[1], 'count', 0, 'lastUpdate', ARGV[1])
  thread = 'open'
end
local count = redis.call('HINCRBY', KEYS[2], 'count', 1)
redis.call('HSET', KEYS[2], 'lastAt', ARGV[1], 'expiresAt', tostring(now + window), 'latest', ARGV[11])
redis.call('SADD', KEYS[3], ARGV[7])
redis.call('HINCRBY', KEYS[4], ARGV[8], 1)
redis.call('PEXPIRE', KEYS[2], gc)
redis.call('PEXPIRE', KEYS[3], gc)
redis.call('PEXPIRE', KEYS[4], gc)
if thread ~= 'open' then
  local last = tonumber(redis.call('HGET', KEYS[2], 'lastUpdate'))
  if now - last >= tonumber(ARGV[4]) then
    redis.call('HSET', KEYS[2], 'lastUpdate', ARGV[1])
    redis.call('SREM', KEYS[7], ARGV[10])
  else
    thread = 'coalesced'
    redis.call('SADD', KEYS[7], ARGV[10])
  end
end
local diagnosis = 'none'
local diagUntil = tonumber(redis.call('GET', KEYS[5]) or '0')
if diagUntil <= now then
  local capacity = tonumber(ARGV[5])
  local bucket = redis.call('HMGET', KEYS[6], 'tokens', 'ts')
  local tokens = tonumber(bucket[1] or ARGV[5])
  local ts = tonumber(bucket[2] or ARGV[1])
  tokens = math.min(capacity, tokens + math.max(0, now - ts) * tonumber(ARGV[6]))
  if tokens >= 1 then
    tokens = tokens - 1
    diagnosis = 'diagnose'
    redis.call('SET', KEYS[5], tostring(now + window), 'PX', gc)
  else
    diagnosis = 'throttled'
  end
  redis.call('HSET', KEYS[6], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
  redis.call('PEXPIRE', KEYS[6], 3600000)
end
local g = redis.call('HMGET', KEYS[2], 'id', 'count', 'firstAt', 'lastAt', 'latest')
return {thread, diagnosis, g[1], g[2], g[3], g[4], g[5], redis.call('SMEMBERS', KEYS[3]), redis.call('HGETALL', KEYS[4])}
`);

// KEYS: 1 group, 2 hosts, 3 exits, 4 pending. ARGV: 1 now, 2 minUpdateInterval, 3 app id
// Returns nil (nothing due) or the same group tail as HANDLE.
const FLUSH = new RedisScript(`
local now = tonumber(ARGV[1])
local g = redis.call('HMGET', KEYS[1], 'id', 'count', 'firstAt', 'lastAt', 'latest', 'lastUpdate')
if not g[1] then
  redis.call('SREM', KEYS[4], ARGV[3])
  return nil
end
if now - tonumber(g[6]) < tonumber(ARGV[2]) then return nil end
redis.call('HSET', KEYS[1], 'lastUpdate', ARGV[1])
redis.call('SREM', KEYS[4], ARGV[3])
return {'update', 'none', g[1], g[2], g[3], g[4], g[5], redis.call('SMEMBERS', KEYS[2]), redis.call('HGETALL', KEYS[3])}
`);

type GroupReply = [string, string, string, string, string, string, string, string[], string[]];

function incidentIdFor(appId: string, nowMs: number): string {
  return `alert-${appSlug(appId)}-${nowMs.toString(36)}`;
}

function groupFrom(reply: GroupReply, appId: string): IncidentGroup {
  const [thread, , incidentId, count, firstAt, lastAt, latestJson, hosts, exitPairs] = reply;
  const exitCodes: Record<string, number> = {};
  for (let i = 0; i + 1 < exitPairs.length; i += 2) exitCodes[exitPairs[i] as string] = Number(exitPairs[i + 1]);
  const shape = {
    appId,
    count: Number(count),
    hosts: [...hosts].sort(),
    exitCodes,
    firstAt: new Date(Number(firstAt)).toISOString(),
    lastAt: new Date(Number(lastAt)).toISOString(),
  };
  return {
    ...shape,
    incidentId,
    update: thread === 'open' ? 'opened' : 'updated',
    latest: FailedTaskSchema.parse(JSON.parse(latestJson)),
    headline: groupHeadline(shape),
  };
}

export interface StormGrouper {
  /** Counts one failure into its app's group and says what to post and whether to diagnose. */
  handle(task: FailedTask): Promise<StormDecision>;
  /** Groups whose coalesced digest update is now due (call every few seconds). */
  flush(): Promise<IncidentGroup[]>;
}

export function createStormGrouper(deps: StormDeps): StormGrouper {
  const windowMs = deps.windowMs ?? 600_000;
  const minUpdateMs = Math.ceil(60_000 / (deps.maxUpdatesPerMinute ?? 20));
  const capacity = deps.maxDiagnosesPerMinute ?? 30;
  const seenTtlMs = deps.seenTtlMs ?? 86_400_000;
  const key = (...parts: string[]): string => [deps.prefix, ...parts].join(':');
  const groupKeys = (appId: string): [string, string, string] => [
    key('group', appId),
    key('group', appId, 'hosts'),
    key('group', appId, 'exits'),
  ];
  const pendingKey = key('pending');

  return {
    async handle(task) {
      const now = deps.clock.now().getTime();
      const reply = (await HANDLE.run(
        deps.redis,
        [
          key('seen', task.taskId),
          ...groupKeys(task.appId),
          key('diag', task.appId, task.host),
          key('bucket'),
          pendingKey,
        ],
        [
          now,
          windowMs,
          seenTtlMs,
          minUpdateMs,
          capacity,
          capacity / 60_000,
          task.host,
          task.exitStatus === undefined ? 'none' : String(task.exitStatus),
          incidentIdFor(task.appId, now),
          task.appId,
          JSON.stringify(task),
        ],
      )) as GroupReply | ['duplicate'];
      if (reply[0] === 'duplicate') return { kind: 'duplicate', taskId: task.taskId };
      const full = reply as GroupReply;
      return {
        kind: 'grouped',
        thread: full[0] as 'open' | 'update' | 'coalesced',
        diagnosis: full[1] as 'diagnose' | 'throttled' | 'none',
        group: groupFrom(full, task.appId),
      };
    },

    async flush() {
      const now = deps.clock.now().getTime();
      const apps = await deps.redis.smembers(pendingKey);
      const due: IncidentGroup[] = [];
      for (const appId of apps) {
        const reply = (await FLUSH.run(deps.redis, [...groupKeys(appId), pendingKey], [now, minUpdateMs, appId])) as GroupReply | null;
        if (reply) due.push(groupFrom(reply, appId));
      }
      return due;
    },
  };
}
