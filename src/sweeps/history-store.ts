import type { Redis } from 'ioredis';
import {
  compactSeries,
  decodeSeries,
  encodePoint,
  historyDay,
  historyKey,
  needsCompaction,
  parseResourceKey,
  pointOf,
  RECORD_BYTES,
  resourceKey,
  type CapacitySample,
  type ResourceKind,
  type SeriesPoint,
} from '../forecast/index.js';
import { RedisScript } from '../shared/index.js';

const DAY = 86_400;

/**
 * SET KEYS[1] to ARGV[2] only if it is still ARGV[1] bytes long: appends are the only other writes,
 * so an unchanged length means no record landed between reading the day and rewriting it.
 */
const REPLACE_IF_UNCHANGED = new RedisScript(`
if redis.call('STRLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`);
/** How often a rewrite that lost to a concurrent append reads the day again (then the next sweep tries). */
const COMPACT_ATTEMPTS = 3;

/**
 * Capacity history in Redis (formats: forecast/history.ts, sizes: docs/forecast.md).
 *
 * - `PREFIX:cap:HOST:KIND:ID:DAY`: one string per host, resource and UTC day. A sweep APPENDs a
 *   16-byte record without reading; the first record of a new day rewrites the day before once,
 *   compact (4-7 bytes a sample), atomically against appends. Every key expires `retentionDays` after its last write, so a
 *   host's history is bounded by retention × resources × samples a day, and a resource that is
 *   gone (a removed container's log) takes its keys with it.
 * - `PREFIX:cap:HOST:resources`: a hash, resource key → Unix seconds it was last sampled: what a
 *   reader lists without SCAN. Entries older than the retention are dropped on each write.
 */
export class HistoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  resourcesKey(host: string): string {
    return `${this.prefix}:cap:${host}:resources`;
  }

  /** Stores one sweep's samples of one host; compacts each resource's previous day on its first record of a day. */
  async append(host: string, samples: readonly CapacitySample[], retentionDays: number): Promise<void> {
    if (!samples.length) return;
    const ttl = retentionDays * DAY;
    const index = this.resourcesKey(host);
    const pipe = this.redis.pipeline();
    for (const s of samples) {
      const key = historyKey(this.prefix, s);
      pipe.append(key, encodePoint(s.kind, pointOf(s)));
      pipe.expire(key, ttl);
      pipe.hset(index, resourceKey(s), String(s.at));
    }
    pipe.expire(index, ttl);
    const replies = (await pipe.exec()) ?? [];
    const lengths = samples.map((_, i) => Number(replies[i * 3]?.[1]));
    const firstOfDay = samples.filter((_, i) => lengths[i] === RECORD_BYTES);
    // a length that is not whole records: the record landed after a day's compact points (a sweep
    // that sampled before midnight and wrote after); that day is rewritten again (when the compact
    // part happens to be whole records long it is missed, and read correctly all the same)
    const lateToCompacted = samples.filter((_, i) => (lengths[i] as number) % RECORD_BYTES !== 0);
    await Promise.all([
      ...firstOfDay.map((s) => this.compactDay(s.kind, historyKey(this.prefix, { ...s, at: s.at - DAY }))),
      ...lateToCompacted.map((s) => this.compactDay(s.kind, historyKey(this.prefix, s))),
    ]);
    await this.prune(host, Math.max(...samples.map((s) => s.at)) - ttl);
  }

  /**
   * Rewrites a closed day in the compact form, keeping its expiry; a day already compact or gone is
   * left. Atomic against appends: a record that lands while the day is being rewritten makes the
   * rewrite stand down and start again, so it is never lost.
   */
  private async compactDay(kind: ResourceKind, key: string): Promise<void> {
    for (let attempt = 0; attempt < COMPACT_ATTEMPTS; attempt++) {
      const data = await this.redis.getBuffer(key);
      if (!data || !needsCompaction(kind, data)) return;
      const replaced = await REPLACE_IF_UNCHANGED.run(this.redis, [key], [data.length, compactSeries(kind, decodeSeries(kind, data))]);
      if (replaced === 1) return;
    }
  }

  private async prune(host: string, before: number): Promise<void> {
    const index = this.resourcesKey(host);
    const all = await this.redis.hgetall(index);
    const old = Object.entries(all).filter(([, at]) => Number(at) < before).map(([k]) => k);
    if (old.length) await this.redis.hdel(index, ...old);
  }

  /** Resources of a host sampled within the retention, with when each was last seen. */
  async resources(host: string): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.resourcesKey(host));
    return new Map(Object.entries(all).map(([k, at]) => [k, Number(at)]));
  }

  /** One resource's points from `from` to `to` (Unix seconds), oldest first. */
  async read(host: string, resource: string, from: number, to: number): Promise<SeriesPoint[]> {
    const { kind, id } = parseResourceKey(resource);
    const keys: string[] = [];
    for (let day = historyDay(from); day <= historyDay(to); day++) keys.push(historyKey(this.prefix, { host, kind, id, at: day * DAY }));
    const days = await this.redis.mgetBuffer(...keys);
    const points: SeriesPoint[] = [];
    for (const data of days) if (data?.length) points.push(...decodeSeries(kind, data));
    return points.filter((p) => p.at >= from && p.at <= to).sort((a, b) => a.at - b.at);
  }

  /** Every key of a host's history (for MEMORY USAGE figures and tests). */
  async keys(host: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:cap:${host}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }
}
