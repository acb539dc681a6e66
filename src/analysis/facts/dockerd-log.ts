import type { Bundle } from '../../domain/index.js';
import type { LogLine } from './log-line.js';

/** Events from dockerd's own log (journal_docker, or dockerd lines in messages). */
export interface DockerdLogFacts {
  /** The libcontainerd start, "read past events" and the fatal that follows; null when absent. */
  containerdRestoreFailure: LogLine[] | null;
  /** "Thin Pool has N free data blocks which is less than minimum required". */
  thinPoolLowSpace: { freeBlocks?: number; line: LogLine }[];
  /** Stop/kill trouble per container: failed to exit within N seconds, container kill failed, not found. */
  stopFailures: { containerId: string; lines: LogLine[] }[];
}

export function buildDockerdLogFacts(_bundle: Bundle): DockerdLogFacts {
  return { containerdRestoreFailure: null, thinPoolLowSpace: [], stopFailures: [] };
}
