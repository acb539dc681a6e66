import { HOST_OFFSET_UNKNOWN, type Bundle, type Moment, type Seen } from '../../domain/index.js';
import type { LogLine } from '../parsers/log-line.js';
import { parseHostEpoch, parseLineTime, parseUptimeClock, parseUptimeReading, type LineTime } from '../parsers/log-time.js';

/**
 * The host's clock as the bundle shows it: when it was collected (meta.json), the host's UTC offset
 * (an ISO zone in its logs, else `uptime`'s wall-clock time against the collection time) and when
 * it booted (collection time less the uptime), which turns dmesg's seconds since boot into times.
 */
export interface HostClock {
  collectedAt?: Date;
  /** Minutes east of UTC; undefined when nothing in the bundle tells (times are then read as UTC). */
  offsetMinutes?: number;
  bootAt?: Date;
  /**
   * How far bootAt, and so every time placed from the kernel's seconds since boot, may be off: the
   * reading's resolution, the drift of the kernel's clock (NTP steers the wall clock, not it), and,
   * where the host did not say its own time beside the uptime, the wait between the collection's
   * start and the step plus any skew between the worker's clock and the host's.
   */
  bootErrorMs?: number;
  /** The drift part alone: what `dmesg -T`, which places lines from the same clock, is off by beyond its second. */
  driftMs?: number;
  /**
   * The host's clock less the worker's, where the host said its own time (beside its uptime) and the
   * two differ by a minute or more: the host's events are in its own clock, so "ago" is counted on it.
   */
  skewMs?: number;
}

/** Below this, a host's clock and the worker's agree as far as "ago" in minutes can tell (the reading waits on the login shell too). */
const SKEW_SHOWN_MS = 60_000;

/** How far printk's clock may drift from the wall clock, per second of uptime: 100 ppm, a generous crystal's. */
const KERNEL_CLOCK_DRIFT = 1e-4;
/** The collection's start to the uptime step, and the worker's clock to the host's, where the host gave no time of its own. */
const UNTIMED_READING_ERROR_MS = 5000;
/** The least a kernel time is trusted to: the time it takes a killed task's exit to reach anyone. */
const KERNEL_TIME_FLOOR_MS = 500;

const LOG_SPECS = ['journal_docker', 'messages', 'dmesg'] as const;
/** How many of a log's first lines are searched for the host's time zone. */
export const ZONE_SCAN_LINES = 200;

export function buildClock(bundle: Bundle): HostClock {
  const clock: HostClock = {};
  const collected = bundle.meta.collected_at ? Date.parse(bundle.meta.collected_at) : NaN;
  if (Number.isFinite(collected)) clock.collectedAt = new Date(collected);
  const uptime = bundle.files.get('uptime');
  // The host's own time, read with the uptime: its clock, which its logs and Docker's times are in.
  const hostNow = uptime === undefined ? undefined : parseHostEpoch(uptime);
  if (hostNow && clock.collectedAt && Math.abs(hostNow.ms - clock.collectedAt.getTime()) >= SKEW_SHOWN_MS) clock.skewMs = hostNow.ms - clock.collectedAt.getTime();
  const hostTime = hostNow ? new Date(hostNow.ms) : clock.collectedAt;
  const offset = zoneOfLogs(bundle) ?? (uptime && hostTime ? offsetFromUptime(uptime, hostTime) : undefined);
  if (offset !== undefined) clock.offsetMinutes = offset;
  const up = uptime === undefined ? undefined : parseUptimeReading(uptime);
  if (up === undefined || uptime === undefined) return clock;
  // boot in the host's clock, without the wait before the step; the collection's start is the fallback
  const now = hostNow?.ms ?? clock.collectedAt?.getTime();
  if (now === undefined) return clock;
  clock.bootAt = new Date(now - up.seconds * 1000);
  clock.driftMs = Math.round(up.seconds * 1000 * KERNEL_CLOCK_DRIFT);
  clock.bootErrorMs = Math.max(KERNEL_TIME_FLOOR_MS, up.resolutionMs + (hostNow ? hostNow.resolutionMs : UNTIMED_READING_ERROR_MS) + clock.driftMs);
  return clock;
}

/**
 * How far a time read off a clock of this kind may be from the true instant, in ms: Docker's RFC
 * 3339 times are exact; journal and syslog lines, and `dmesg -T`, are to the second; a kernel line's
 * seconds since boot is as good as the boot time it is added to.
 */
export function clockErrorMs(kind: ClockKind | undefined, clock: HostClock): number {
  switch (kind) {
    case 'docker':
      return 0;
    case 'dmesg-uptime':
      return clock.bootErrorMs ?? Number.POSITIVE_INFINITY;
    case 'dmesg-T':
      return 1000 + (clock.driftMs ?? 0);
    default:
      return 1000;
  }
}

/** The first ISO 8601 zone in the host's own logs (journalctl -o short-iso, rsyslog's RFC 3339). */
function zoneOfLogs(bundle: Bundle): number | undefined {
  for (const spec of LOG_SPECS) {
    const text = bundle.files.get(spec);
    if (!text) continue;
    for (const line of text.split('\n', ZONE_SCAN_LINES)) {
      const t = parseLineTime(line);
      if (t?.kind === 'instant' && t.format === 'iso') return t.offsetMinutes;
    }
  }
  return undefined;
}

