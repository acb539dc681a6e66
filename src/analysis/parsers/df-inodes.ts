import type { LogLine } from './log-line.js';
import { parseDfTable } from './df-table.js';

/** One row of df -i, sizes in bytes. */
export interface InodeUsage {
  source: string;
  type?: string;
  mount: string;
  inodes: number;
  used: number;
  usePct: number;
  line: LogLine;
}

/** Parses `df -PTi` / `df -i`. Filesystems without inode accounting (`-` columns) are left out. */
export function parseDfInodes(text: string): InodeUsage[] {
  return parseDfTable('df_inodes', text).map((row) => ({
    source: row.source,
    ...(row.type ? { type: row.type } : {}),
    mount: row.mount,
    inodes: row.total,
    used: row.used,
    usePct: row.usePct,
    line: row.line,
  }));
}
