import { seenOf } from '../../facts/clock.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Facts, OomKill } from '../../facts/index.js';
import type { Rule } from '../rule.js';
import { containerLabel } from '../docker/docker-context.js';
import { hostMemoryBytes, limitFromReading, memoryUpdateCommand } from '../docker/memory-sizing.js';
import { memoryOf, type MemoryReading } from '../../facts/docker.js';
import { plural, type Fix } from '../../../domain/index.js';
import { findContainer, listSome, quote } from './support.js';

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
        fixes: kernelOomFixes(facts, kills),
        seen: seenOf(facts.clock, kills.map((k) => k.evidence[0]).filter((l) => l !== undefined)),
        data: { kills: kills.length, ...(mem ? { mem_total_kb: mem } : {}) },
      },
    ];
  },
};

/**
 * The fixes from the kill report: the victim's container (a global kill names its cgroup) gets a
 * limit of its own, sized from what it uses now, or, when it had one, the limits together are too
 * much for the host; the resident size it was killed with says how big it had grown.
 */
function kernelOomFixes(facts: Facts, kills: readonly OomKill[]): Fix[] {
  const victim = [...kills].reverse().find((k) => k.containerId) ?? kills[kills.length - 1];
  const held = victim?.rssKb ? `${victim.process ?? 'The process'} held ${formatBytes(victim.rssKb * 1024, 'binary')} resident when it was killed` : undefined;
  const hostBytes = hostMemoryBytes(facts);
  const host = hostBytes !== undefined ? formatBytes(hostBytes, 'binary') : undefined;
  const grown = held ? `${held}${host ? `, on a host with ${host}` : ''}. ` : '';
  const id = victim?.containerId;
  const container = id ? findContainer(facts.docker.containers, id) : undefined;
  const short = id?.slice(0, 12);
  const sized = id && short && !container?.memoryLimitBytes ? limitFromReading(short, memoryOf(facts.docker, id, container?.name), hostBytes, container) : undefined;
  const limit: Fix =
    id && container?.memoryLimitBytes
      ? {
          title: `Container ${containerLabel(id, container, 'parenthesised')} had a ${formatBytes(container.memoryLimitBytes, 'binary-whole')} limit, yet the host ran out: the containers' limits together exceed its memory`,
          detail: `${grown}${limitsTogether(facts, hostBytes)}Lower the limits until their sum, with what runs outside Docker, fits in the host's memory.`,
          commands: ['docker stats --no-stream', "docker inspect --format '{{.Name}} {{.HostConfig.Memory}}' $(docker ps -q)"],
        }
      : id && short && sized
        ? {
            title:
              (container
                ? `Give container ${containerLabel(id, container, 'parenthesised')} a memory limit, so that it is killed in its own cgroup instead of the host running out`
                : `Limit the memory of container ${short}, whose process the kernel killed, so that it is killed in its own cgroup instead of the host running out`) + (sized.mib ? `: ${sized.mib} MiB` : ''),
            detail: `${grown}${container ? '' : 'docker inspect says whether it has a limit now. '}${sized.detail ?? "Size the limit from its normal usage (docker stats), with headroom, and below what the host can spare."}`,
            commands: [...(container ? [] : [`docker inspect --format '{{.Name}} {{.HostConfig.Memory}}' ${short}`]), ...sized.commands],
          }
        : everyLimitFix(facts, grown, hostBytes);
  const largest = largestNow(facts);
  return [
    limit,
    {
      title: "Find what grew: compare the processes named in the kill report with `ps` and the containers' usage",
      ...(largest ? { detail: `The containers that use the most memory now: ${largest}.` } : {}),
      commands: ['dmesg | grep -A40 "invoked oom-killer"', 'ps aux --sort=-rss | head'],
    },
  ];
}

/**
 * The limit for every container that has none, when the kill report names no container: each
 * running one without a limit that the container_memory step read, largest first, sized as
 * limitFromReading sizes one; else the way to size them.
 */
function everyLimitFix(facts: Facts, grown: string, hostBytes: number | undefined): Fix {
  const title = 'Give every container a memory limit so that one runaway process is killed in its cgroup, not by the host';
  const sized = facts.docker.containers
    .filter((c) => c.running && !c.memoryLimitBytes)
    .flatMap((c) => {
      const reading = memoryOf(facts.docker, c.id, c.name);
      return reading ? [{ c, reading, limit: limitFromReading(c.id.slice(0, 12), reading, hostBytes, c) }] : [];
    })
    .sort((a, b) => b.reading.workingSetBytes - a.reading.workingSetBytes)
    .slice(0, 5);
  if (sized.length === 0) {
    return { title, detail: `${grown}Size each limit from the container's normal usage (docker stats), with headroom.`, commands: ['docker stats --no-stream', memoryUpdateCommand('<container>', undefined)] };
  }
  const each = sized.map(({ c, reading, limit }) => `${containerLabel(c.id, c)} ${limit.mib ?? '?'} MiB (${formatBytes(reading.workingSetBytes, 'binary')} now)`);
  // where a scheduler's container takes its limit from, which its command alone does not say
  const where = [...new Set(sized.flatMap(({ limit }) => (limit.where ? [limit.where] : [])))];
  return {
    title,
    detail: `${grown}Half again what each uses now (its working set, as docker stats counts it), 64 MiB at least: ${each.join(', ')}. Watch them under load before settling.${where.map((w) => ` ${w}`).join('')}`,
    commands: sized.flatMap(({ limit }) => limit.commands),
  };
}

/** "The limits of 3 running containers add up to 12.0 GiB on a host with 7.8 GiB, more than it has. " */
function limitsTogether(facts: Facts, hostBytes: number | undefined): string {
  const running = facts.docker.containers.filter((c) => c.running);
  const limited = running.filter((c) => c.memoryLimitBytes);
  if (limited.length === 0 || hostBytes === undefined) return '';
  const sum = limited.reduce((total, c) => total + (c.memoryLimitBytes ?? 0), 0);
  const unlimited = running.filter((c) => !c.memoryLimitBytes);
  const together = `The limits of ${plural(limited.length, 'running container')} add up to ${formatBytes(sum, 'binary')} on a host with ${formatBytes(hostBytes, 'binary')}`;
  if (sum > hostBytes) return `${together}, more than it has. `;
  if (unlimited.length === 0) return `${together}: what runs outside Docker took the rest. `;
  return `${together}; the rest is shared by everything outside Docker and ${plural(unlimited.length, 'running container')} with no limit (${listSome(unlimited.map((c) => containerLabel(c.id, c)), 5)}). `;
}

/**
 * The three containers with the largest working set now: "db 1a2b3c4d5e6f 1.2 GiB, ...". From the
 * readings themselves, so that a hung dockerd (no inspect) still gets them, by id.
 */
function largestNow(facts: Facts): string | undefined {
  if (facts.docker.memory.length === 0) return undefined;
  // the container a reading is of, matched as memoryOf matches (an id either way, or docker stats' name)
  const label = (r: MemoryReading): string => {
    const record = facts.docker.containers.find((c) => memoryOf({ memory: [r] }, c.id, c.name) === r);
    if (record) return containerLabel(record.id, record);
    return /^[0-9a-f]{12,64}$/.test(r.container) ? `${r.name ? `${r.name} ` : ''}${r.container.slice(0, 12)}` : r.container;
  };
  return [...facts.docker.memory]
    .sort((a, b) => b.workingSetBytes - a.workingSetBytes)
    .slice(0, 3)
    .map((r) => `${label(r)} ${formatBytes(r.workingSetBytes, 'binary')}`)
    .join(', ');
}
