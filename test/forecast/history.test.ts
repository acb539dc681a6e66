import { describe, expect, it } from 'vitest';
import {
  compactSeries,
  decodeSeries,
  encodePoint,
  encodeSeries,
  historyDay,
  historyKey,
  needsCompaction,
  RECORD_BYTES,
  recordBytesPerDay,
  RESOURCE_KINDS,
  unitOf,
  type SeriesPoint,
} from '../../src/forecast/index.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { T0 } from './synthetic.js';

describe('history records', () => {
  it('are 16 bytes a sample, so a resource sampled every 15 minutes costs 1,536 bytes a day', () => {
    expect(RECORD_BYTES).toBe(16);
    expect(encodePoint('fs', { at: T0, used: 1024, total: 2048 })).toHaveLength(16);
    expect(recordBytesPerDay(1, 900)).toBe(1536);
    // A Docker host with 6 filesystems, their inode tables, a pool (data and metadata), 20 container logs and 2 gauges.
    expect(recordBytesPerDay(6 + 6 + 2 + 20 + 2, 900)).toBe(55_296);
  });

  it('lay out time, used and total big-endian, in KiB for byte kinds', () => {
    const record = encodePoint('fs', { at: 0x01020304, used: 5 * 1024, total: 2 ** 40 });
    expect([...record]).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 0, 5, 0, 0, 0x40, 0, 0, 0]);
  });

  it('round-trip df figures exactly (whole KiB) for every capacity kind, whatever the order written', () => {
    const next = seededRandom(1505);
    for (const kind of ['fs', 'thinpool_data', 'thinpool_metadata', 'container_log', 'inodes'] as const) {
      const points: SeriesPoint[] = Array.from({ length: 200 }, (_, i) => {
        const total = Math.floor(next() * 2 ** 36) * unitOf(kind) + unitOf(kind);
        return { at: T0 + i * 900, used: Math.floor(next() * (total / unitOf(kind))) * unitOf(kind), total };
      });
      const shuffled = [...points].sort(() => next() - 0.5);
      const data = encodeSeries(kind, shuffled);
      expect(data).toHaveLength(200 * RECORD_BYTES);
      expect(decodeSeries(kind, data)).toEqual(points);
    }
  });

  it('round docker info and du figures to the nearest KiB, and load to hundredths', () => {
    const [pool] = decodeSeries('thinpool_data', encodePoint('thinpool_data', { at: T0, used: 1.677e12, total: 1.677e12 }));
    expect(Math.abs((pool?.used ?? 0) - 1.677e12)).toBeLessThanOrEqual(512);
    const loads = [0, 0.07, 1.37, 5126.47, 0.005];
    const decoded = decodeSeries('load1', encodeSeries('load1', loads.map((used, i) => ({ at: T0 + i, used, total: 0 }))));
    expect(decoded.map((p) => p.used)).toEqual([0, 0.07, 1.37, 5126.47, 0.01]);
    expect(decodeSeries('dstate', encodePoint('dstate', { at: T0, used: 37, total: 0 }))).toEqual([{ at: T0, used: 37, total: 0 }]);
  });

  it('reach 256 PiB for byte kinds', () => {
    const huge = 255 * 2 ** 50;
    expect(decodeSeries('fs', encodePoint('fs', { at: T0, used: huge, total: huge }))).toEqual([{ at: T0, used: huge, total: huge }]);
    expect(() => encodePoint('fs', { at: T0, used: 2 ** 58 + 2 ** 20, total: 1 })).toThrow(expect.objectContaining({ code: 'sample_out_of_range' }));
  });

  it('keep the last record written for a second: a retried append does not double a sample', () => {
    const data = Buffer.concat([encodePoint('fs', { at: T0, used: 1024, total: 4096 }), encodePoint('fs', { at: T0, used: 2048, total: 4096 })]);
    expect(decodeSeries('fs', data)).toEqual([{ at: T0, used: 2048, total: 4096 }]);
  });

  it('refuse a stored value that is not a whole number of records', () => {
    const data = encodeSeries('fs', [{ at: T0, used: 1024, total: 4096 }]);
    expect(() => decodeSeries('fs', data.subarray(0, 15))).toThrow(expect.objectContaining({ code: 'history_corrupt' }));
    expect(() => decodeSeries('fs', Buffer.concat([data, Buffer.from('x')]))).toThrow(/17 bytes, not a whole number of 16-byte records/);
    expect(decodeSeries('fs', Buffer.alloc(0))).toEqual([]);
  });

  it.each([
    ['a negative used', { at: T0, used: -1, total: 1 }],
    ['a NaN total', { at: T0, used: 1, total: Number.NaN }],
    ['a fractional time', { at: T0 + 0.5, used: 1, total: 1 }],
    ['a time before 1970', { at: -1, used: 1, total: 1 }],
    ['a time in 1970, which would read as the compact form', { at: 86_400, used: 1, total: 1 }],
    ['a time past 2106', { at: 2 ** 32, used: 1, total: 1 }],
  ])('refuse to encode %s', (_, point) => {
    expect(() => encodePoint('inodes', point)).toThrow(expect.objectContaining({ code: 'sample_out_of_range' }));
  });

  it('decode a record read from a larger buffer at an offset', () => {
    const data = encodeSeries('inodes', [
      { at: T0, used: 1, total: 10 },
      { at: T0 + 1, used: 2, total: 10 },
    ]);
    const inside = new Uint8Array(Buffer.concat([Buffer.alloc(3), data])).subarray(3);
    expect(decodeSeries('inodes', inside)).toHaveLength(2);
  });
});

