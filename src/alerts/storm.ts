/**
 * Storm grouping (Redis, atomic via Lua): one app's failures (one Alertmanager group's alerts) within a window share one incident
 * (one thread), digest updates are throttled, diagnoses are limited per app+host per window and
 * globally per minute, and a task id seen twice is handled once.
 *
 * Time comes from the injected Clock, and every expiry is checked against it inside the script
 * (Redis TTLs only collect garbage), so a simulated clock drives windows exactly.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../domain/index.js';
import { eventIdOf, FailedTaskSchema, groupOf, type FailedTask } from './failed-task.schema.js';
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

// KEYS: 1 seen, 2 group, 3 hosts, 4 exits, 5 diag(group+host), 6 bucket, 7 pending, 8 firing alert keys
// ARGV: 1 now, 2 window, 3 seenTtl, 4 minUpdateInterval, 5 bucket capacity, 6 refill per ms,
//       7 host ('' when unknown: no diagnosis), 8 exit key, 9 candidate incident id, 10 group, 11 task json,
//       12 the event's own time (ms), 13 how long a group is kept for resolved alerts (ms), 14 alert key ('' for tasks)
// Returns {'duplicate'} or {thread, diagnosis, id, count, firstAt, lastAt, latest, hosts[], exits[k,v,...], resolved, resolvedAt}
// Windows run on `now`; firstAt/lastAt shown are the events' own times.
const HANDLE = new RedisScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local gc = math.max(window * 2, tonumber(ARGV[13]))
local eventAt = tonumber(ARGV[12])
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then return {'duplicate'} end
local thread = 'update'
local expiresAt = tonumber(redis.call('HGET', KEYS[2], 'expiresAt') or '0')
if expiresAt <= now then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[8])
  redis.call('HSET', KEYS[2], 'id', ARGV[9], 'firstAt', ARGV[12], 'lastAt', ARGV[12], 'count', 0, 'resolved', 0, 'lastUpdate', ARGV[1])
  thread = 'open'
end
local count = redis.call('HINCRBY', KEYS[2], 'count', 1)
if eventAt < tonumber(redis.call('HGET', KEYS[2], 'firstAt')) then redis.call('HSET', KEYS[2], 'firstAt', ARGV[12]) end
if eventAt >= tonumber(redis.call('HGET', KEYS[2], 'lastAt')) then redis.call('HSET', KEYS[2], 'lastAt', ARGV[12], 'latest', ARGV[11]) end
redis.call('HSET', KEYS[2], 'expiresAt', tostring(now + window))
if ARGV[7] ~= '' then redis.call('SADD', KEYS[3], ARGV[7]) end
if ARGV[14] ~= '' then
  redis.call('SADD', KEYS[8], ARGV[14])
  redis.call('PEXPIRE', KEYS[8], gc)
end
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
if ARGV[7] ~= '' and diagUntil <= now then
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
local g = redis.call('HMGET', KEYS[2], 'id', 'count', 'firstAt', 'lastAt', 'latest', 'resolved', 'resolvedAt')
return {thread, diagnosis, g[1], g[2], g[3], g[4], g[5], redis.call('SMEMBERS', KEYS[3]), redis.call('HGETALL', KEYS[4]), g[6] or '0', g[7] or ''}
`);

// A resolved alert: counted into its group when it fired there and the group is still kept; the thread
// is then edited. KEYS: 1 seen (the resolved event), 2 group, 3 hosts, 4 exits, 5 firing alert keys.
// ARGV: 1 seenTtl, 2 the event's time (ms), 3 alert key.
// Returns {'duplicate'}, {'none'} (no group, or the alert never fired in it) or the group tail as HANDLE.
const RESOLVE = new RedisScript(`
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return {'duplicate'} end
if redis.call('HEXISTS', KEYS[2], 'id') == 0 then return {'none'} end
if redis.call('SREM', KEYS[5], ARGV[3]) == 0 then return {'none'} end
redis.call('HINCRBY', KEYS[2], 'resolved', 1)
local last = tonumber(redis.call('HGET', KEYS[2], 'resolvedAt') or '0')
if tonumber(ARGV[2]) > last then redis.call('HSET', KEYS[2], 'resolvedAt', ARGV[2]) end
local g = redis.call('HMGET', KEYS[2], 'id', 'count', 'firstAt', 'lastAt', 'latest', 'resolved', 'resolvedAt')
return {'update', 'none', g[1], g[2], g[3], g[4], g[5], redis.call('SMEMBERS', KEYS[3]), redis.call('HGETALL', KEYS[4]), g[6] or '0', g[7] or ''}
`);

// KEYS: 1 group, 2 hosts, 3 exits, 4 pending. ARGV: 1 now, 2 minUpdateInterval, 3 app id
// Returns nil (nothing due) or the same group tail as HANDLE.
const FLUSH = new RedisScript(`
local now = tonumber(ARGV[1])
local g = redis.call('HMGET', KEYS[1], 'id', 'count', 'firstAt', 'lastAt', 'latest', 'lastUpdate', 'resolved', 'resolvedAt')
if not g[1] then
  redis.call('SREM', KEYS[4], ARGV[3])
  return nil
end
if now - tonumber(g[6]) < tonumber(ARGV[2]) then return nil end
redis.call('HSET', KEYS[1], 'lastUpdate', ARGV[1])
redis.call('SREM', KEYS[4], ARGV[3])
return {'update', 'none', g[1], g[2], g[3], g[4], g[5], redis.call('SMEMBERS', KEYS[2]), redis.call('HGETALL', KEYS[3]), g[7] or '0', g[8] or ''}
`);

type GroupReply = [string, string, string, string, string, string, string, string[], string[], string, string];

/** The name a group goes by in its incident id: the app, else the alert's name (`[a-z0-9.-]`). */
function incidentIdFor(task: FailedTask, nowMs: number): string {
  const name = task.appId ?? `/${(task.alert?.name ?? 'alert').toLowerCase()}`;
  return `alert-${appSlug(name) || 'alert'}-${nowMs.toString(36)}`;
}

