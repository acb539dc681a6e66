import type { Bundle } from '../../domain/index.js';
import { parseDf, type Filesystem } from '../parsers/df.js';
import { parseDfInodes, type InodeUsage } from '../parsers/df-inodes.js';

export type { Filesystem, InodeUsage };

export interface DiskFacts {
  filesystems: Filesystem[];
  inodes: InodeUsage[];
}

export function buildDiskFacts(bundle: Bundle): DiskFacts {
  const df = bundle.files.get('df');
  const dfi = bundle.files.get('df_inodes');
  return { filesystems: df ? parseDf(df) : [], inodes: dfi ? parseDfInodes(dfi) : [] };
}

/** The filesystem that holds `path`: the longest mount point that is a prefix of it. */
export function filesystemOf<T extends { mount: string }>(path: string, filesystems: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const fs of filesystems) {
    const m = fs.mount;
    const holds = m === '/' || path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`);
    if (holds && (!best || m.length > best.mount.length)) best = fs;
  }
  return best;
}
