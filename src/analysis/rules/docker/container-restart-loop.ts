import type { Finding } from '../../../domain/index.js';
import type { Rule } from '../rule.js';
import { logTailOf } from '../../facts/docker.js';
import { toEvidence } from '../../parsers/log-line.js';
import { containerEvidence, containerLabel, lastWordsOf } from './docker-context.js';
import { jvmOutOfMemoryFixes, jvmOutOfMemoryIn } from './jvm-out-of-memory.js';
import { nodeOutOfMemoryFixes, nodeOutOfMemoryIn } from './node-out-of-memory.js';

/** CONTAINER_RESTART_LOOP: a container restarted again and again (RestartCount, or Restarting in docker ps). */
export const containerRestartLoopRule: Rule = {
  codes: ['CONTAINER_RESTART_LOOP'],
  run(facts, ctx) {
    const findings: Finding[] = [];
    for (const c of facts.docker.containers) {
      const count = c.restartCount ?? 0;
      const restarting = c.status === 'restarting' || /^Restarting\b/.test(c.statusText ?? '');
      if (count < ctx.thresholds.restartLoopMin && !restarting) continue;
      const what = count >= ctx.thresholds.restartLoopMin ? `restarted ${count} times` : 'is restarting';
      const exit = c.exitCode !== undefined && c.exitCode !== 0 ? `, last exit ${c.exitCode}${c.oomKilled ? ' (OOM killed)' : ''}` : '';
      // what it printed last, where its log tail was read (docker-host reads each restarting
      // container's): its own words on why it dies, and a JVM's own OutOfMemoryError among them
      // (it ran out of what it sizes itself), or node's heap exhaustion with the heap it reached
      const said = lastWordsOf(facts, c.id);
      const tail = logTailOf(facts.docker, c.id) ?? [];
      const oome = jvmOutOfMemoryIn(tail);
      const nodeOom = nodeOutOfMemoryIn(tail);
      const quoted = new Set(said.evidence.map((e) => e.line));
      const ranOut = [oome?.printed, nodeOom?.gcLine, nodeOom?.printed].filter((l): l is NonNullable<typeof l> => l !== undefined && !quoted.has(l.line.line));
      findings.push({
        code: 'CONTAINER_RESTART_LOOP',
        severity: 'warning',
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} ${what}${exit}${c.statusText ? ` (${c.statusText})` : ''}`,
        evidence: [...containerEvidence(c, 'RestartCount', 'ExitCode', 'OOMKilled'), ...ranOut.map((l) => toEvidence(l.line)), ...said.evidence],
        fixes: [
          ...(oome ? jvmOutOfMemoryFixes(oome, c, c.id.slice(0, 12)) : []),
          ...(nodeOom ? nodeOutOfMemoryFixes(nodeOom, c, c.id.slice(0, 12)) : []),
          {
            title: 'Read why it dies before it restarts again',
            detail: `${said.sentence ? `${said.sentence} ` : ''}The last lines before each exit usually name the cause: a missing config, a dependency that is down, an OOM kill (exit 137).`,
            commands: [`docker logs --tail 100 ${c.id.slice(0, 12)}`, `docker inspect -f '{{json .State}}' ${c.id.slice(0, 12)}`],
          },
          {
            title: 'Bound the restart policy so a broken container does not thrash the host',
            detail: 'Use on-failure with a retry limit instead of always while you investigate.',
            commands: [`docker update --restart=on-failure:5 ${c.id.slice(0, 12)}`],
          },
        ],
        subject: c.id,
        data: {
          container_id: c.id,
          container_name: c.name ?? null,
          restart_count: count,
          ...(c.exitCode !== undefined ? { exit_code: c.exitCode } : {}),
          ...(oome ? { jvm_out_of_memory: oome.kind } : {}),
          ...(nodeOom ? { node_heap_out_of_memory_mib: nodeOom.heapMiB ?? null } : {}),
        },
      });
    }
    return findings;
  },
};