function groupFrom(reply: GroupReply, group: string): IncidentGroup {
  const [thread, , incidentId, count, firstAt, lastAt, latestJson, hosts, exitPairs, resolved, resolvedAt] = reply;
  const exitCodes: Record<string, number> = {};
  for (let i = 0; i + 1 < exitPairs.length; i += 2) exitCodes[exitPairs[i] as string] = Number(exitPairs[i + 1]);
  const latest = FailedTaskSchema.parse(JSON.parse(latestJson));
  const shape = {
    ...(latest.appId ? { appId: latest.appId } : {}),
    ...(latest.alert ? { alertName: latest.alert.name } : {}),
    count: Number(count),
    hosts: [...hosts].sort(),
    exitCodes,
    firstAt: new Date(Number(firstAt)).toISOString(),
    lastAt: new Date(Number(lastAt)).toISOString(),
    resolved: Number(resolved),
    ...(resolvedAt ? { resolvedAt: new Date(Number(resolvedAt)).toISOString() } : {}),
  };
  return {
    ...shape,
    group,
    incidentId,
    update: thread === 'open' ? 'opened' : 'updated',
    latest,
    headline: groupHeadline(shape),
  };
}

export interface StormGrouper {
  /** Counts one failure into its app's group and says what to post and whether to diagnose. */
  handle(task: FailedTask): Promise<StormDecision>;
  /** Counts a resolved alert into its group: the group to edit, or undefined when there is none any more. */
  resolve(task: FailedTask): Promise<{ kind: 'duplicate' } | { kind: 'resolved'; group?: IncidentGroup }>;
  /** Groups whose coalesced digest update is now due (call every few seconds). */
  flush(): Promise<IncidentGroup[]>;
}

export function createStormGrouper(deps: StormDeps): StormGrouper {
  const windowMs = deps.windowMs ?? 600_000;
  const minUpdateMs = Math.ceil(60_000 / (deps.maxUpdatesPerMinute ?? 20));
  const capacity = deps.maxDiagnosesPerMinute ?? 30;
  const seenTtlMs = deps.seenTtlMs ?? 86_400_000;
  const key = (...parts: string[]): string => [deps.prefix, ...parts].join(':');
  const groupKeys = (group: string): [string, string, string] => [
    key('group', group),
    key('group', group, 'hosts'),
    key('group', group, 'exits'),
  ];
  const eventMs = (task: FailedTask): number => Date.parse(task.at);
  const pendingKey = key('pending');

  return {
    async handle(task) {
      const now = deps.clock.now().getTime();
      const group = groupOf(task);
      const reply = (await HANDLE.run(
        deps.redis,
        [
          key('seen', eventIdOf(task)),
          ...groupKeys(group),
          key('diag', group, task.host ?? '-'),
          key('bucket'),
          pendingKey,
          key('group', group, 'firing'),
        ],
        [
          now,
          windowMs,
          seenTtlMs,
          minUpdateMs,
          capacity,
          capacity / 60_000,
          task.host ?? '',
          task.exitStatus === undefined ? 'none' : String(task.exitStatus),
          incidentIdFor(task, now),
          group,
          JSON.stringify(task),
          eventMs(task),
          seenTtlMs,
          task.alert?.key ?? '',
        ],
      )) as GroupReply | ['duplicate'];
      if (reply[0] === 'duplicate') return { kind: 'duplicate', taskId: eventIdOf(task) };
      const full = reply as GroupReply;
      return {
        kind: 'grouped',
        thread: full[0] as 'open' | 'update' | 'coalesced',
        diagnosis: full[1] as 'diagnose' | 'throttled' | 'none',
        group: groupFrom(full, group),
      };
    },

    async resolve(task) {
      const group = groupOf(task);
      const keys = [key('seen', eventIdOf(task)), ...groupKeys(group), key('group', group, 'firing')];
      const reply = (await RESOLVE.run(deps.redis, keys, [seenTtlMs, eventMs(task), task.alert?.key ?? ''])) as GroupReply | ['duplicate'] | ['none'];
      if (reply[0] === 'duplicate') return { kind: 'duplicate' };
      if (reply[0] === 'none') return { kind: 'resolved' };
      return { kind: 'resolved', group: groupFrom(reply as GroupReply, group) };
    },

    async flush() {
      const now = deps.clock.now().getTime();
      const apps = await deps.redis.smembers(pendingKey);
      const due: IncidentGroup[] = [];
      for (const group of apps) {
        const reply = (await FLUSH.run(deps.redis, [...groupKeys(group), pendingKey], [now, minUpdateMs, group])) as GroupReply | null;
        if (reply) due.push(groupFrom(reply, group));
      }
      return due;
    },
  };
}
