import { toEvidence } from '../../parsers/log-line.js';
import { isStuckInD } from '../../facts/system.js';
import type { Rule } from '../rule.js';

/** LOAD_EXTREME: 1-minute load average at or above loadPerCpu × CPU count. */
export const loadExtremeRule: Rule = {
  codes: ['LOAD_EXTREME'],
  run(facts, ctx) {
    const { load, cpuCount } = facts.system;
    if (!load || !cpuCount) return [];
    const limit = ctx.thresholds.loadPerCpu * cpuCount;
    if (load.one < limit) return [];
    const perCpu = load.one / cpuCount;
    const dState = facts.system.processes?.filter(isStuckInD).length ?? 0;
    return [
      {
        code: 'LOAD_EXTREME',
        severity: 'critical',
        title: `load average ${load.one} on ${cpuCount} CPUs (${perCpu.toFixed(1)} per CPU, limit ${ctx.thresholds.loadPerCpu} per CPU)`,
        evidence: [toEvidence(load.line), ...(facts.system.cpuCountLine ? [toEvidence(facts.system.cpuCountLine)] : [])],
        fixes: [
          {
            title: dState > 0 ? 'Look at the tasks in uninterruptible sleep: the load is I/O wait, not CPU' : 'Find what is running or waiting',
            detail:
              'Linux counts tasks blocked on I/O (state D) in the load average. A load of thousands with idle CPUs means ' +
              'I/O that never completes, as with a full devicemapper pool; killing processes will not help, fixing the storage will.',
            commands: ["ps -eo pid,stat,wchan:32,args | awk '$2 ~ /^D/'", 'top -b -n 1 | head -20'],
          },
        ],
        data: { load_1m: load.one, load_5m: load.five, load_15m: load.fifteen, cpus: cpuCount, d_state_processes: dState },
      },
    ];
  },
};
