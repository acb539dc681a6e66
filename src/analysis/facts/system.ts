import { ranClean, type Bundle } from '../../domain/index.js';
import { parseConntrack, type ConntrackTable } from '../parsers/conntrack.js';
import { parseMeminfo } from '../parsers/meminfo.js';
import { parseNproc } from '../parsers/nproc.js';
import { parsePs } from '../parsers/ps.js';
import { parseUname } from '../parsers/uname.js';
import { parseUptime } from '../parsers/uptime.js';
import type { LogLine } from '../parsers/log-line.js';

export interface ProcessInfo {
  pid: number;
  /** The parent's pid, where ps listed it. */
  ppid?: number;
  /** ps STAT column, e.g. "D", "Ss", "D<". */
  state: string;
  elapsedSeconds?: number;
  wchan?: string;
  command: string;
  line: LogLine;
}

/** A thread in uninterruptible sleep: its process, its own id, and its row. */
export interface BlockedThread {
  pid: number;
  tid: number;
  /** The STAT column: "D", "Dl", "D<". */
  state: string;
  /** The thread's name (comm), or its process's command line in a sosreport's ps -elfL. */
  name: string;
  wchan?: string;
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
  /** Each process's children, by the parent's pid, where ps gives parents (built once: rules walk it per container). */
  childrenOf?: ReadonlyMap<number, readonly ProcessInfo[]>;
  /**
   * Every thread in D state now, by thread id (`ps -eL`): the kernel reports hung tasks by thread,
   * which `ps -e` does not list. Undefined when that listing was not collected or not understood.
   */
  blockedThreads?: BlockedThread[];
  /** What starts and stops services here, when the bundle says (see serviceManagerOf). */
  serviceManager?: ServiceManager;
  /** The connection-tracking table now (conntrack spec): this network namespace's entries, and the maximum. */
  conntrack?: ConntrackTable;
}

/** systemd, or SysV init / upstart (`service NAME start`), with what showed it. */
export interface ServiceManager {
  kind: 'systemd' | 'service';
  /** Why we think so, fit to quote in a fix: "journalctl is not installed". */
  because: string;
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

/**
 * The threads in D that are not their process's main thread (which ps -e already shows), named
 * after their process as ps lists it (pid is the thread's id), each with its own row as the evidence line.
 */
export function workerThreadsInD(system: SystemFacts): ProcessInfo[] {
  const byPid = new Map((system.processes ?? []).map((p) => [p.pid, p]));
  return (system.blockedThreads ?? [])
    .filter((t) => t.tid !== t.pid && isStuckInD(t))
    .map((t) => ({
      pid: t.tid,
      state: t.state,
      ...(t.wchan !== undefined ? { wchan: t.wchan } : {}),
      command: byPid.get(t.pid)?.command ?? t.name,
      line: t.line,
    }));
}

/**
 * A process and the processes below it, a level at a time (the process itself, its children, their
 * children...), down to `depth` levels below it. Only the process itself where ps gave no parents.
 */
export function processLevelsBelow(system: SystemFacts, pid: number, depth: number): ProcessInfo[][] {
  const top = system.processes?.find((p) => p.pid === pid);
  if (!top) return [];
  const levels: ProcessInfo[][] = [[top]];
  for (let d = 0; d < depth; d++) {
    const children = (levels.at(-1) ?? []).flatMap((p) => system.childrenOf?.get(p.pid) ?? []);
    if (children.length === 0) break;
    levels.push(children);
  }
  return levels;
}

/** The children of each process by its parent's pid; a process that names itself its parent (pid 0's) is no one's child. */
function childrenByParent(processes: readonly ProcessInfo[]): Map<number, ProcessInfo[]> {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of processes) {
    if (p.ppid === undefined || p.ppid === p.pid) continue;
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  return children;
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
  const conntrack = bundle.files.get('conntrack');
  const table = conntrack === undefined ? undefined : parseConntrack(conntrack);
  if (table) facts.conntrack = table;
  const ps = bundle.files.get('ps');
  if (ps !== undefined) {
    const processes = parsePs(ps);
    if (processes) {
      facts.processes = processes.map((p) => ({
        pid: p.pid,
        ...(p.ppid !== undefined ? { ppid: p.ppid } : {}),
        state: p.state,
        ...(p.elapsedSeconds !== undefined ? { elapsedSeconds: p.elapsedSeconds } : {}),
        ...(p.wchan !== undefined ? { wchan: p.wchan } : {}),
        command: p.command,
        line: { spec: 'ps', line: p.lineNumber, text: p.text },
      }));
      facts.childrenOf = childrenByParent(facts.processes);
    }
  }
  const blocked = blockedThreadsOf(bundle);
  if (blocked) facts.blockedThreads = blocked;
  const manager = serviceManagerOf(bundle, facts);
  if (manager) facts.serviceManager = manager;
  return facts;
}

/**
 * The threads in D from the blocked_threads listing: the playbook's keeps only those, a sosreport's
 * `ps -elfL` has them all. Undefined unless the listing ran to its end and has ps's header.
 */
function blockedThreadsOf(bundle: Bundle): BlockedThread[] | undefined {
  const text = bundle.files.get('blocked_threads');
  const step = bundle.meta.steps?.['blocked_threads'];
  if (text === undefined || !ranClean(step)) return undefined;
  const rows = parsePs(text);
  if (!rows) return undefined;
  return rows.flatMap((r) =>
    r.tid !== undefined && isDState(r.state) ? [{ pid: r.pid, tid: r.tid, state: r.state, name: r.command, ...(r.wchan !== undefined ? { wchan: r.wchan } : {}), line: { spec: 'blocked_threads', line: r.lineNumber, text: r.text } }] : [],
  );
}

/**
 * systemd when PID 1 is systemd by name or its journal answered for the docker unit; `service`
 * when journalctl is missing, journald keeps no journal (no systemd as PID 1), or the kernel is
 * a 2.6 one (RHEL/CentOS 6 and their upstart). Undefined when the bundle does not say: a
 * Debian PID 1 reads /sbin/init under either.
 */
function serviceManagerOf(bundle: Bundle, facts: SystemFacts): ServiceManager | undefined {
  const init = facts.processes?.find((p) => p.pid === 1);
  if (init && /(?:^|\/)systemd(?:\s|$)/.test(init.command)) return { kind: 'systemd', because: 'PID 1 is systemd' };
  const journal = bundle.meta.steps?.['journal_docker'];
  // the journal's first lines say whether journald answers at all, and whose lines it holds
  const journalText = (bundle.files.get('journal_docker') ?? '').split('\n', 50).join('\n');
  if (journal?.exit === 127 || /journalctl: (?:command )?not found/.test(journal?.stderr ?? '')) return { kind: 'service', because: 'journalctl is not installed' };
  if (/No journal files were found/.test(`${journal?.stderr ?? ''}\n${journalText}`)) return { kind: 'service', because: 'journald keeps no journal here' };
  if (journal?.exit === 0 && /\bdockerd?(?:-current)?(?:\[\d+\])?:/.test(journalText)) return { kind: 'systemd', because: "the docker unit's journal answered" };
  if (facts.kernelRelease?.startsWith('2.6.')) return { kind: 'service', because: `kernel ${facts.kernelRelease} predates systemd on its distribution` };
  return undefined;
}
