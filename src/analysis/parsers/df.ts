import type { LogLine } from './log-line.js';
import { parseDfTable } from './df-table.js';

/** One row of df, sizes in bytes. */
export interface Filesystem {
  source: string;
  type?: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
  usePct: number;
  mount: string;
  line: LogLine;
}

/** Parses `df -PT` and its variants (`-hT`, `-h`, `-P`) into filesystems with sizes in bytes. */
export function parseDf(text: string): Filesystem[] {
  return parseDfTable('df', text).map((row) => ({
    source: row.source,
    ...(row.type ? { type: row.type } : {}),
    sizeBytes: row.total,
    usedBytes: row.used,
    availableBytes: row.available,
    usePct: row.usePct,
    mount: row.mount,
    line: row.line,
  }));
}
