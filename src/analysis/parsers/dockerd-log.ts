import type { SpecName } from '../../domain/index.js';
import type { LogLine } from '../facts/log-line.js';
import { isDockerdProgram, splitLogPrefix } from './log-prefix.js';
import { lineBefore, scanMatchingLines, type TextLine } from './line-scanner.js';

export interface ThinPoolLowSpace {
  freeBlocks?: number;
  minimumBlocks?: number;
  /** dockerd's own `time="..."` stamp, when the line has one. */
  time?: string;
  line: LogLine;
}

export interface StopFailure {
  /** As logged: full 64-hex id or the 12-hex short id. */
  containerId: string;
  lines: LogLine[];
  /** dockerd's `time="..."` of the first failure line, ISO 8601. */
  firstTime?: string;
}

/** Events from one dockerd log (journal_docker, or the dockerd lines in messages). */
export interface DockerdLog {
  /** The containerd start (and "read past events") and the fatal that follows; the latest such failure. */
  containerdRestoreFailure: LogLine[] | null;
  /** How many times dockerd died that way in this log. */
  containerdRestoreFailures: number;
  thinPoolLowSpace: ThinPoolLowSpace[];
  stopFailures: StopFailure[];
}

export const DOCKERD_EVENTS =
  /level=fatal|libcontainerd: new containerd process|containerd: read past events|Thin Pool has \d+ free data blocks|failed to exit within|Cannot kill container|container kill failed|containerd: container not found/g;

const THIN_POOL = /Thin Pool has (\d+) free data blocks which is less than minimum required (\d+)/;
const FAILED_TO_EXIT = /Container ([0-9a-f]{12,64}) failed to exit within \d+ seconds/;
const CANNOT_KILL = /Cannot kill container:? ([0-9a-f]{12,64})/;
const NOT_FOUND = /containerd: container not found|container kill failed/;
const CONTAINERD_START = /libcontainerd: new containerd process|containerd: read past events/;
const FATAL = /level=fatal/;
/** Fatals that are containerd's, not (say) the graph driver's. */
const CONTAINERD_FATAL = /msg="?(?:EOF|[^"]*(?:containerd|grpc|transport|connection))/i;
const TIME = /time="([^"]+)"/;
/** A fatal this many lines after the containerd start still belongs to that start. */
const RESTORE_WINDOW_LINES = 10;
const MAX_THIN_POOL_LINES = 1000;

/**
 * dockerd events in journal_docker or messages: dockerd / docker / dockerd-current lines, including
 * messages wrapped onto a following line with no syslog header. Total: never throws.
 */
export function parseDockerdLog(text: string, spec: SpecName = 'journal_docker'): DockerdLog {
  const out: DockerdLog = { containerdRestoreFailure: null, containerdRestoreFailures: 0, thinPoolLowSpace: [], stopFailures: [] };
  const stops = new Map<string, StopFailure>();
  let lastStop: StopFailure | null = null;
  let start: { lines: LogLine[]; pid?: number; lineNo: number } | null = null;

  scanMatchingLines(text, DOCKERD_EVENTS, (raw) => {
    const entry = dockerdEntry(text, raw, spec);
    if (!entry) return;
    const { line, message, pid } = entry;
    let m: RegExpExecArray | null;

    if (CONTAINERD_START.test(message)) {
      if (!start || start.lines.length >= 3 || (pid !== undefined && start.pid !== pid) || line.line - start.lineNo > RESTORE_WINDOW_LINES) {
        start = { lines: [], lineNo: line.line, ...(pid !== undefined ? { pid } : {}) };
      }
      start.lines.push(line);
      start.lineNo = line.line;
      return;
    }
    if (FATAL.test(message)) {
      if (start && line.line - start.lineNo <= RESTORE_WINDOW_LINES && (pid === undefined || start.pid === undefined || pid === start.pid) && CONTAINERD_FATAL.test(message)) {
        out.containerdRestoreFailure = [...start.lines, line];
        out.containerdRestoreFailures++;
      }
      start = null;
      return;
    }
    if ((m = THIN_POOL.exec(message))) {
      if (out.thinPoolLowSpace.length >= MAX_THIN_POOL_LINES) out.thinPoolLowSpace.shift();
      const time = TIME.exec(message)?.[1];
      out.thinPoolLowSpace.push({ freeBlocks: Number(m[1]), minimumBlocks: Number(m[2]), ...(time ? { time } : {}), line });
      return;
    }
    const id = (FAILED_TO_EXIT.exec(message) ?? CANNOT_KILL.exec(message))?.[1];
    if (id) {
      const stop = stopFor(stops, id);
      stop.lines.push(line);
      const time = TIME.exec(message)?.[1];
      if (time && !stop.firstTime) stop.firstTime = time;
      lastStop = stop;
      return;
    }
    // "containerd: container not found" names no container: it follows the stop that failed last.
    if (NOT_FOUND.test(message) && lastStop) lastStop.lines.push(line);
  });
  out.stopFailures = [...stops.values()];
  return out;
}

/** Short (12-hex) and full ids of the same container share one entry. */
function stopFor(stops: Map<string, StopFailure>, id: string): StopFailure {
  for (const [key, stop] of stops) {
    if (key.startsWith(id) || id.startsWith(key)) {
      if (id.length > key.length) {
        stops.delete(key);
        stop.containerId = id;
        stops.set(id, stop);
      }
      return stop;
    }
  }
  const stop: StopFailure = { containerId: id, lines: [] };
  stops.set(id, stop);
  return stop;
}

interface DockerdEntry {
  line: LogLine;
  message: string;
  pid?: number;
}

/**
 * The dockerd log entry a matched line belongs to, or null when it is some other program's.
 * A line with no syslog header that follows a dockerd line is that line's wrapped tail.
 */
function dockerdEntry(text: string, raw: TextLine, spec: SpecName): DockerdEntry | null {
  const prefix = splitLogPrefix(raw.text);
  if (prefix.syslog) {
    if (!isDockerdProgram(prefix.program)) return null;
    return { line: { spec, line: raw.number, text: raw.text }, message: prefix.message, ...(prefix.pid !== undefined ? { pid: prefix.pid } : {}) };
  }
  const prev = lineBefore(text, raw);
  const head = prev ? splitLogPrefix(prev.text) : null;
  if (prev && head?.syslog && isDockerdProgram(head.program)) {
    const joined = `${prev.text.trimEnd()} ${raw.text.trim()}`;
    return {
      line: { spec, line: prev.number, text: joined },
      message: `${head.message.trimEnd()} ${raw.text.trim()}`,
      ...(head.pid !== undefined ? { pid: head.pid } : {}),
    };
  }
  // A bare dockerd log (no syslog header at all, e.g. `dockerd --debug` output saved to a file).
  return spec === 'journal_docker' && TIME.test(raw.text)
    ? { line: { spec, line: raw.number, text: raw.text }, message: raw.text }
    : null;
}
