import type { Bundle, SpecName } from '../../domain/index.js';
import { keepLongestWait, parseKernelLog, type KernelLog } from '../parsers/kernel-log.js';

export type { ConntrackFull, FsShutdown, FsShutdownReason, HungTask, IoError, NfsServerEvent, OomKill, PidsLimitEvent, ReadOnlyRemount, ThinPoolEvent, VethLeak } from '../parsers/kernel-log.js';

/** Kernel events from dmesg and the kernel lines of messages (deduplicated across both). */
export type KernelFacts = KernelLog;

/** dmesg first: its lines are the kernel's own; messages adds what dmesg no longer holds. */
const KERNEL_SPECS: readonly SpecName[] = ['dmesg', 'messages'];

export function buildKernelFacts(bundle: Bundle): KernelFacts {
  const logs: KernelLog[] = [];
  for (const spec of KERNEL_SPECS) {
    const text = bundle.files.get(spec);
    if (text) logs.push(parseKernelLog(text, spec));
  }
  return mergeKernelLogs(logs);
}

/** The same event in dmesg and messages counts once: the first log that reports it wins. */
export function mergeKernelLogs(logs: readonly KernelLog[]): KernelFacts {
  const out: KernelFacts = { hungTasks: [], oomKills: [], ioErrors: [], ioErrorLines: 0, readOnlyRemounts: [], fsShutdowns: [], journalAborts: [], vethLeaks: [], pidsLimits: [], conntrackFull: [], thinPool: [], nfsServers: [] };
  const nfs = new Set<string>();
  const thin = new Set<string>();
  const hung = new Map<string, KernelFacts['hungTasks'][number]>();
  const oom = new Map<string, number>();
  const io = new Set<string>();
  const remounts = new Set<string>();
  const veths = new Map<string, KernelFacts['vethLeaks'][number]>();
  const pids = new Map<string, KernelFacts['pidsLimits'][number]>();
  for (const log of logs) {
    for (const task of log.hungTasks) {
      const key = `${task.name}:${task.pid}`;
      const seen = hung.get(key);
      if (!seen) hung.set(key, task);
      else {
        seen.occurrences = Math.max(seen.occurrences, task.occurrences);
        keepLongestWait(seen, task.blockedSeconds, task.evidence.at(-1));
        if (seen.frames.length === 0 && task.frames.length > 0) {
          seen.frames = task.frames;
          seen.frameLines = task.frameLines;
        }
      }
    }
    // Two kills that look alike within one log are two kills (a grep'd log loses pids); only the
    // copies a later log repeats are dropped.
    const logOom = new Map<string, number>();
    for (const kill of log.oomKills) {
      const key = `${kill.kind}:${kill.pid ?? '?'}:${kill.process ?? '?'}:${kill.containerId ?? kill.cgroup ?? ''}`;
      const nth = (logOom.get(key) ?? 0) + 1;
      logOom.set(key, nth);
      if (nth <= (oom.get(key) ?? 0)) continue;
      out.oomKills.push(kill);
    }
    for (const [key, n] of logOom) oom.set(key, Math.max(n, oom.get(key) ?? 0));
    const logIo = new Set<string>();
    for (const err of log.ioErrors) {
      const key = `${err.device ?? ''}|${messageKey(err.line.text)}`;
      logIo.add(key);
      if (!io.has(key)) out.ioErrors.push(err);
    }
    for (const key of logIo) io.add(key);
    out.ioErrorLines = Math.max(out.ioErrorLines, log.ioErrorLines);
    for (const r of log.readOnlyRemounts) {
      const key = r.device ?? messageKey(r.line.text);
      if (remounts.has(key)) continue;
      remounts.add(key);
      out.readOnlyRemounts.push(r);
    }
    // one per device, from the log read first (dmesg, then messages: the same events)
    addNewDevices(out.fsShutdowns, log.fsShutdowns);
    addNewDevices(out.journalAborts, log.journalAborts);
    for (const event of log.thinPool) {
      const key = messageKey(event.line.text);
      if (thin.has(key)) continue;
      thin.add(key);
      out.thinPool.push(event);
    }
    for (const event of log.nfsServers) {
      const key = messageKey(event.line.text);
      if (nfs.has(key)) continue;
      nfs.add(key);
      out.nfsServers.push(event);
    }
    for (const leak of log.vethLeaks) {
      const seen = veths.get(leak.device);
      if (!seen) veths.set(leak.device, leak);
      else seen.occurrences = Math.max(seen.occurrences, leak.occurrences);
    }
    // dmesg and messages hold the same reports: for each namespace, the log that holds more of them is the one to count
    for (const full of log.conntrackFull) {
      const i = out.conntrackFull.findIndex((f) => f.namespace === full.namespace);
      if (i === -1) out.conntrackFull.push(full);
      else if (full.occurrences > (out.conntrackFull[i]?.occurrences ?? 0)) out.conntrackFull[i] = full;
    }
    for (const event of log.pidsLimits) {
      const seen = pids.get(event.cgroup);
      if (!seen) pids.set(event.cgroup, event);
      else seen.occurrences = Math.max(seen.occurrences, event.occurrences);
    }
  }
  out.hungTasks = [...hung.values()];
  out.vethLeaks = [...veths.values()];
  out.pidsLimits = [...pids.values()];
  return out;
}

/** Adds the events about devices `into` has none for yet. */
function addNewDevices<T extends { device: string }>(into: T[], events: readonly T[]): void {
  for (const e of events) if (!into.some((i) => i.device === e.device)) into.push(e);
}

/** The message of a kernel line without its time/host prefix, for matching dmesg against syslog. */
function messageKey(text: string): string {
  const kernel = text.indexOf('kernel: ');
  const body = kernel === -1 ? text : text.slice(kernel + 8);
  return body.replace(/^(?:<?[^\s>]{1,32}> )?\[[^\]]*\] ?/, '').trim();
}
