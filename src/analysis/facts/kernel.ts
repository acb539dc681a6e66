import type { Bundle } from '../../domain/index.js';
import type { LogLine } from './log-line.js';

export interface HungTask {
  name: string;
  pid: number;
  blockedSeconds: number;
  /** Top frames of the call trace, function names only, innermost first. */
  frames: string[];
  evidence: LogLine[];
}

export interface OomKill {
  /** memcg: a cgroup limit was hit; global: the whole machine ran out. */
  kind: 'memcg' | 'global';
  pid?: number;
  process?: string;
  /** Full container id when the cgroup path names one (/docker/ID, /system.slice/docker-ID.scope). */
  containerId?: string;
  cgroup?: string;
  limitKb?: number;
  usageKb?: number;
  evidence: LogLine[];
}

/** Kernel events from dmesg and the kernel lines of messages (deduplicated across both). */
export interface KernelFacts {
  hungTasks: HungTask[];
  oomKills: OomKill[];
  ioErrors: { device?: string; filesystem?: string; line: LogLine }[];
  readOnlyRemounts: { device?: string; line: LogLine }[];
  vethLeaks: { device: string; usageCount: number; occurrences: number; lines: LogLine[] }[];
}

export function buildKernelFacts(_bundle: Bundle): KernelFacts {
  return { hungTasks: [], oomKills: [], ioErrors: [], readOnlyRemounts: [], vethLeaks: [] };
}
