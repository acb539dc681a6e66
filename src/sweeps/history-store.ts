import type { Redis } from 'ioredis';
import {
  compactSeries,
  decodeSeries,
  encodePoint,
  historyDay,
  historyKey,
  parseResourceKey,
  pointOf,
  RECORD_BYTES,
  resourceKey,
  type CapacitySample,
  type ResourceKind,
  type SeriesPoint,
} from '../forecast/index.js';

const DAY = 86_400;

/**
 * Capacity history in Redis (formats: forecast/history.ts, sizes: docs/forecast.md).
 *
 * - `PREFIX:cap:HOST:KIND:ID:DAY`: one string per host, resource and UTC day. A sweep APPENDs a
 *   16-byte record without reading; the first record of a new day rewrites the day before once,
 *   compact (4-7 bytes a sample). Every key expires `retentionDays` after its last write, so a
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
    const firstOfDay = samples.filter((_, i) => replies[i * 3]?.[1] === RECORD_BYTES);
    await Promise.all(firstOfDay.map((s) => this.compactDay(s.kind, historyKey(this.prefix, { ...s, at: s.at - DAY }))));
    await this.prune(host, Math.max(...samples.map((s) => s.at)) - ttl);
  }

  /** Rewrites a closed day in the compact form, keeping its expiry; a day already compact or gone is left. */
  private async compactDay(kind: ResourceKind, key: string): Promise<void> {
    const data = await this.redis.getBuffer(key);
    if (!data || data.length === 0 || data[0] === 0x00) return;
    await this.redis.set(key, compactSeries(kind, decodeSeries(kind, data)), 'KEEPTTL');
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
