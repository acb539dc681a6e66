import { isDState } from '../../facts/system.js';
import type { Rule } from '../rule.js';
import { listSome, quote } from './support.js';

/** D_STATE_PILEUP: at least dStateMinProcesses processes in uninterruptible sleep. */
export const dStatePileupRule: Rule = {
  codes: ['D_STATE_PILEUP'],
  run(facts, ctx) {
    const stuck = (facts.system.processes ?? []).filter((p) => isDState(p.state));
    if (stuck.length < ctx.thresholds.dStateMinProcesses) return [];
    const counts = new Map<string, number>();
    for (const p of stuck) {
      const name = commandName(p.command);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const top = [...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => (n > 1 ? `${name} ×${n}` : name));
    const wchans = [...new Set(stuck.map((p) => p.wchan).filter((w): w is string => !!w))];
    return [
      {
        code: 'D_STATE_PILEUP',
        severity: 'warning',
        title: `${stuck.length} processes in uninterruptible sleep (D): ${listSome(top, 4)}`,
        evidence: quote(stuck.map((p) => p.line), 8),
        fixes: [
          {
            title: 'Processes in D state wait on I/O that does not complete: fix the storage underneath them',
            detail:
              'They cannot be killed, not even with kill -9. Look for hung tasks and I/O errors in dmesg and check the ' +
              'devicemapper pool or the disk they write to' + (wchans.length ? ` (they wait in ${listSome(wchans, 3)})` : '') + '.',
            commands: ['dmesg | grep -E "blocked for more than|I/O error"', "ps -eo pid,stat,wchan:32,args | awk '$2 ~ /^D/'"],
          },
        ],
        data: { d_state_processes: stuck.length },
      },
    ];
  },
};

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
