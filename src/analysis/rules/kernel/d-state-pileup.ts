import { isStuckInD, workerThreadsInD } from '../../facts/system.js';
import type { Rule } from '../rule.js';
import { blockedIoFixes, classifyFrames, classifyWaitChannel, dominantClass, waitsOn, type BlockedIoClass } from './blocked-io.js';
import { byNamedFirst, dStateListing, listSome, quote } from './support.js';

/**
 * D_STATE_PILEUP: at least dStateMinProcesses tasks in uninterruptible sleep: processes in D, and,
 * where the threads in D were listed, the other threads of any process (a JVM or dockerd whose main
 * thread waits in a futex while its workers are blocked: ps -e shows it in S, and each adds to the load).
 */
export const dStatePileupRule: Rule = {
  codes: ['D_STATE_PILEUP'],
  run(facts, ctx) {
    const processes = (facts.system.processes ?? []).filter(isStuckInD);
    const threads = workerThreadsInD(facts.system);
    const stuck = [...processes, ...threads];
    if (stuck.length < ctx.thresholds.dStateMinProcesses) return [];
    const counted = countNames(stuck);
    const top = nameList(counted);
    const wchans = [...new Set(stuck.map((p) => p.wchan).filter((w): w is string => !!w && w !== '-'))];
    // What they wait for: their wait channels, else the stacks of the hung tasks the kernel reported.
    // A kernel thread's name is its own wait channel: jbd2/dm-17-8 commits the ext4 journal, xfsaild pushes the XFS log.
    const classes = stuck.map((p) => {
      const byChannel = classifyWaitChannel(p.wchan);
      return byChannel !== 'unknown' ? byChannel : classifyFrames([commandName(p.command).split('/')[0] ?? '']);
    });
    const byWchan = dominantClass(classes);
    const cls = byWchan !== 'unknown' ? byWchan : dominantClass(facts.kernel.hungTasks.map((t) => classifyFrames(t.frames)));
    const pids = stuck.map((p) => String(p.pid));
    const waits = waitsOn(cls, facts);
    return [
      {
        code: 'D_STATE_PILEUP',
        severity: 'warning',
        title: `${tasksText(processes.length, threads.length)} in uninterruptible sleep (D)${whatTheyWaitFor(stuck, classes, byWchan, cls === 'unknown' ? undefined : waits.text, top)}`,
        // a line for each name the title lists first, then the rest
        evidence: quote(byNamedFirst(stuck, counted.slice(0, 4).map(([name]) => name), (p) => commandName(p.command)).map((p) => p.line), 8).concat(waits.evidence),
        // frozen tasks wait for nobody but whoever froze them: thawing is the whole fix
        fixes: [
          ...(cls === 'freezer' ? [] : [{
            title: 'Processes in D state cannot be killed, not even with kill -9: free what they wait for',
            detail: wchans.length ? `They wait in ${listSome(wchans, 3)}.` : 'ps shows no wait channel; the kernel stacks of the processes do.',
            commands: [dStateListing(threads.length > 0), 'dmesg | grep -E "blocked for more than|I/O error"'],
          }]),
          ...blockedIoFixes(cls, facts, pids),
        ],
        data: { d_state_processes: processes.length, ...(threads.length ? { d_state_threads: threads.length } : {}), io_class: cls },
      },
    ];
  },
};

/** Each command name of the tasks with how many run it, the most common first. */
function countNames(tasks: readonly { command: string }[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const p of tasks) {
    const name = commandName(p.command);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** "sleep ×6, wc ×5": the names of tasks, the most common first. */
function namesOf(tasks: readonly { command: string }[]): string[] {
  return nameList(countNames(tasks));
}

function nameList(counted: readonly [string, number][]): string[] {
  return counted.map(([name, n]) => (n > 1 ? `${name} ×${n}` : name));
}

/**
 * What the title says they wait for. All of one class (or the class read from the kernel's hung-task
 * stacks): that, then their names. Some of another, where each task's own wait channel tells: the
 * class the wait channels give, only for the tasks it holds, and the rest apart: those of another
 * known class, and beside frozen tasks any other (the collector's own commands caught in D beside a
 * paused container are not frozen by it). A task whose channel says nothing may wait behind the same I/O.
 */
function whatTheyWaitFor(stuck: readonly { command: string }[], classes: readonly BlockedIoClass[], byWchan: BlockedIoClass, waits: string | undefined, top: readonly string[]): string {
  // a task whose channel says nothing may wait behind the same I/O; a frozen one always shows where it slept
  const apart = (cls: BlockedIoClass | undefined): boolean => cls !== byWchan && (byWchan === 'freezer' || cls !== 'unknown');
  const rest = stuck.filter((_p, i) => apart(classes[i]));
  if (waits === undefined || byWchan === 'unknown' || rest.length === 0) return `${waits === undefined ? '' : `, ${waits}`}: ${listSome(top, 4)}`;
  const mine = stuck.filter((_p, i) => !apart(classes[i]));
  return `: ${mine.length} ${waits} (${listSome(namesOf(mine), 4)}), ${rest.length} waiting on something else (${listSome(namesOf(rest), 3)})`;
}

/** "6 processes", "40 threads", "2 processes and 40 threads". */
function tasksText(processes: number, threads: number): string {
  const p = `${processes} ${processes === 1 ? 'process' : 'processes'}`;
  const t = `${threads} ${threads === 1 ? 'thread' : 'threads'}`;
  return threads === 0 ? p : processes === 0 ? t : `${p} and ${t}`;
}

/**
 * "redis-server" from "redis-server *:7017" or "/usr/bin/redis-server", "jbd2/dm-17-8" from
 * "[jbd2/dm-17-8]" and from the bare comm "jbd2/dm-17-8" (`ps -o comm`): only a path loses its
 * directories.
 */
function commandName(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? '';
  const bare = first.replace(/^\[(.*)\]$/, '$1');
  return /^\.{0,2}\//.test(first) ? (bare.split('/').pop() ?? bare) : bare;
}
