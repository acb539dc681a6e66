import type { SpecName } from '../../domain/index.js';
import type { LogLine } from './log-line.js';
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
  /** What the latest such fatal said: "EOF", "failed to start containerd: timeout waiting for containerd to start"... */
  containerdRestoreFatal: string | null;
  thinPoolLowSpace: ThinPoolLowSpace[];
  stopFailures: StopFailure[];
}

export const DOCKERD_EVENTS =
  /level=fatal|^FATA\[|failed to start containerd|Failed to connect to containerd|libcontainerd: new containerd process|New containerd process|started new (?:docker-)?containerd process|(?:docker-)?containerd is still running|previous instance of containerd|containerd: read past events|Thin Pool has \d+ free data blocks|failed to exit within|Cannot kill container|container kill failed|containerd: container not found/gm;

const THIN_POOL = /Thin Pool has (\d+) free data blocks which is less than minimum required (\d+)/;
const FAILED_TO_EXIT = /Container ([0-9a-f]{12,64}) failed to exit within \d+ seconds/;
/** Docker 23+: `msg="Container failed to exit within 10s of signal 15 - using the force" container=<id>`. */
const FAILED_TO_EXIT_FIELD = /Container failed to exit within \d+(?:s| seconds)\b.*\bcontainer=([0-9a-f]{12,64})/;
const CANNOT_KILL = /Cannot kill container:? ([0-9a-f]{12,64})/;
/** Docker 19.03+: `msg="container kill failed because of ..." action=kill container=<id>`. */
const KILL_FAILED_FIELD = /container kill failed\b.*\bcontainer=([0-9a-f]{12,64})/;
const NOT_FOUND = /containerd: container not found|container kill failed/;
/**
 * dockerd starting or finding its containerd: 1.11's "New containerd process", 1.12-17.x's
 * "libcontainerd: new containerd process", 18.x+'s "started new containerd process" and "containerd
 * is still running", and containerd's own "read past events" while it restores.
 */
const CONTAINERD_START =
  /libcontainerd: new containerd process|New containerd process|started new (?:docker-)?containerd process|(?:docker-)?containerd is still running|previous instance of containerd|containerd: read past events/;
/**
 * dockerd giving up: a logrus fatal (`level=fatal`, `FATA[0000]` on a terminal), or the plain line
 * 18.x+ print on stderr before exiting ("failed to start containerd: ...").
 */
const FATAL = /level=fatal|^FATA\[|^(?:failed to start containerd|Failed to connect to containerd)\b/;
/** Fatals that are containerd's (its socket, its events log), not (say) the graph driver's. */
const CONTAINERD_FATAL = /^EOF$|containerd|grpc|transport|connection|invalid character .* looking for beginning of value/i;
const NOT_CONTAINERD = /graphdriver|volume store|network controller/i;
const TIME = /time="([^"]+)"/;
/** A fatal this many lines after the containerd start still belongs to that start. */
const RESTORE_WINDOW_LINES = 10;
const MAX_THIN_POOL_LINES = 1000;

/**
 * dockerd events in journal_docker or messages: dockerd / docker / dockerd-current lines, including
 * messages wrapped onto a following line with no syslog header. Total: never throws.
 */
export function parseDockerdLog(text: string, spec: SpecName = 'journal_docker'): DockerdLog {
  const out: DockerdLog = { containerdRestoreFailure: null, containerdRestoreFailures: 0, containerdRestoreFatal: null, thinPoolLowSpace: [], stopFailures: [] };
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
      const said = fatalMessage(message);
      const containerds = CONTAINERD_FATAL.test(said) && !NOT_CONTAINERD.test(said);
      if (start && line.line - start.lineNo <= RESTORE_WINDOW_LINES && (pid === undefined || start.pid === undefined || pid === start.pid) && containerds) {
        out.containerdRestoreFailure = [...start.lines, line];
        out.containerdRestoreFailures++;
        out.containerdRestoreFatal = said;
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
    const id = (FAILED_TO_EXIT.exec(message) ?? FAILED_TO_EXIT_FIELD.exec(message) ?? CANNOT_KILL.exec(message) ?? KILL_FAILED_FIELD.exec(message))?.[1];
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

/** What a fatal says: its logrus `msg="..."`, or the text after `FATA[0000]`, or the whole plain line. */
function fatalMessage(message: string): string {
  const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(message) ?? /msg=(\S+)/.exec(message);
  if (quoted?.[1] !== undefined) return quoted[1];
  return message.replace(/^FATA\[[^\]]*\]\s*/, '').trim();
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
 * Programs whose lines `journalctl -u docker` shows besides dockerd's own: CoreOS starts dockerd
 * through `env`. (The journald log driver's container output carries the container's name or id as
 * its tag, so other tags stay out.)
 */
const JOURNAL_WRAPPERS = new Set(['env']);

/**
 * The dockerd log entry a matched line belongs to, or null when it is some other program's.
 * A line with no syslog header that follows a dockerd line is that line's wrapped tail; in
 * journal_docker, a line with no header at all is dockerd's own output saved as is (`dockerd --debug`
 * on a terminal: `time="..." level=...`, `INFO[0000] ...`, or a plain "failed to start containerd").
 */
function dockerdEntry(text: string, raw: TextLine, spec: SpecName): DockerdEntry | null {
  const prefix = splitLogPrefix(raw.text);
  if (prefix.syslog) {
    const ours = isDockerdProgram(prefix.program) || (spec === 'journal_docker' && JOURNAL_WRAPPERS.has(prefix.program ?? ''));
    if (!ours) return null;
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
  return spec === 'journal_docker' ? { line: { spec, line: raw.number, text: raw.text }, message: raw.text.trim() } : null;
}
