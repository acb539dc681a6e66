import type { Finding } from '../../../domain/index.js';
import type { ContainerRecord } from '../../facts/index.js';
import type { OomKill } from '../../facts/kernel.js';
import { seenOf } from '../../facts/clock.js';
import { formatBytes } from '../../parsers/sizes.js';
import { runsJava } from '../docker/jvm-heap-unbounded.js';
import type { Rule } from '../rule.js';
import { containerLabel } from '../docker/docker-context.js';
import { findContainer, quote } from './support.js';

const JVM_FIX: Finding['fixes'][number] = {
  title: 'Cap the JVM heap below the container limit (about 3/4 of it), or use a container-aware JVM',
  detail:
    'A JVM that does not know it runs in a container sizes its heap from the host\'s memory, grows past the cgroup ' +
    'limit and is killed (exit 137) again and again. Raising the limit alone does not help.',
  commands: ['-Xmx3g  (for a 4 GiB limit)', '-XX:+UseContainerSupport -XX:MaxRAMPercentage=75.0  (JDK 8u191+, 10+)'],
};
const LIMIT_FIX: Finding['fixes'][number] = {
  title: 'If the process really needs more, raise the container\'s memory limit (Marathon "mem", docker --memory)',
  commands: ['docker update --memory 6g --memory-swap 6g <container>'],
};

/**
 * The JVM's heap advice when java is what was killed (or nothing says what was); for anything else,
 * where the memory went first: heap flags mean nothing to `tail` or nginx.
 */
function fixesFor(id: string, process: string | undefined, container: ContainerRecord | undefined): Finding['fixes'] {
  const java = process === 'java' || (container !== undefined && runsJava(container));
  const nothingKnown = process === undefined && container === undefined;
  if (java || nothingKnown) return [JVM_FIX, LIMIT_FIX];
  return [
    {
      title: 'Find what grew in the container before raising its limit',
      detail:
        "The kernel's OOM report lists each process in the container's cgroup with its resident memory (rss, in pages). " +
        'A leak or an unbounded buffer is killed again at any limit.',
      commands: [`docker stats --no-stream ${id.slice(0, 12)}`, `docker top ${id.slice(0, 12)} -o pid,rss,args`],
    },
    LIMIT_FIX,
  ];
}

/**
 * CONTAINER_OOM_KILLED: a memory-cgroup OOM kill of a container's process (kernel log), or a container
 * that docker inspect says was OOMKilled. One finding per container.
 */
export const containerOomKilledRule: Rule = {
  codes: ['CONTAINER_OOM_KILLED'],
  run(facts) {
    const byContainer = new Map<string, OomKill[]>();
    for (const kill of facts.kernel.oomKills) {
      if (kill.kind !== 'memcg' || !kill.containerId) continue;
      const group = byContainer.get(kill.containerId) ?? [];
      group.push(kill);
      byContainer.set(kill.containerId, group);
    }
    const findings: Finding[] = [];
    for (const [id, kills] of byContainer) {
      const container = findContainer(facts.docker.containers, id);
      const last = kills[kills.length - 1] as OomKill;
      const who = `${last.process ?? 'a process'}${last.pid !== undefined ? ` (pid ${last.pid})` : ''}`;
      const figures =
        last.limitKb !== undefined && last.usageKb !== undefined ? `: ${formatBytes(last.usageKb * 1024, 'binary')} of ${formatBytes(last.limitKb * 1024, 'binary')} limit` : '';
      findings.push({
        code: 'CONTAINER_OOM_KILLED',
        severity: 'critical',
        subject: id,
        title: `${who} in container ${containerLabel(id, container)} killed by the memory cgroup${figures}` + (kills.length > 1 ? ` (${kills.length} kills)` : ''),
        evidence: quote(kills.flatMap((k) => k.evidence), 8),
        fixes: fixesFor(id, last.process, container),
        seen: seenOf(facts.clock, kills.map((k) => k.evidence[0]).filter((l) => l !== undefined)),
        data: {
          container_id: id,
          container_name: container?.name?.replace(/^\//, '') ?? null,
          process: last.process ?? null,
          pid: last.pid ?? null,
          limit_bytes: last.limitKb !== undefined ? last.limitKb * 1024 : null,
          usage_bytes: last.usageKb !== undefined ? last.usageKb * 1024 : null,
          kills: kills.length,
        },
      });
    }
    for (const container of facts.docker.containers) {
      if (container.oomKilled !== true || [...byContainer.keys()].some((id) => findContainer([container], id))) continue;
      const limit = container.memoryLimitBytes ? ` (limit ${formatBytes(container.memoryLimitBytes, 'binary')})` : '';
      findings.push({
        code: 'CONTAINER_OOM_KILLED',
        severity: 'critical',
        subject: container.id,
        title: `container ${containerLabel(container.id, container)} was killed for running out of memory${limit}`,
        evidence: [
          container.line
            ? { spec: container.line.spec, text: container.line.text, line: container.line.line }
            : { spec: 'docker_inspect', text: `"OOMKilled": true (container ${containerLabel(container.id, container)})` },
        ],
        fixes: fixesFor(container.id, undefined, container),
        seen: seenOf(facts.clock, container.finishedAt ? [container.finishedAt] : [], 1),
        data: {
          container_id: container.id,
          container_name: container.name?.replace(/^\//, '') ?? null,
          limit_bytes: container.memoryLimitBytes ?? null,
          exit_code: container.exitCode ?? null,
        },
      });
    }
    return findings;
  },
};
