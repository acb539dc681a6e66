import { ForecastError } from './forecast-errors.js';
import { MIN_SAMPLE_TIME, type CapacitySample, type ResourceKind } from './samples.js';

/**
 * The stored history of one resource, in two forms.
 *
 * The day being written: fixed-width 16-byte records, appended in time order.
 *
 *   bytes 0-3    at     Unix seconds, unsigned big-endian (good until 2106)
 *   bytes 4-9    used   unsigned 48-bit big-endian, in the kind's unit
 *   bytes 10-15  total  unsigned 48-bit big-endian, in the kind's unit (0 for gauges)
 *
 * Units: KiB for byte kinds (df counts 1 KiB blocks, so df figures round-trip exactly; docker info
 * and du figures are rounded to the nearest KiB, far below what a forecast can tell apart), so
 * 48 bits reach 256 PiB; one inode for inodes, one process for dstate, 1/100 for load1.
 *
 * Fixed width because a sweep can then APPEND a record to a Redis string without reading it
 * first, and a reader can GETRANGE the last N records. One string per host, resource and UTC day
 * (historyKey) with an expiry of the retention: at a 15-minute cadence a resource costs
 * 96 × 16 = 1,536 bytes of records a day.
 *
 * A closed day: compactSeries rewrites it once as a two-byte header (0x00 0x02; a fixed-width
 * record cannot start with 0x00, as times before 1970-07-14 are refused), the number of points as a
 * varint, then deltas in zigzag varints: 4 to 7 bytes a sample instead of 16 (see
 * test/forecast/history.test.ts for measured sizes), and a SET of the exact size also drops the
 * slack Redis keeps after APPENDs. A record appended to a day after it was compacted (a sweep that
 * sampled before midnight and wrote after) follows the compact points as a fixed-width record, read
 * like any other and folded in by the next compaction. Version 1 (no count, no records after) is
 * still read. decodeSeries reads every form. Sizes in Redis: docs/forecast.md.
 */
export const RECORD_BYTES = 16;

/** One point of a series: Unix seconds and the kind's natural unit (bytes, inodes, count, load). */
export interface SeriesPoint {
  at: number;
  used: number;
  total: number;
}

const MAX_U48 = 2 ** 48 - 1;
const COMPACT_HEADER = [0x00, 0x02] as const;
/** The first compact form: points to the end, nothing after them. */
const COMPACT_V1 = 0x01;
const BYTE_KINDS: ReadonlySet<ResourceKind> = new Set(['fs', 'thinpool_data', 'thinpool_metadata', 'container_log']);

/** How many natural units one stored unit is, for a kind. */
export function unitOf(kind: ResourceKind): number {
  if (BYTE_KINDS.has(kind)) return 1024;
  return kind === 'load1' ? 0.01 : 1;
}

/** A sample as a series point: gauges carry their value in `used` and a total of 0. */
export function pointOf(sample: CapacitySample): SeriesPoint {
  return 'value' in sample ? { at: sample.at, used: sample.value, total: 0 } : { at: sample.at, used: sample.used, total: sample.total };
}

function stored(kind: ResourceKind, field: 'used' | 'total', value: number, at: number): number {
  const units = Math.round(value / unitOf(kind));
  if (!Number.isFinite(value) || value < 0 || units > MAX_U48) {
    throw new ForecastError('sample_out_of_range', `a ${kind} sample at ${at} has ${field} ${value}, outside what the history can store (0 to ${MAX_U48} × ${unitOf(kind)})`);
  }
  return units;
}

/** One record (RECORD_BYTES long) for one point of a resource of `kind`. */
export function encodePoint(kind: ResourceKind, point: SeriesPoint): Buffer {
  checkTime(kind, point.at);
  const record = Buffer.alloc(RECORD_BYTES);
  record.writeUInt32BE(point.at, 0);
  record.writeUIntBE(stored(kind, 'used', point.used, point.at), 4, 6);
  record.writeUIntBE(stored(kind, 'total', point.total, point.at), 10, 6);
  return record;
}

function checkTime(kind: ResourceKind, at: number): void {
  if (!Number.isInteger(at) || at < MIN_SAMPLE_TIME || at > 0xffff_ffff) {
    throw new ForecastError('sample_out_of_range', `a ${kind} sample has time ${at}: the history stores whole Unix seconds from 1970-07-14 to 2106`);
  }
}

export function encodeSeries(kind: ResourceKind, points: readonly SeriesPoint[]): Buffer {
  return Buffer.concat(points.map((p) => encodePoint(kind, p)));
}

/**
 * The points of a stored series, oldest first, from either form. Records may come in any order
 * and twice (a sweep retried after its append landed): they are sorted by time and the last one
 * written for a second wins. Bytes that are not a whole number of records, or a compact form cut
 * short, mean the key was written by something else, and are refused rather than read askew.
 */
