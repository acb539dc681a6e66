import type { Evidence } from '../../../domain/index.js';
import type { ContainerRecord } from '../../facts/docker.js';
import { toEvidence, type LogLine } from '../../parsers/log-line.js';
import type { Facts } from '../../facts/index.js';
import type { HungTask } from '../../facts/kernel.js';
import { isDState } from '../../facts/system.js';

/** The container a logged id (12-hex short or 64-hex full) refers to. */
export function findContainer(containers: readonly ContainerRecord[], id: string): ContainerRecord | undefined {
  const lower = id.toLowerCase();
  return containers.find((c) => {
    const cid = c.id.toLowerCase();
    return cid.length >= 12 && lower.length >= 12 && (cid.startsWith(lower) || lower.startsWith(cid));
  });
}

/** Evidence from log lines, at most `max` of them, the first ones and the last one. */
export function quote(lines: readonly LogLine[], max = 6): Evidence[] {
  const picked = lines.length <= max ? lines : [...lines.slice(0, max - 1), lines[lines.length - 1] as LogLine];
  return picked.map(toEvidence);
}

/** "a, b, c and 4 more". */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Items reordered so that the first one for each of `names` (in that order) leads, then the rest as they were. */
export function byNamedFirst<T>(items: readonly T[], names: readonly string[], nameOf: (item: T) => string | undefined): T[] {
  const lead = names.map((n) => items.find((i) => nameOf(i) === n)).filter((i): i is T => i !== undefined);
  return [...lead, ...items.filter((i) => !lead.includes(i))];
}

/** The command that lists what is in D state now: the processes, or every thread where threads are blocked. */
export function dStateListing(threads = false): string {
  return threads ? "ps -eLo pid,lwp,stat,wchan:32,comm | awk '$3 ~ /^D/'" : "ps -eo pid,stat,wchan:32,args | awk '$2 ~ /^D/'";
}

/**
 * Whether a reported task is blocked as the bundle was taken: the kernel's report stays in its log
 * after the task got its I/O or was freed, and is not repeated once hung_task_warnings (10) are
 * spent. The kernel reports threads: the listing of threads in D answers for each (the line that
 * shows it still blocked, or false). Without it, ps -e lists processes: a pid it lists in another
 * state is over, one it lists in D is blocked, and one it does not list may be a thread of a listed
 * process (dockerd's), which says nothing (true: assumed blocked).
 */
export function blockedNow(task: HungTask, facts: Facts): BlockedNow | boolean {
  const threads = facts.system.blockedThreads;
  if (threads) {
    const thread = threads.find((t) => t.tid === task.pid);
    return thread ? { line: thread.line, ...(thread.pid !== thread.tid ? { process: thread.pid } : {}) } : false;
  }
  const listed = facts.system.processes?.find((p) => p.pid === task.pid);
  if (listed === undefined) return true;
  return isDState(listed.state) ? { line: listed.line } : false;
}

/** The row that shows a reported task blocked now; `process` when the task is a thread of another. */
export interface BlockedNow {
  line: LogLine;
  process?: number;
}

/**
 * The whole disk under a kernel device name, where SMART can tell its health: sda1 is sda,
 * nvme0n1p2 is nvme0n1. None for device-mapper, md, loop, or virtual disks (vda, xvda), whose
 * health is the hypervisor's or the volume's to tell.
 */
export function smartDiskOf(device: string): string | undefined {
  const m = /^(sd[a-z]+|hd[a-z]+)\d*$/.exec(device) ?? /^(nvme\d+n\d+)(?:p\d+)?$/.exec(device);
  return m?.[1];
}

/** The seconds dockerd gave a container to stop, from its "failed to exit within 10 seconds of signal 15" line. */
export function stopGraceSeconds(lines: readonly LogLine[]): number | undefined {
  const said = lines.map((l) => /failed to exit within (\d+)(?:s| seconds) of signal\b/.exec(l.text)?.[1]).find(Boolean);
  return said ? Number(said) : undefined;
}

/** A stop timeout to give an app that did not stop in time: twice what it had, a minute at least. */
export function longerStopTimeout(grace: number | undefined): number {
  return Math.max(60, 2 * (grace ?? 0));
}
