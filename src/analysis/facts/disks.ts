import type { Bundle } from '../../domain/index.js';
import type { LogLine } from './log-line.js';

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

export interface InodeUsage {
  source: string;
  mount: string;
  inodes: number;
  used: number;
  usePct: number;
  line: LogLine;
}

export interface DiskFacts {
  filesystems: Filesystem[];
  inodes: InodeUsage[];
}

export function buildDiskFacts(_bundle: Bundle): DiskFacts {
  return { filesystems: [], inodes: [] };
}
