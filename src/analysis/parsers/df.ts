import type { Filesystem } from '../facts/disks.js';
import { parseDfTable } from './df-table.js';

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
