import { toEvidence } from '../../parsers/log-line.js';
import { isStuckInD, workerThreadsInD } from '../../facts/system.js';
import { plural, type Fix } from '../../../domain/index.js';
import type { Rule } from '../rule.js';
import { dStateListing } from './support.js';

/** LOAD_EXTREME: 1-minute load average at or above loadPerCpu × CPU count. */
export const loadExtremeRule: Rule = {
  codes: ['LOAD_EXTREME'],
  run(facts, ctx) {
    const { load, cpuCount } = facts.system;
    if (!load || !cpuCount) return [];
    const limit = ctx.thresholds.loadPerCpu * cpuCount;
    if (load.one < limit) return [];
    const perCpu = load.one / cpuCount;
    const listed = facts.system.processes;
    // the worker threads in D count as well, where they were listed: each adds one to the load
    const threads = workerThreadsInD(facts.system).length;
    const dState = (listed?.filter(isStuckInD).length ?? 0) + threads;
    return [
      {
        code: 'LOAD_EXTREME',
        severity: 'critical',
        title: `load average ${load.one} on ${plural(cpuCount, 'CPU')} (${perCpu.toFixed(1)} per CPU, limit ${ctx.thresholds.loadPerCpu} per CPU)`,
        evidence: [toEvidence(load.line), ...(facts.system.cpuCountLine ? [toEvidence(facts.system.cpuCountLine)] : [])],
        fixes: [loadFix(listed === null ? 'unknown' : dState > 0 ? 'blocked' : 'runnable', dState, threads > 0)],
        data: { load_1m: load.one, load_5m: load.five, load_15m: load.fifteen, cpus: cpuCount, d_state_processes: dState },
      },
    ];
  },
};

/**
 * What the load is made of decides where to look: Linux counts tasks in uninterruptible sleep (D)
 * as well as runnable ones, and the process list (when collected) tells them apart.
 */
function loadFix(kind: 'blocked' | 'runnable' | 'unknown', dState: number, threads = false): Fix {
  const blocked = dStateListing(threads);
  const busiest = 'ps -eo pid,stat,pcpu,args --sort=-pcpu | head -15';
  if (kind === 'blocked') {
    return {
      title: `Look at the ${plural(dState, 'task')} in uninterruptible sleep: the load is I/O wait, not CPU`,
      detail:
        'Linux counts tasks blocked on I/O (state D) in the load average. A load far above the CPU count with idle CPUs ' +
        'means I/O that does not complete (storage, a full thin pool, an unanswering network filesystem); killing ' +
        'processes will not help, fixing what they wait on will. Their kernel wait channel (wchan) says what that is.',
      commands: [blocked, 'top -b -n 1 | head -20'],
    };
  }
  if (kind === 'runnable') {
    return {
      title: 'Find what is using the CPUs: no listed task is in uninterruptible sleep, so the load is runnable tasks',
      detail: 'Every task counted is running or waiting for a CPU: a runaway process, a fork storm or too many workers for the CPUs.',
      commands: [busiest, 'top -b -n 1 | head -20'],
    };
  }
  return {
    title: 'Find what is running or waiting',
    detail:
      'Linux counts both runnable tasks and tasks blocked on I/O (state D) in the load average; the process list was not ' +
      'collected, so look at both: busy CPUs mean runnable tasks, idle CPUs with a high load mean I/O that does not complete.',
    commands: [busiest, blocked],
  };
}
