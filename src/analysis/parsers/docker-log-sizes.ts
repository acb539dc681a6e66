import type { LogLine } from './log-line.js';
import { parseSize } from './sizes.js';
import { specLines } from './text-lines.js';

export interface LogSizeRow {
  containerId: string;
  /** The size column as printed, in du's unit (bytes for -sb, KiB for -sk); human sizes already in bytes. */
  size: number;
  /** True when the column carried its own unit (du -sh), so no block size applies. */
  human: boolean;
  path: string;
  /** The row measures the container's directory (`du -sh /var/lib/docker/containers/*`), which the json log fills. */
  directory: boolean;
  line: LogLine;
}

/** Where the docker_log_sizes step learned Docker's data root (playbooks' `{{@docker_data_root}}`). */
export const DATA_ROOT_SOURCES = ['docker-info', 'daemon.json', 'dockerd-cmdline', 'default'] as const;
export type DataRootSource = (typeof DATA_ROOT_SOURCES)[number];

export interface DataRootLine {
  path: string;
  source: DataRootSource;
  line: LogLine;
}

/**
 * A plain absolute path, as the snippet on the host accepts it: the same characters, no `.` or
 * `..` steps, no empty ones. Anything else from a host is not taken as the data root.
 */
export const DATA_ROOT_PATH = /^(?!.*\/\.\.?(?:\/|$))(?!.*\/\/)\/[A-Za-z0-9._/+@:=,-]{1,1023}$/;
const HEADER = /^# data-root (\S+) \(from ([a-z.-]+)\)\s*$/;

/**
 * The `# data-root PATH (from SOURCE)` line that docker_log_sizes prints before du's rows, or
 * undefined when there is none (bundles from before it, other commands) or it is not well formed.
 */
export function parseDataRootHeader(text: string): DataRootLine | undefined {
  for (const line of specLines('docker_log_sizes', text)) {
    if (!line.text.startsWith('#')) return undefined;
    const m = HEADER.exec(line.text);
    const source = DATA_ROOT_SOURCES.find((s) => s === m?.[2]);
    if (m?.[1] && source && DATA_ROOT_PATH.test(m[1])) return { path: m[1], source, line };
  }
  return undefined;
}

const ROW = /^\s*(\d+(?:[.,]\d+)?[KMGTPE]?)\s+(\S.*?)\s*$/i;
const CONTAINER_LOG = /\/([0-9a-f]{64})\/\1-json\.log$|\/([0-9a-f]{12,64})[^/]*-json\.log$/;
/** `<root>/containers/<id>` or, run from inside that directory, the bare `<id>`. */
const CONTAINER_DIR = /(?:^|\/containers\/)([0-9a-f]{64})\/?$/;

/**
 * Parses `du -sb` (or `-sk`, `-sh`) over `containers/<id>/<id>-json.log`, or over the container
 * directories themselves (`du -sh containers/*`). Lines that are neither (the data-root header, du's
 * own errors, totals) are skipped; an empty file gives [].
 */
export function parseDockerLogSizes(text: string): LogSizeRow[] {
  const rows: LogSizeRow[] = [];
  for (const line of specLines('docker_log_sizes', text)) {
    const m = ROW.exec(line.text);
    if (!m?.[1] || !m[2]) continue;
    const id = CONTAINER_LOG.exec(m[2]);
    const dir = id ? null : CONTAINER_DIR.exec(m[2]);
    const containerId = id?.[1] ?? id?.[2] ?? dir?.[1];
    if (!containerId) continue;
    const human = /[KMGTPE]$/i.test(m[1]);
    const size = human ? parseSize(m[1]) : Number(m[1]);
    if (size === undefined || !Number.isFinite(size)) continue;
    rows.push({ containerId, size, human, path: m[2], directory: dir !== null, line });
  }
  return rows;
}

/** du's block size from the command that ran, when the playbook recorded it: -sk and -k mean KiB. */
export function duUnitFromCommand(command: string | undefined): number {
  if (!command) return 1;
  if (/\s-[a-z]*k[a-z]*\b|--block-size=1?K\b|-B\s*1?K\b/i.test(command) && !/\s-[a-z]*b[a-z]*\b|--bytes\b/.test(command)) return 1024;
  return 1;
}
