import { formatBytes } from '../analysis/index.js';
import type { ForecastRowView } from '../domain/index.js';

/** A time span for people: "40 min", "5.8 h", "39 h", "12 d". */
export function formatSpan(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  const hours = seconds / 3600;
  if (hours < 10) return `${hours.toFixed(1)} h`;
  if (hours < 72) return `${Math.round(hours)} h`;
  const days = hours / 24;
  return days < 1000 ? `${Math.round(days)} d` : 'years';
}

const BYTE_KINDS = new Set(['fs', 'thinpool_data', 'thinpool_metadata', 'container_log']);

/** An amount of a resource's unit: bytes as docker info prints them, inodes as a count. */
export function formatAmount(kind: string, value: number): string {
  if (BYTE_KINDS.has(kind)) return formatBytes(value);
  if (value >= 1e6) return `${Number((value / 1e6).toPrecision(3))} M`;
  if (value >= 1e4) return `${Number((value / 1e3).toPrecision(3))} k`;
  return String(Math.round(value));
}

/** "full in 39 h (31-47 h)", "full now", "not growing", "unknown (too few samples)". */
export function timeToFullText(row: ForecastRowView): string {
  if (row.status === 'full') return 'full now';
  if (row.status === 'unknown') return `unknown (${(row.reason ?? 'too little data').replace(/_/g, ' ')})`;
  if (row.secondsToFull === null) return row.earliest !== null ? `not growing (full in ${formatSpan(row.earliest)} at the soonest)` : 'not growing';
  const range = row.earliest !== null ? ` (${formatSpan(row.earliest)}-${row.latest !== null ? formatSpan(row.latest) : 'never'})` : '';
  return `full in ${formatSpan(row.secondsToFull)}${range}`;
}

/** A band as words: "within 48 h", "full", "none". */
export function bandText(band: number | 'none' | 'full'): string {
  return band === 'full' ? 'full' : band === 'none' ? 'not within any horizon' : `within ${formatSpan(band)}`;
}

/** The forecast table as aligned plain-text lines (a header, then one line per resource). */
export function forecastTableLines(rows: readonly ForecastRowView[]): string[] {
  const cells = rows.map((r) => [
    r.resource,
    r.used !== null ? formatAmount(r.kind, r.used) : '-',
    r.total !== null ? formatAmount(r.kind, r.total) : '-',
    r.ratio !== null ? `${(r.ratio * 100).toFixed(1)} %` : '-',
    r.perHour !== null && r.status !== 'unknown' ? `${r.perHour < 0 ? '-' : '+'}${formatAmount(r.kind, Math.abs(r.perHour))}/h` : '-',
    timeToFullText(r),
  ]);
  const head = ['RESOURCE', 'USED', 'OF', 'USE', 'PACE', 'TIME TO FULL'];
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length))));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : (v.length > (widths[i] ?? 0) ? `${v.slice(0, (widths[i] ?? 1) - 1)}…` : v).padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), ...cells.map(line)];
}
