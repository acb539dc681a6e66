import { z } from 'zod';
import { parseJsonLine } from './json-line.js';
import type { LogLine } from './log-line.js';
import { optional } from './optional.js';
import { specLines } from './text-lines.js';

/** One `docker ps -a --no-trunc` row, from `{{json .}}` lines or the old table. */
export interface PsContainer {
  id: string;
  name?: string;
  image?: string;
  command?: string;
  /** As printed: "Up 18 minutes", "Exited (137) 5 hours ago", "Restarting (1) 3 seconds ago". */
  statusText?: string;
  /** running, exited, restarting, paused, created, dead, removing; from statusText. */
  status?: string;
  running?: boolean;
  exitCode?: number;
  /** How long ago it exited, at least, from "Exited (1) 2 weeks ago": Docker's human units, rounded down. */
  endedAtLeastSecondsAgo?: number;
  line: LogLine;
}

const PsJsonSchema = z.object({
  ID: z.string().regex(/^[0-9a-f]{6,64}$/),
  Names: z.string().optional(),
  Image: z.string().optional(),
  Command: z.string().optional(),
  Status: z.string().optional(),
});

/** PLATFORM (Docker 25+ and the `docker ps` reference) and SIZE (`docker ps -s`) are known so they end the cells before them. */
const TABLE_COLUMNS = ['CONTAINER ID', 'IMAGE', 'PLATFORM', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', 'SIZE'] as const;
type Column = (typeof TABLE_COLUMNS)[number];

/** Parses `docker ps -a` output in either form. Total: lines it cannot read are skipped. */
export function parseDockerPs(text: string): PsContainer[] {
  const lines = specLines('docker_ps', text);
  const out: PsContainer[] = [];
  let columns: { name: Column; start: number }[] | null = null;
  for (const line of lines) {
    const trimmed = line.text.trim();
    if (trimmed.startsWith('{')) {
      const row = parseJsonRow(trimmed, line);
      if (row) out.push(row);
      continue;
    }
    if (trimmed.startsWith('CONTAINER ID')) {
      columns = tableColumns(line.text);
      continue;
    }
    if (columns) {
      const row = parseTableRow(line, columns);
      if (row) out.push(row);
      continue;
    }
    // No header: `docker ps -q`, `--format '{{.ID}}\t{{.Status}}'` or a table row quoted alone.
    const row = parseHeaderlessRow(line);
    if (row) out.push(row);
  }
  return out;
}

/**
 * A row without a header, as `--format` without `table` prints it: the id first, then whatever
 * cells the template asked for, separated by tabs, runs of spaces or single spaces. The status is
 * the part that reads like one; the name, a last cell that is neither the status nor a port.
 */
function parseHeaderlessRow(line: LogLine): PsContainer | null {
  const text = line.text.trim();
  const id = /^([0-9a-f]{12}|[0-9a-f]{64})(?=\s|$)/.exec(text)?.[1];
  if (!id) return null;
  const rest = text.slice(id.length).trim();
  const cells = rest ? rest.split(/\t|\s{2,}/).map((c) => c.trim()).filter(Boolean) : [];
  const statusAt = /(?:^|\s)((?:Up|Exited \(-?\d+\)|Restarting \(-?\d+\)|Created|Dead|Removal In Progress|Paused)\b.*?)(?=\t|\s{2,}|$)/.exec(rest);
  const status = cells.find((c) => STATUS_START.test(c)) ?? statusAt?.[1]?.trim();
  const last = cells[cells.length - 1];
  const name = cells.length > 1 && last && last !== status && !/->|\/(?:tcp|udp)\b/.test(last) && !STATUS_START.test(last) ? last : undefined;
  return withStatus({ id, ...optional('name', firstName(name)), ...optional('statusText', status), line });
}

function parseJsonRow(text: string, line: LogLine): PsContainer | null {
  const row = parseJsonLine(text, PsJsonSchema);
  if (!row) return null;
  return withStatus({
    id: row.ID,
    ...optional('name', firstName(row.Names)),
    ...optional('image', row.Image),
    ...optional('command', unquote(row.Command)),
    ...optional('statusText', row.Status),
    line,
  });
}

function tableColumns(header: string): { name: Column; start: number }[] | null {
  const columns = TABLE_COLUMNS.map((name) => ({ name, start: header.indexOf(name) })).filter((c) => c.start >= 0);
  return columns[0]?.name === 'CONTAINER ID' ? columns.sort((a, b) => a.start - b.start) : null;
}

function parseTableRow(line: LogLine, columns: { name: Column; start: number }[]): PsContainer | null {
  const cells = new Map<Column, string>();
  // A cell whose start lands inside a word began a little earlier (a reporter masked a port as
  // "xxx" and shifted the rest of the row): move the cut back to the start of that word.
  const starts = columns.map((col) => wordStart(line.text, col.start));
  columns.forEach((col, i) => {
    cells.set(col.name, line.text.slice(starts[i], starts[i + 1]).trim());
  });
  const id = cells.get('CONTAINER ID') ?? '';
  if (!/^[0-9a-f]{6,64}$/.test(id)) return null;
  const status = cells.get('STATUS') ?? '';
  const unaligned = status && !STATUS_START.test(status) ? unalignedRow(line, id) : null;
  if (unaligned) return unaligned;
  return withStatus({
    id,
    ...optional('name', firstName(cells.get('NAMES'))),
    ...optional('image', cells.get('IMAGE')),
    ...optional('command', unquote(cells.get('COMMAND'))),
    ...optional('statusText', status),
    line,
  });
}

function wordStart(text: string, at: number): number {
  let i = at;
  while (i > 0 && i < text.length && /\S/.test(text[i - 1] ?? '') && /\S/.test(text[i] ?? '')) i--;
  return i;
}

const STATUS_START = /^(?:Up|Exited \(-?\d+\)|Restarting \(-?\d+\)|Created|Dead|Removal In Progress|Paused)(?=\s|$)/i;

/**
 * A row whose cells do not sit under the header (a reporter shortened the image or command by
 * hand): docker's tabwriter puts at least two spaces between cells, so the cells are the runs
 * between those gaps; the status is the cell that reads like one and the name is the last cell.
 */
function unalignedRow(line: LogLine, id: string): PsContainer | null {
  const cells = line.text.trim().split(/\s{2,}/);
  const status = cells.find((c) => STATUS_START.test(c));
  if (!status) return null;
  const last = cells[cells.length - 1];
  const name = last && last !== status && !/->|\/(?:tcp|udp)\b/.test(last) ? last : undefined;
  return withStatus({ id, ...optional('name', firstName(name)), ...optional('statusText', status), line });
}

/** Seconds in each unit of Docker's human durations (go-units' HumanDuration: a month is 30 days, a year 365). */
const UNIT_SECONDS: Readonly<Record<string, number>> = { second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800, month: 2_592_000, year: 31_536_000 };

/**
 * The least number of seconds a human duration of docker ps means: "Less than a second" 0,
 * "About a minute" 60, "About an hour" 3600, "3 weeks" 3 × 7 days. Docker rounds down, so the
 * duration is at least this; undefined for a text it is not.
 */
export function humanDurationSeconds(text: string): number | undefined {
  if (/^Less than a second$/i.test(text)) return 0;
  const m = /^(?:(\d+)|About an?) (second|minute|hour|day|week|month|year)s?$/i.exec(text.trim());
  const unit = m?.[2] ? UNIT_SECONDS[m[2].toLowerCase()] : undefined;
  return unit === undefined ? undefined : (m?.[1] ? Number(m[1]) : 1) * unit;
}

/** The health a docker ps status shows: "Up 3 hours (unhealthy)", "(healthy)", "(health: starting)"; undefined without a check. */
export function healthFromStatus(statusText: string | undefined): 'healthy' | 'unhealthy' | 'starting' | undefined {
  const m = /\((healthy|unhealthy)\)|\(health: (starting)\)/.exec(statusText ?? '');
  return (m?.[1] ?? m?.[2]) as 'healthy' | 'unhealthy' | 'starting' | undefined;
}

/** Derives state, exit code and (for an exit) how long ago from the status text docker prints. */
export function statusFromText(statusText: string): { status?: string; running?: boolean; exitCode?: number; endedAtLeastSecondsAgo?: number } {
  const exited = /^Exited \((-?\d+)\)(?: (.+) ago)?/.exec(statusText);
  if (exited?.[1]) {
    const ago = exited[2] !== undefined ? humanDurationSeconds(exited[2]) : undefined;
    return { status: 'exited', running: false, exitCode: Number(exited[1]), ...optional('endedAtLeastSecondsAgo', ago) };
  }
  if (/^Restarting/.test(statusText)) return { status: 'restarting', running: true };
  if (/^Up\b.*\(Paused\)/.test(statusText)) return { status: 'paused', running: true };
  if (/^Up\b/.test(statusText)) return { status: 'running', running: true };
  if (/^Created/.test(statusText)) return { status: 'created', running: false };
  if (/^Dead/.test(statusText)) return { status: 'dead', running: false };
  if (/^Removal In Progress/i.test(statusText)) return { status: 'removing', running: false };
  return {};
}

function withStatus(row: PsContainer): PsContainer {
  return row.statusText ? { ...row, ...statusFromText(row.statusText) } : row;
}

function firstName(names: string | undefined): string | undefined {
  const first = names?.split(',').find((n) => !n.includes('/', 1)) ?? names?.split(',')[0];
  const name = first?.trim().replace(/^\//, '');
  return name || undefined;
}

function unquote(command: string | undefined): string | undefined {
  const c = command?.trim();
  if (!c) return undefined;
  return c.length >= 2 && c.startsWith('"') && c.endsWith('"') ? c.slice(1, -1) : c;
}