describe('compact history', () => {
  const day = (shape: (i: number) => number, total: number, jitter = 0): SeriesPoint[] => {
    const next = seededRandom(96);
    return Array.from({ length: 96 }, (_, i) => ({ at: T0 + i * 900 + Math.round((next() - 0.5) * jitter), used: shape(i), total }));
  };
  const KiB = 1024;
  const GiB = 1024 ** 3;

  it('round-trips random points exactly, falls and rises of any size included', () => {
    const next = seededRandom(2106);
    for (const kind of ['fs', 'inodes', 'container_log'] as const) {
      const points: SeriesPoint[] = Array.from({ length: 300 }, (_, i) => ({
        at: T0 + i * 900 + Math.floor(next() * 60),
        used: Math.floor(next() * 2 ** (next() < 0.1 ? 47 : 20)) * unitOf(kind),
        total: Math.floor(next() * 2 ** 47) * unitOf(kind),
      }));
      expect(decodeSeries(kind, compactSeries(kind, points))).toEqual(points);
      expect(decodeSeries(kind, compactSeries(kind, [...points].reverse()))).toEqual(points);
    }
    const loads = day((i) => Math.round(i * 7.31) / 100, 0);
    expect(decodeSeries('load1', compactSeries('load1', loads))).toEqual(loads);
    expect(decodeSeries('fs', compactSeries('fs', []))).toEqual([]);
  });

  it('decodes to what the fixed-width form of the same day decodes to', () => {
    const points = day((i) => 100 * GiB + i * 37 * KiB, 2 * 1024 * GiB, 30);
    expect(decodeSeries('fs', compactSeries('fs', points))).toEqual(decodeSeries('fs', encodeSeries('fs', points)));
  });

  it('stores a day of 15-minute samples in 4 to 7 bytes a sample', () => {
    const perSample = (kind: 'fs' | 'load1' | 'container_log', points: SeriesPoint[]) => (compactSeries(kind, points).length - 2) / points.length;
    // A filesystem of 2 TiB filling at 1 GiB an hour, sweeps jittered by up to ±30 s.
    const growing = perSample('fs', day((i) => 500 * GiB + i * 0.25 * GiB + (i % 3) * 4 * KiB, 2048 * GiB, 60));
    // The same, flat to the KiB, sweeps on time.
    const flat = perSample('fs', day(() => 500 * GiB, 2048 * GiB));
    // A container log growing a few MB per sweep, and the load.
    const log = perSample('container_log', day((i) => 10 * GiB + i * 3_000_000, 2048 * GiB, 60));
    const load = perSample('load1', day((i) => 1 + ((i * 37) % 100) / 100, 0, 60));
    expect(growing).toBeLessThanOrEqual(7);
    expect(flat).toBeLessThanOrEqual(4.2);
    expect(log).toBeLessThanOrEqual(7);
    expect(load).toBeLessThanOrEqual(5);
  });

  it('reads records appended after the compact points, and says such a day needs compacting again', () => {
    const points = day((i) => i * GiB, 1024 * GiB);
    const compact = compactSeries('fs', points);
    expect(needsCompaction('fs', compact)).toBe(false);
    expect(needsCompaction('fs', encodeSeries('fs', points))).toBe(true);
    // a sweep that sampled at 23:59 and wrote after midnight, and the same record retried
    const late = { at: (points.at(-1) as SeriesPoint).at + 60, used: 777 * GiB, total: 1024 * GiB };
    const withLate = Buffer.concat([compact, encodePoint('fs', late), encodePoint('fs', late)]);
    expect(decodeSeries('fs', withLate)).toEqual([...points, late]);
    expect(needsCompaction('fs', withLate)).toBe(true);
    expect(decodeSeries('fs', compactSeries('fs', decodeSeries('fs', withLate)))).toEqual([...points, late]);
  });

  it('still reads days in the first compact form (no point count)', () => {
    const points = day((i) => 100 * GiB + i * 37 * KiB, 2 * 1024 * GiB, 30);
    const v2 = compactSeries('fs', points);
    // version 1: the same deltas straight after a 0x00 0x01 header (96 points: a one-byte count)
    const v1 = Buffer.concat([Buffer.from([0x00, 0x01]), v2.subarray(3)]);
    expect(decodeSeries('fs', v1)).toEqual(points);
    expect(needsCompaction('fs', v1)).toBe(false);
  });

  it('refuses a compact form cut short, of another version, or with values out of range', () => {
    const data = compactSeries('fs', day((i) => i * GiB, 1024 * GiB));
    expect(() => decodeSeries('fs', data.subarray(0, data.length - 1))).toThrow(expect.objectContaining({ code: 'history_corrupt' }));
    expect(() => decodeSeries('fs', Buffer.from([0x00, 0x03, 0x01, 0x01, 0x01]))).toThrow(/has version 3/);
    expect(() => decodeSeries('fs', Buffer.from([0x00, 0x02]))).toThrow(/ends inside its point count/);
    expect(() => decodeSeries('fs', Buffer.concat([data, Buffer.alloc(5, 1)]))).toThrow(/not a whole number of 16-byte records after/);
    expect(() => decodeSeries('fs', Buffer.from([0x00, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/ends inside a record/);
    // A first time of 2 (zigzag 4): 1970, not a sample time.
    expect(() => decodeSeries('fs', Buffer.from([0x00, 0x01, 0x04, 0x00, 0x00]))).toThrow(/out of range/);
  });
});

describe('history keys', () => {
  it('put a sample in its UTC day, so that a day expires as a whole', () => {
    expect(historyDay(T0)).toBe(historyDay(T0 + 86_399));
    expect(historyDay(T0 + 86_400)).toBe(historyDay(T0) + 1);
    expect(historyKey('sickbay', { host: 'web-1', kind: 'fs', id: '/var', at: T0 })).toBe(`sickbay:cap:web-1:fs:/var:${T0 / 86_400}`);
  });

  it('have a unit for every kind', () => {
    for (const kind of RESOURCE_KINDS) expect(unitOf(kind)).toBeGreaterThan(0);
  });
});
