import { isStuckInD, workerThreadsInD } from '../../facts/system.js';
import type { Rule } from '../rule.js';
import { blockedIoFixes, classifyFrames, classifyWaitChannel, dominantClass, waitsOn } from './blocked-io.js';
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
    const counts = new Map<string, number>();
    for (const p of stuck) {
      const name = commandName(p.command);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const top = [...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => (n > 1 ? `${name} ×${n}` : name));
    const wchans = [...new Set(stuck.map((p) => p.wchan).filter((w): w is string => !!w && w !== '-'))];
    // What they wait for: their wait channels, else the stacks of the hung tasks the kernel reported.
    // A kernel thread's name is its own wait channel: jbd2/dm-17-8 commits the ext4 journal, xfsaild pushes the XFS log.
    const byWchan = dominantClass(
      stuck.map((p) => {
        const byChannel = classifyWaitChannel(p.wchan);
        return byChannel !== 'unknown' ? byChannel : classifyFrames([commandName(p.command).split('/')[0] ?? '']);
      }),
    );
    const cls = byWchan !== 'unknown' ? byWchan : dominantClass(facts.kernel.hungTasks.map((t) => classifyFrames(t.frames)));
    const pids = stuck.map((p) => String(p.pid));
    const waits = waitsOn(cls, facts);
    return [
      {
        code: 'D_STATE_PILEUP',
        severity: 'warning',
        title: `${tasksText(processes.length, threads.length)} in uninterruptible sleep (D)${cls === 'unknown' ? '' : `, ${waits.text}`}: ${listSome(top, 4)}`,
        // a line for each name the title lists first, then the rest
        evidence: quote(byNamedFirst(stuck, [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0)).slice(0, 4), (p) => commandName(p.command)).map((p) => p.line), 8).concat(waits.evidence),
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
