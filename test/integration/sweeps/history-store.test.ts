import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePoint, historyKey, needsCompaction, type CapacitySample } from '../../../src/forecast/index.js';
import { HistoryStore } from '../../../src/sweeps/index.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const DAY = 86_400;
/** 2026-12-03T00:00:00Z */
const D1 = 1_796_256_000;
const GiB = 1024 ** 3;

const fs = (at: number, used: number): CapacitySample => ({ host: 'host-a3-60-17', kind: 'fs', id: '/var/lib/docker', at, used, total: 100 * GiB });

describe('HistoryStore on a real Redis', () => {
  const prefix = uniquePrefix();
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await deleteUnder(prefix);
    redis.disconnect();
  });

  it('compacts the day before on the first sample of a day, keeping every point and the expiry', async () => {
    const store = new HistoryStore(redis, `${prefix}:a`);
    const day1 = Array.from({ length: 8 }, (_, i) => fs(D1 + i * 900, (10 + i) * GiB));
    for (const s of day1) await store.append(s.host, [s], 14);
    const key = historyKey(`${prefix}:a`, day1[0] as CapacitySample);
    expect(await redis.strlen(key)).toBe(8 * 16);
    await store.append('host-a3-60-17', [fs(D1 + DAY, 20 * GiB)], 14);
    const compact = await redis.getBuffer(key);
    expect(compact?.[0]).toBe(0x00);
    expect(compact?.length).toBeLessThan(8 * 16);
    expect(await redis.ttl(key)).toBeGreaterThan(13 * DAY);
    const points = await store.read('host-a3-60-17', 'fs:/var/lib/docker', D1, D1 + 2 * DAY);
    expect(points.map((p) => p.used / GiB)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 20]);
  });

  it('loses no record that lands while the day is being rewritten, and rewrites a day again when a late record is written to it', async () => {
    const store = new HistoryStore(redis, `${prefix}:b`);
    const day1 = Array.from({ length: 4 }, (_, i) => fs(D1 + i * 900, (30 + i) * GiB));
    for (const s of day1) await store.append(s.host, [s], 14);
    const key = historyKey(`${prefix}:b`, day1[0] as CapacitySample);
    // a sweep that sampled at 23:59 writes its record between the rewrite's read and its write
    const late = fs(D1 + DAY - 60, 99 * GiB);
    let raced = false;
    const racing = new Proxy(redis, {
      get(target, name, receiver) {
        if (name !== 'getBuffer') return Reflect.get(target, name, receiver);
        return async (k: string) => {
          const data = await target.getBuffer(k);
          if (!raced && k === key) {
            raced = true;
            await target.append(k, encodePoint('fs', { at: late.at, used: 99 * GiB, total: 100 * GiB }));
          }
          return data;
        };
      },
    });
    await new HistoryStore(racing, `${prefix}:b`).append('host-a3-60-17', [fs(D1 + DAY, 40 * GiB)], 14);
    const read = async () => (await store.read('host-a3-60-17', 'fs:/var/lib/docker', D1, D1 + DAY - 1)).map((p) => p.used / GiB);
    expect(raced).toBe(true);
    expect(await read()).toEqual([30, 31, 32, 33, 99]);
    expect((await redis.getBuffer(key))?.[0]).toBe(0x00);

    // a record written to the day after its rewrite is read with it, and rewrites the day again
    const compactLength = (await redis.getBuffer(key))?.length ?? 0;
    expect(compactLength % 16).not.toBe(0); // (how the store tells: the day is not whole records)
    await store.append('host-a3-60-17', [fs(D1 + DAY - 30, 98 * GiB)], 14);
    expect(await read()).toEqual([30, 31, 32, 33, 99, 98]);
    const data = (await redis.getBuffer(key)) as Buffer;
    expect(data[0]).toBe(0x00);
    expect(needsCompaction('fs', data)).toBe(false);
  });
});
