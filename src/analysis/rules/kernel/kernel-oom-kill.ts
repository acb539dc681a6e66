import { seenOf } from '../../facts/clock.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { plural } from '../../../domain/index.js';
import { listSome, quote } from './support.js';

/** KERNEL_OOM_KILL: the whole machine ran out of memory (a global, not cgroup, OOM kill). */
export const kernelOomKillRule: Rule = {
  codes: ['KERNEL_OOM_KILL'],
  run(facts) {
    const kills = facts.kernel.oomKills.filter((k) => k.kind === 'global');
    if (kills.length === 0) return [];
    const victims = kills.map((k) => `${k.process ?? 'a process'}${k.pid !== undefined ? ` (pid ${k.pid})` : ''}`);
    const mem = facts.system.memTotalKb;
    return [
      {
        code: 'KERNEL_OOM_KILL',
        severity: 'critical',
        title:
          `the kernel ran out of memory and killed ${listSome(victims, 3)}` +
          (kills.length > 1 ? ` (${plural(kills.length, 'global OOM kill')})` : '') +
          (mem ? ` on a host with ${formatBytes(mem * 1024, 'binary')} RAM` : ''),
        evidence: quote(kills.flatMap((k) => k.evidence), 8),
        fixes: [
          {
            title: 'Give every container a memory limit so that one runaway process is killed in its cgroup, not by the host',
            commands: ['docker update --memory 4g --memory-swap 4g <container>', 'docker run --memory 4g ...'],
          },
          {
            title: 'Find what grew: compare the processes named in the kill report with `ps` and the containers\' usage',
            commands: ['dmesg | grep -A40 "invoked oom-killer"', 'docker stats --no-stream', 'ps aux --sort=-rss | head'],
          },
        ],
        seen: seenOf(facts.clock, kills.map((k) => k.evidence[0]).filter((l) => l !== undefined)),
        data: { kills: kills.length, ...(mem ? { mem_total_kb: mem } : {}) },
      },
    ];
  },
};
