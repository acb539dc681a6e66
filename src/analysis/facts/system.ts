import type { Bundle } from '../../domain/index.js';
import type { LogLine } from './log-line.js';

export interface ProcessInfo {
  pid: number;
  /** ps STAT column, e.g. "D", "Ss", "D<". */
  state: string;
  elapsedSeconds?: number;
  wchan?: string;
  command: string;
  line: LogLine;
}

/** From uname, nproc, uptime, meminfo and ps. */
export interface SystemFacts {
  kernelRelease?: string;
  hostname?: string;
  cpuCount?: number;
  load?: { one: number; five: number; fifteen: number; line: LogLine };
  memTotalKb?: number;
  memAvailableKb?: number;
  /** null when ps was not collected. */
  processes: ProcessInfo[] | null;
}

export function buildSystemFacts(_bundle: Bundle): SystemFacts {
  return { processes: null };
}