/**
 * `uptime` ran as the bundle was collected: its wall-clock time less the UTC time (the host's own,
 * where it said it, else the collection's), taken as the
 * UTC offset in use within 7.5 minutes of it. A difference near no zone's offset (+06:15) is a
 * host clock that is off, or an uptime that did not run now: the offset is then unknown, not guessed.
 */
function offsetFromUptime(text: string, at: Date): number | undefined {
  const local = parseUptimeClock(text);
  if (local === undefined) return undefined;
  const utc = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds();
  let diff = local - utc;
  if (diff > 14 * 3600) diff -= 86_400;
  if (diff < -12 * 3600) diff += 86_400;
  return zoneOffsets().find((minutes) => Math.abs(diff - minutes * 60) <= 450);
}

let knownOffsets: readonly number[] | undefined;
/** Every UTC offset, in minutes, that some time zone of the runtime's tz database has in January or July. */
function zoneOffsets(): readonly number[] {
  if (knownOffsets) return knownOffsets;
  const offsets = new Set<number>();
  const instants = [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)].map((ms) => new Date(ms));
  for (const timeZone of Intl.supportedValuesOf('timeZone')) {
    const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    for (const instant of instants) {
      const name = format.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '';
      const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
      if (m) offsets.add(m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0);
    }
  }
  knownOffsets = [...offsets].sort((a, b) => a - b);
  return knownOffsets;
}

export type ClockKind = NonNullable<Seen['clock']>;

/** The UTC instant of a log line, and which clock said so; undefined when the line has no placeable time. */
export function lineInstant(line: LogLine, clock: HostClock): { ms: number; clock: ClockKind } | undefined {
  const t = parseLineTime(line.text);
  if (!t) return undefined;
  const ms = instantOf(t, clock);
  if (ms === undefined) return undefined;
  return { ms, clock: clockKind(t, line) };
}

function clockKind(t: LineTime, line: LogLine): ClockKind {
  if (t.kind === 'boot') return 'dmesg-uptime';
  if (t.format === 'dmesg-T') return 'dmesg-T';
  if (t.format === 'docker') return 'docker';
  return line.spec === 'journal_docker' ? 'journal' : 'syslog';
}

function instantOf(t: LineTime, clock: HostClock): number | undefined {
  if (t.kind === 'instant') return t.ms;
  if (t.kind === 'boot') return clock.bootAt ? clock.bootAt.getTime() + t.seconds * 1000 : undefined;
  const offset = (clock.offsetMinutes ?? 0) * 60_000;
  const at = (year: number): number => Date.UTC(year, t.month - 1, t.day, t.hour, t.minute, t.second) - offset;
  if (t.year !== undefined) return at(t.year);
  // syslog writes no year: the collection's year, or the one before for a December line read in January.
  const now = hostNowMs(clock);
  if (now === undefined) return undefined;
  const year = new Date(now + offset).getUTCFullYear();
  const guess = at(year);
  return guess > now + 2 * 86_400_000 ? at(year - 1) : guess;
}

/** The collection's time on the host's clock: the worker's, moved by the skew where the host's is off. */
export function hostNowMs(clock: HostClock): number | undefined {
  return clock.collectedAt ? clock.collectedAt.getTime() + (clock.skewMs ?? 0) : undefined;
}

/** A moment in UTC and in the host's time; `ago` against the collection time on the host's clock, when it is known. */
export function momentOf(ms: number, clock: HostClock): Moment {
  const utc = new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
  const offset = clock.offsetMinutes;
  const local = new Date(ms + (offset ?? 0) * 60_000).toISOString().slice(0, 19).replace('T', ' ');
  const host = offset === undefined ? `${local} ${HOST_OFFSET_UNKNOWN}` : `${local} ${offsetText(offset)}`;
  const now = hostNowMs(clock);
  return { utc, host, ...(now !== undefined ? { ago_seconds: Math.round((now - ms) / 1000) } : {}) };
}

function offsetText(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * When a finding's events happened: one line per event (its first line), or Docker's RFC 3339
 * times (docker inspect's FinishedAt). `count` defaults to the number of events given.
 */
export function seenOf(clock: HostClock, events: readonly (LogLine | string)[], count = events.length): Seen {
  const times: { ms: number; clock: ClockKind }[] = [];
  for (const e of events) {
    if (typeof e === 'string') {
      const ms = Date.parse(e);
      // Docker writes 0001-01-01T00:00:00Z for "never".
      if (Number.isFinite(ms) && ms > 0) times.push({ ms, clock: 'docker' });
    } else {
      const at = lineInstant(e, clock);
      if (at) times.push(at);
    }
  }
  const seen: Seen = { count };
  if (times.length === 0) return seen;
  const sorted = [...times].sort((a, b) => a.ms - b.ms);
  const first = sorted[0] as (typeof sorted)[number];
  const last = sorted[sorted.length - 1] as (typeof sorted)[number];
  seen.first = momentOf(first.ms, clock);
  seen.last = momentOf(last.ms, clock);
  seen.clock = last.clock;
  const end = hostNowMs(clock);
  if (end !== undefined) {
    seen.last_hour = sorted.filter((t) => t.ms <= end && end - t.ms <= 3_600_000).length;
  }
  return seen;
}