export function decodeSeries(kind: ResourceKind, data: Uint8Array): SeriesPoint[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  const unit = unitOf(kind);
  const byTime = new Map<number, SeriesPoint>();
  const put = (at: number, used: number, total: number): void => {
    byTime.set(at, { at, used: scale(used, unit), total: scale(total, unit) });
  };
  const records = buf[0] === COMPACT_HEADER[0] ? readCompact(kind, buf, put) : 0;
  if ((buf.length - records) % RECORD_BYTES !== 0) {
    throw new ForecastError(
      'history_corrupt',
      `the stored ${kind} history is ${buf.length} bytes, not a whole number of ${RECORD_BYTES}-byte records${records ? ` after ${records} bytes of compact points` : ''}: it was not written by this version`,
    );
  }
  for (let off = records; off < buf.length; off += RECORD_BYTES) put(buf.readUInt32BE(off), buf.readUIntBE(off + 4, 6), buf.readUIntBE(off + 10, 6));
  return [...byTime.values()].sort((a, b) => a.at - b.at);
}

/**
 * Whether a stored day is worth rewriting with compactSeries: it is in the fixed-width form, or
 * records were appended after its compact points. A clean compact day is left as it is.
 */
export function needsCompaction(kind: ResourceKind, data: Uint8Array): boolean {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (buf.length === 0) return false;
  if (buf[0] !== COMPACT_HEADER[0]) return true;
  return readCompact(kind, buf, () => undefined) < buf.length;
}

/**
 * A closed day's points in the compact form: the header, then per point the zigzag varints of
 * the change of time, used and total (in stored units) since the point before (the first from 0).
 * Points are sorted and deduplicated first, as decodeSeries would read them.
 */
export function compactSeries(kind: ResourceKind, points: readonly SeriesPoint[]): Buffer {
  const bytes: number[] = [...COMPACT_HEADER];
  let prev = [0, 0, 0];
  const sorted = [...new Map(points.map((p) => [p.at, p])).values()].sort((a, b) => a.at - b.at);
  writeVarint(bytes, sorted.length);
  for (const p of sorted) {
    checkTime(kind, p.at);
    const now = [p.at, stored(kind, 'used', p.used, p.at), stored(kind, 'total', p.total, p.at)];
    now.forEach((v, i) => writeVarint(bytes, zigzag(v - (prev[i] as number))));
    prev = now;
  }
  return Buffer.from(bytes);
}

/** Reads the compact points at the start of `buf`; returns where they end (fixed-width records may follow). */
function readCompact(kind: ResourceKind, buf: Buffer, put: (at: number, used: number, total: number) => void): number {
  const corrupt = (why: string) => new ForecastError('history_corrupt', `the stored ${kind} history (compact form, ${buf.length} bytes) ${why}: it was not written by this version`);
  const version = buf[1];
  if (version !== COMPACT_HEADER[1] && version !== COMPACT_V1) throw corrupt(`has version ${version ?? 'none'}`);
  let off: number = COMPACT_HEADER.length;
  let count = Infinity;
  if (version === COMPACT_HEADER[1]) {
    const read = readVarint(buf, off);
    if (!read) throw corrupt('ends inside its point count');
    count = read.value;
    off = read.next;
  }
  let values = [0, 0, 0];
  for (let n = 0; n < count && (version === COMPACT_HEADER[1] || off < buf.length); n++) {
    const next: number[] = [];
    for (let i = 0; i < 3; i++) {
      const read = readVarint(buf, off);
      if (!read) throw corrupt(`ends inside a record at byte ${off}`);
      off = read.next;
      next.push((values[i] as number) + unzigzag(read.value));
    }
    const [at, used, total] = next as [number, number, number];
    if (at < MIN_SAMPLE_TIME || at > 0xffff_ffff || used < 0 || used > MAX_U48 || total < 0 || total > MAX_U48) throw corrupt(`holds a value out of range near byte ${off}`);
    put(at, used, total);
    values = next;
  }
  return off;
}

/** Zigzag keeps small negative changes small; arithmetic, not bit operators, as values pass 2^32. */
function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) + 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** At most 8 bytes (56 bits, beyond any zigzagged 49-bit change); undefined when cut short or too long. */
function readVarint(buf: Buffer, start: number): { value: number; next: number } | undefined {
  let value = 0;
  let mult = 1;
  for (let off = start; off < buf.length && off < start + 8; off++) {
    const b = buf[off] as number;
    value += (b & 0x7f) * mult;
    if (b < 0x80) return { value, next: off + 1 };
    mult *= 0x80;
  }
  return undefined;
}

/** Hundredths stay two-decimal numbers (1.37, not 1.3700000000000001). */
function scale(units: number, unit: number): number {
  return unit < 1 ? units / Math.round(1 / unit) : units * unit;
}

/** The UTC day a time falls in: the history key's last part, so a day's key expires as a whole. */
export function historyDay(at: number): number {
  return Math.floor(at / 86_400);
}

/** `PREFIX:cap:HOST:KIND:ID:DAY`, the Redis string a sample is appended to. */
export function historyKey(prefix: string, sample: Pick<CapacitySample, 'host' | 'kind' | 'id' | 'at'>): string {
  return `${prefix}:cap:${sample.host}:${sample.kind}:${sample.id}:${historyDay(sample.at)}`;
}

/** Record bytes a host stores a day: resources × samples a day × RECORD_BYTES (Redis's own overhead apart). */
export function recordBytesPerDay(resources: number, cadenceSeconds: number): number {
  return resources * Math.ceil(86_400 / cadenceSeconds) * RECORD_BYTES;
}
