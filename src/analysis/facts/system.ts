import type { Bundle } from '../../domain/index.js';
import { parseMeminfo } from '../parsers/meminfo.js';
import { parseNproc } from '../parsers/nproc.js';
import { parsePs } from '../parsers/ps.js';
import { parseUname } from '../parsers/uname.js';
import { parseUptime } from '../parsers/uptime.js';
import type { LogLine } from '../parsers/log-line.js';

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
  /** nproc's line, which proves the CPU count a title names. */
  cpuCountLine?: LogLine;
  load?: { one: number; five: number; fifteen: number; line: LogLine };
  memTotalKb?: number;
  memAvailableKb?: number;
  /** The uname line, for evidence quoting. */
  unameLine?: LogLine;
  /** null when ps was not collected. */
  processes: ProcessInfo[] | null;
}

/** A ps STAT column of a process in uninterruptible sleep ("D", "D<", "Ds"). */
export function isDState(state: string): boolean {
  return state.startsWith('D');
}

/**
 * A parent waiting for its vfork()ed child to exec (dash and posix_spawn do it for every command)
 * shows D for that instant: a shell at work, never blocked I/O. Older kernels name the wait
 * wait_for_vfork_done or _do_fork, newer ones kernel_clone.
 */
const VFORK_WAIT = /^(?:wait_for_vfork_done|kernel_clone|_?do_fork)$/;

/** A process stuck in uninterruptible sleep: D, and not a moment's vfork wait. */
export function isStuckInD(p: { state: string; wchan?: string }): boolean {
  return isDState(p.state) && !(p.wchan !== undefined && VFORK_WAIT.test(p.wchan));
}

export function buildSystemFacts(bundle: Bundle): SystemFacts {
  const facts: SystemFacts = { processes: null };
  const uname = bundle.files.get('uname');
  if (uname !== undefined) {
    const parsed = parseUname(uname);
    if (parsed.kernelRelease) facts.kernelRelease = parsed.kernelRelease;
    if (parsed.hostname) facts.hostname = parsed.hostname;
    const text = uname.split('\n', 1)[0]?.trim();
    if (text) facts.unameLine = { spec: 'uname', line: 1, text };
  }
  const nproc = bundle.files.get('nproc');
  const cpus = nproc === undefined ? undefined : parseNproc(nproc);
  if (cpus !== undefined) {
    facts.cpuCount = cpus;
    facts.cpuCountLine = { spec: 'nproc', line: 1, text: String(nproc).trim() };
  }
  const uptime = bundle.files.get('uptime');
  const load = uptime === undefined ? undefined : parseUptime(uptime);
  if (load) {
    facts.load = { one: load.one, five: load.five, fifteen: load.fifteen, line: { spec: 'uptime', line: load.lineNumber, text: load.text.trim() } };
  }
  const meminfo = bundle.files.get('meminfo');
  if (meminfo !== undefined) {
    const mem = parseMeminfo(meminfo);
    const total = mem.get('MemTotal');
    if (total !== undefined) facts.memTotalKb = total;
    const available = mem.get('MemAvailable');
    if (available !== undefined) facts.memAvailableKb = available;
  }
  const ps = bundle.files.get('ps');
  if (ps !== undefined) {
    const processes = parsePs(ps);
    if (processes) {
      facts.processes = processes.map((p) => ({
        pid: p.pid,
        state: p.state,
        ...(p.elapsedSeconds !== undefined ? { elapsedSeconds: p.elapsedSeconds } : {}),
        ...(p.wchan !== undefined ? { wchan: p.wchan } : {}),
        command: p.command,
        line: { spec: 'ps', line: p.lineNumber, text: p.text },
      }));
    }
  }
  return facts;
}
