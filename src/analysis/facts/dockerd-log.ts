import type { Bundle } from '../../domain/index.js';
import { parseDockerdLog, type DockerdLog } from '../parsers/dockerd-log.js';
import type { LogLine } from '../parsers/log-line.js';

export type { StopFailure, ThinPoolLowSpace } from '../parsers/dockerd-log.js';

/** Events from dockerd's own log (journal_docker, or dockerd lines in messages). */
export interface DockerdLogFacts {
  /** The libcontainerd start, "read past events" and the fatal that follows; null when absent. */
  containerdRestoreFailure: LogLine[] | null;
  /** How many times dockerd died that way (in the log that showed it). */
  containerdRestoreFailures: number;
  /** What dockerd's fatal said ("EOF", "failed to start containerd: timeout ..."); null when absent. */
  containerdRestoreFatal: string | null;
  /** "Thin Pool has N free data blocks which is less than minimum required". */
  thinPoolLowSpace: DockerdLog['thinPoolLowSpace'];
  /** Stop/kill trouble per container: failed to exit within N seconds, container kill failed, not found. */
  stopFailures: DockerdLog['stopFailures'];
}

/**
 * journal_docker first; the dockerd lines of messages fill in what the journal lacks (a host
 * without journald, or a journal that rotated). The same line in both counts once.
 */
export function buildDockerdLogFacts(bundle: Bundle): DockerdLogFacts {
  const journalText = bundle.files.get('journal_docker');
  const messagesText = bundle.files.get('messages');
  const journal = journalText ? parseDockerdLog(journalText, 'journal_docker') : null;
  const messages = messagesText ? parseDockerdLog(messagesText, 'messages') : null;
  const logs = [journal, messages].filter((l): l is DockerdLog => l !== null);

  const restore = logs.find((l) => l.containerdRestoreFailure !== null);
  const seenPool = new Set<string>();
  const thinPoolLowSpace: DockerdLog['thinPoolLowSpace'] = [];
  for (const log of logs) {
    for (const entry of log.thinPoolLowSpace) {
      const key = entry.time ?? `${entry.line.spec}:${entry.line.line}`;
      if (seenPool.has(key)) continue;
      seenPool.add(key);
      thinPoolLowSpace.push(entry);
    }
  }
  const stops = new Map<string, DockerdLog['stopFailures'][number]>();
  for (const log of logs) {
    for (const stop of log.stopFailures) {
      const key = stop.containerId.slice(0, 12);
      const seen = stops.get(key);
      if (!seen) stops.set(key, { ...stop, lines: [...stop.lines] });
      else if (stop.containerId.length > seen.containerId.length) seen.containerId = stop.containerId;
    }
  }
  return {
    containerdRestoreFailure: restore?.containerdRestoreFailure ?? null,
    containerdRestoreFailures: restore?.containerdRestoreFailures ?? 0,
    containerdRestoreFatal: restore?.containerdRestoreFatal ?? null,
    thinPoolLowSpace,
    stopFailures: [...stops.values()],
  };
}
