/**
 * The time a log line carries, as written: seconds since boot (raw dmesg), a wall-clock time with
 * no zone (syslog, `dmesg -T`, journald's short format), or an instant (ISO 8601 with a zone,
 * Docker's logrus `time="...Z"`). Placing it on the UTC axis needs the host's clock (facts/clock.ts).
 * Total: any string in, a time or nothing out.
 */
export type LineTime =
  | { kind: 'boot'; seconds: number }
  | { kind: 'wall'; year?: number; month: number; day: number; hour: number; minute: number; second: number; format: 'syslog' | 'dmesg-T' | 'iso' }
  | { kind: 'instant'; ms: number; offsetMinutes: number; format: 'iso' | 'docker' };

/** Month abbreviations in English and the other locales `dmesg -T` and syslog are seen in (de, fr). */
const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
  mär: 3, mai: 5, okt: 10, dez: 12, janv: 1, févr: 2, mars: 3, avr: 4, juin: 6, juil: 7, août: 8, sept: 9, déc: 12,
};

const NICK = /^<?[\w.\-|`^{}[\]]{1,32}> /;
const FACILITY_LEVEL = /^[a-z]+[0-7]?\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*: ?/;
const SYSLOG = /^([A-Z][a-zäéû]{2,4})\.? +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.\d+)? /;
const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,]\d+)?(Z|[+-]\d\d:?\d\d)?(?=\s)/;
const BOOT = /^\[ *(\d+\.\d+)\]/;
/** `[Sat Aug 26 10:21:35 2017]`, day and month in the host's locale. */
const DMESG_T = /^\[[^\]\d\s]{2,4}\.? +([^\]\d\s]{3,5})\.? +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})\]/;
const LOGRUS = /\btime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))"/;
/** logrus's text format on a terminal (dockerd run by hand, or its output pasted): `INFO[2018-04-05T18:19:12.08+02:00] msg`. */
const LOGRUS_TERMINAL = /^(?:INFO|WARN|ERRO|FATA|PANI|DEBU|TRAC)\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))\]/;

function zoneMinutes(zone: string): number {
  if (zone === 'Z') return 0;
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function month(name: string): number | undefined {
  return MONTHS[name.toLowerCase().replace(/\.$/, '')] ?? MONTHS[name.toLowerCase().slice(0, 3)];
}

export function parseLineTime(line: string): LineTime | undefined {
  let rest = line;
  const nick = NICK.exec(rest);
  if (nick) rest = rest.slice(nick[0].length);
  const logrus = LOGRUS.exec(rest);
  let m = SYSLOG.exec(rest);
  if (m) {
    const mo = month(m[1] ?? '');
    if (mo === undefined) return undefined;
    // dockerd lines in syslog carry their own exact time: it wins over the header's second.
    if (logrus) return instant(logrus[1] ?? '', 'docker');
    return { kind: 'wall', month: mo, day: Number(m[2]), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]), format: 'syslog' };
  }
  if ((m = ISO.exec(rest))) {
    if (logrus) return instant(logrus[1] ?? '', 'docker');
    const [, y, mo, d, h, mi, s, zone] = m;
    const wall = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s) };
    if (zone === undefined) return { kind: 'wall', ...wall, format: 'iso' };
    const offsetMinutes = zoneMinutes(zone);
    const ms = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - offsetMinutes * 60_000;
    return { kind: 'instant', ms, offsetMinutes, format: 'iso' };
  }
  const level = FACILITY_LEVEL.exec(rest);
  if (level) rest = rest.slice(level[0].length);
  if ((m = BOOT.exec(rest))) return { kind: 'boot', seconds: Number(m[1]) };
  if ((m = DMESG_T.exec(rest))) {
    const mo = month(m[1] ?? '');
    if (mo === undefined) return undefined;
    return { kind: 'wall', year: Number(m[6]), month: mo, day: Number(m[2]), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]), format: 'dmesg-T' };
  }
  if (logrus) return instant(logrus[1] ?? '', 'docker');
  if ((m = LOGRUS_TERMINAL.exec(rest))) return instant(m[1] ?? '', 'docker');
  return undefined;
}

function instant(text: string, format: 'iso' | 'docker'): LineTime | undefined {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  const zone = /(Z|[+-]\d\d:\d\d)$/.exec(text)?.[1] ?? 'Z';
  return { kind: 'instant', ms, offsetMinutes: zoneMinutes(zone), format };
}

/**
 * How long the host has been up, and how precisely: `/proc/uptime` to the hundredth of a second,
 * `uptime` alone only to the minute.
 */
export function parseUptimeReading(text: string): { seconds: number; resolutionMs: number } | undefined {
  const seconds = parseUptimeSeconds(text);
  if (seconds === undefined) return undefined;
  return { seconds, resolutionMs: PROC_UPTIME.test(text) ? 10 : 60_000 };
}

/**
 * The host's own clock as the uptime step read it (`date -u +%s.%N`, beside /proc/uptime): Unix
 * seconds, to the nanosecond, or to the second where date knows no %N (BusyBox prints it as is).
 */
export function parseHostEpoch(text: string): { ms: number; resolutionMs: number } | undefined {
  const m = /^\s*(\d{9,11})(?:\.(\d{1,9})|\.%N)?\s*$/m.exec(text);
  if (!m) return undefined;
  const fraction = m[2];
  return { ms: Number(m[1]) * 1000 + (fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0), resolutionMs: fraction ? 1 : 1000 };
}

const PROC_UPTIME = /^\s*(\d+(?:\.\d+)?)\s+\d+(?:\.\d+)?\s*$/m;

/** Seconds since boot from `/proc/uptime` ("5729465.12 11212.34") or `uptime` ("up 66 days,  3:27", "up 5 min"). */
export function parseUptimeSeconds(text: string): number | undefined {
  const proc = PROC_UPTIME.exec(text);
  if (proc) return Number(proc[1]);
  const up = /\bup\s+(.*?),\s+\d+\s+users?\b|\bup\s+(.*?),\s+load averages?:/.exec(text);
  const span = up?.[1] ?? up?.[2];
  if (span === undefined) return undefined;
  let seconds = 0;
  let matched = false;
  for (const part of span.split(',').map((p) => p.trim())) {
    let p: RegExpExecArray | null;
    if ((p = /^(\d+)\s+days?$/.exec(part))) seconds += Number(p[1]) * 86_400;
    else if ((p = /^(\d+):(\d\d)$/.exec(part))) seconds += Number(p[1]) * 3600 + Number(p[2]) * 60;
    else if ((p = /^(\d+)\s+min(?:ute)?s?$/.exec(part))) seconds += Number(p[1]) * 60;
    else if ((p = /^(\d+)\s+(?:hrs?|hours?)$/.exec(part))) seconds += Number(p[1]) * 3600;
    else if ((p = /^(\d+)\s+secs?$/.exec(part))) seconds += Number(p[1]);
    else continue;
    matched = true;
  }
  return matched ? seconds : undefined;
}

/** The wall-clock time `uptime` prints first (" 18:40:12 up ..."), in seconds after midnight. */
export function parseUptimeClock(text: string): number | undefined {
  const m = /^\s*(\d\d):(\d\d):(\d\d)\s+up\b/m.exec(text);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}
