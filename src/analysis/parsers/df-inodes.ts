import type { InodeUsage } from '../facts/disks.js';
import { parseDfTable } from './df-table.js';

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
