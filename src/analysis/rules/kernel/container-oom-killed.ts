import type { Evidence, Finding } from '../../../domain/index.js';
import type { ContainerRecord, Facts } from '../../facts/index.js';
import { memoryOf, type MemoryReading } from '../../facts/docker.js';
import { optional } from '../../parsers/optional.js';
import { distinctEvidence, toEvidence } from '../../parsers/log-line.js';
import type { OomKill } from '../../facts/kernel.js';
import { seenOf } from '../../facts/clock.js';
import { formatBytes } from '../../parsers/sizes.js';
import {
  HEAP_FILLS_SHARE,
  cgroupVersionOf,
  containerJvmOptions,
  heapFollowsHost,
  jvmHeapOptionLine,
  containerJvmProcess,
  heapShareMiB,
  heapSizeText,
  jvmHeapFixes,
  jvmName,
  jvmVersion,
  limitForHeapMiB,
  runsJava,
  type CgroupVersion,
  type HeapSize,
  type JvmVersion,
} from '../docker/jvm.js';
import type { Rule } from '../rule.js';
import { commandPrograms, containerEvidence, containerLabel, envHolds, envSetting } from '../docker/docker-context.js';
import { headroomMiB, hostMemoryBytes, limitChange, limitFromReading, usageOfLimitText } from '../docker/memory-sizing.js';
import { findContainer, quote } from './support.js';
import { containerNodeProcess, isNodeProgram, nodeHeapBound, nodeVersion, type NodeVersion } from '../docker/node-out-of-memory.js';

/** What runs in the container, as far as the kill report and docker inspect tell. */
type Runtime = { kind: 'jvm'; version: JvmVersion | undefined } | { kind: 'node'; version: NodeVersion | undefined } | { kind: 'other' };

/**
 * Why node's heap outgrows the limit: before it reads the limit through libuv (12 on cgroup v1,
 * 20 on v2) it sizes the heap from the host's memory; after, it may still take nearly all of a small one.
 */
function nodeHeapReason(version: NodeVersion | undefined, cgroup: CgroupVersion): string {
  const since = cgroup === 2 ? 20 : 12;
  const where = `cgroup v${cgroup}`;
  const closeToLimit = 'it may still allow a heap close to the whole limit for small ones, leaving nothing for buffers and native memory';
  if (!version) {
    return `node sizes its heap from the host's memory where it cannot read the limit (before 12 on cgroup v1, before 20 on cgroup v2), and where it can, ${closeToLimit}.`;
  }
  return version.major < since
    ? `node ${version.major} (${version.from}) does not read a ${where} limit (${since}+ does): it sizes its heap from the host's memory.`
    : `node ${version.major} (${version.from}) reads the ${where} limit, but ${closeToLimit}.`;
}

function runtimeOf(process: string | undefined, container: ContainerRecord | undefined, facts: Facts): Runtime {
  // a JVM that ps shows (the container runs again after the kill) says which it is, from its path;
  // the kernel naming node as the killed process outranks it
  const jvmProcess = container ? containerJvmProcess(container, facts) : undefined;
  const killedNode = isNodeProgram(process);
  if (process === 'java' || (jvmProcess && !killedNode) || (container !== undefined && runsJava(container))) {
    return { kind: 'jvm', version: container ? jvmVersion(container, jvmProcess) : undefined };
  }
  const programs = container ? commandPrograms(container) : [];
  // node that ps shows below npm, an init or a script, where inspect shows only those
  const nodeProcess = container ? containerNodeProcess(container, facts) : undefined;
  if (killedNode || nodeProcess || programs.some(isNodeProgram)) return { kind: 'node', version: nodeVersion(container) };
  return { kind: 'other' };
}

/**
 * Fixes from what is known of this kill: a heap flag for the runtime that was killed (the JVM's
 * flag for its version, node's old-space size), a limit suggested from the usage at the kill, and
 * "set a limit" when the container has none.
 */
function fixesFor(id: string, runtime: Runtime, container: ContainerRecord | undefined, limitBytes: number | undefined, usageBytes: number | undefined, facts: Facts): Finding['fixes'] {
  const short = id.slice(0, 12);
  const cgroup = cgroupVersionOf(facts.docker.info);
  const fixes: Finding['fixes'] = [];
  const heapMiB = limitBytes ? heapShareMiB(limitBytes) : undefined;
  const limitText = limitBytes ? formatBytes(limitBytes, 'binary') : undefined;
  const told = container ? containerJvmOptions(container, facts) : {};
  if (runtime.kind === 'jvm') {
    fixes.push(...jvmHeapFixes(runtime.version, limitBytes, cgroup, told));
  } else if (runtime.kind === 'node') {
    const { given, onCommandLine, where } = nodeHeapBound(container, facts);
    if (given && heapMiB && given.mib <= heapMiB) {
      // its heap was bounded well inside the limit: what grew is outside it
      fixes.push({
        title: `Look outside the V8 heap: --max-old-space-size=${given.mib} keeps it to ${given.mib} MiB, ${Math.round(((given.mib * 2 ** 20) / (limitBytes ?? 1)) * 100)} % of the limit`,
        detail:
          "The memory cgroup counts all of the container's memory: node's Buffers and typed arrays, native addons and the code live outside the V8 heap, and so does every other process in it. " +
          "process.memoryUsage() (rss against heapTotal, external, arrayBuffers) shows which part grew.",
      });
    } else {
      // a bound on node's command line outranks NODE_OPTIONS: it is changed there
      const inPlaceOf = given ? ` in place of --max-old-space-size=${given.mib}${onCommandLine ? ' on its command line' : ''}` : '';
      fixes.push({
        title: 'Cap the V8 heap below the container limit' + (heapMiB ? `: --max-old-space-size=${heapMiB} for ${limitText}${inPlaceOf}` : ''),
        detail:
          (given && limitBytes
            ? `--max-old-space-size=${given.mib} lets the V8 heap take ${Math.round(((given.mib * 2 ** 20) / limitBytes) * 100)} % of the ${limitText} limit, leaving too little for Buffers, native memory and the code.`
            : nodeHeapReason(runtime.version, cgroup)) + where,
        ...(onCommandLine ? {} : { container_env: [envSetting('NODE_OPTIONS', `--max-old-space-size=${heapMiB ?? '<3/4 of the limit in MiB>'}`, envHolds(container, 'NODE_OPTIONS'))] }),
      });
    }
  } else {
    fixes.push({
      title: 'Find what grew in the container before raising its limit',
      detail:
        "The kernel's OOM report lists each process in the container's cgroup with its resident memory (rss, in pages). " +
        'A leak or an unbounded buffer is killed again at any limit.',
      commands: [`docker stats --no-stream ${short}`, `docker top ${short} -o pid,rss,args`],
    });
  }
  const noLimit = container?.source === 'inspect' && !container.memoryLimitBytes && !limitBytes;
  if (noLimit) {
    const sized = limitFromReading(short, memoryOf(facts.docker, id, container?.name), hostMemoryBytes(facts), container);
    fixes.push({
      title: 'Set a memory limit on the container, so that it is killed in its own cgroup rather than the host running out' + (sized.mib ? `: ${sized.mib} MiB` : ''),
      ...optional('detail', sized.detail),
      commands: sized.commands,
    });
  } else {
    const observed = usageBytes ?? limitBytes;
    const fromUsage = observed ? headroomMiB(observed) : undefined;
    // a heap allowed (nearly) the whole limit needs its own size and a quarter more, whatever it used at the kill
    const forHeap = runtime.kind === 'jvm' && told.heap && limitBytes && told.heap.bytes >= HEAP_FILLS_SHARE * limitBytes ? limitForHeapMiB(told.heap) : undefined;
    const suggested = forHeap !== undefined && (fromUsage === undefined || forHeap > fromUsage) ? forHeap : fromUsage;
    const now = usageNow(memoryOf(facts.docker, id, container?.name), limitBytes);
    const heap = runtime.kind === 'jvm' && heapFollowsHost(runtime.version, cgroup, told) ? largerLimitForJvm(runtime.version, suggested, told.hostHeap) : undefined;
    // a limit the heap outgrows all the same is no fix: the heap's own fixes above are
    if (heap?.helps === false) return fixes;
    const change = limitChange(container, short, suggested);
    const detail = [heap?.detail, now, change.where].filter((d) => d !== undefined).join(' ');
    fixes.push({
      title:
        'If the process really needs more, raise the memory limit' +
        (suggested !== undefined && suggested === forHeap && told.heap
          ? `: ${suggested} MiB, its ${formatBytes(told.heap.bytes, 'binary')} heap and a quarter more for the rest (rounded up)`
          : suggested && observed
            ? `: ${suggested} MiB, half again the ${formatBytes(observed, 'binary')} it used when killed (rounded up)`
            : ''),
      ...optional('detail', detail || undefined),
      commands: change.commands,
    });
  }
  return fixes;
}

/**
 * The evidence with the line that sets a killed runtime's heap, which its fixes speak of (-Xmx2g in
 * Args, a JAVA_OPTS entry; node's ps row where a script gave it --max-old-space-size), unless it is
 * quoted already (compact JSON holds a container on one line).
 */
function withHeapLine(evidence: Evidence[], container: ContainerRecord | undefined, { kind }: Runtime, facts: Facts): Evidence[] {
  if (!container) return evidence;
  const node = kind === 'node' ? nodeHeapBound(container, facts) : undefined;
  const line =
    kind === 'jvm'
      ? jvmHeapOptionLine(container, facts, containerJvmOptions(container, facts).heap?.option)
      : node?.given?.place === 'script'
        ? node.process?.line
        : undefined;
  return line ? distinctEvidence([...evidence, toEvidence(line)]) : evidence;
}

/**
 * Whether a larger limit helps a JVM whose heap follows the host's memory: its heap is a share of
 * the host's memory (a quarter by default, or what MaxRAMPercentage/MaxRAMFraction say; heapSizeOf);
 * with a quarter of it more for everything beyond the heap, that must fit under the new limit, or
 * the kill comes again (then it is not offered).
 */
function largerLimitForJvm(jvm: JvmVersion | undefined, suggestedMiB: number | undefined, hostHeap: HeapSize | undefined): { helps: false } | { helps?: true; detail: string } {
  const who = jvm ? jvmName(jvm) : 'This JVM';
  if (hostHeap?.shareOf?.what !== 'host' || suggestedMiB === undefined) return { detail: `${who} sizes its heap from the host's memory, not the limit: a larger limit alone may not stop the kill. Bound the heap first.` };
  if (hostHeap.bytes * 1.25 > suggestedMiB * 2 ** 20) return { helps: false };
  return {
    helps: true,
    detail: `${who} sizes its heap from the host's memory, not the limit: ${heapSizeText(hostHeap, suggestedMiB * 2 ** 20)}, ${formatBytes(hostHeap.bytes, 'binary')}. That fits under ${suggestedMiB} MiB with room for the rest; bounding the heap still says what it may use.`,
  };
}

/**
 * What the container uses of its limit now (container_memory), running again or still: near the limit,
 * its normal load needs more; far below it, the kill came from a peak or a leak.
 */
function usageNow(reading: MemoryReading | undefined, limitAtKill: number | undefined): string | undefined {
  const limit = reading?.limitBytes ?? limitAtKill;
  if (!reading || !limit) return undefined;
  const share = reading.workingSetBytes / limit;
  const figures = usageOfLimitText(reading, limit);
  if (share >= 0.9) return `${figures}: its normal load already needs about all of it, so a larger limit is the fix, unless it grows without bound.`;
  if (share < 0.5) return `${figures}: far below it, so the kill came from a peak or a leak rather than its normal load. Find what grew before raising it.`;
  return `${figures}.`;
}

/**
 * The kernel's usage and limit at the kill, for a title. A memory-cgroup kill nearly always comes at
 * the limit, and "32.0 MiB of 32.0 MiB limit" says it twice; a usage short of it (kernel memory,
 * a v1 memsw limit) is worth both figures.
 */
function usageAtKill(usageBytes: number, limitBytes: number): string {
  const limit = formatBytes(limitBytes, 'binary');
  const usage = formatBytes(usageBytes, 'binary');
  return usageBytes >= limitBytes * 0.99 || usage === limit ? ` at its ${limit} limit` : `: ${usage} of ${limit} limit`;
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
      const figures = last.limitKb !== undefined && last.usageKb !== undefined ? usageAtKill(last.usageKb * 1024, last.limitKb * 1024) : '';
      const runtime = runtimeOf(last.process, container, facts);
      findings.push({
        code: 'CONTAINER_OOM_KILLED',
        severity: 'critical',
        subject: id,
        title: `${who} in container ${containerLabel(id, container)} killed by the memory cgroup${figures}` + (kills.length > 1 ? ` (${kills.length} kills)` : ''),
        // the kernel's report, and the container's id and name from docker inspect/ps that the title names
        evidence: withHeapLine([...quote(kills.flatMap((k) => k.evidence), 8), ...(container?.name ? containerEvidence(container) : [])], container, runtime, facts),
        fixes: fixesFor(id, runtime, container, last.limitKb !== undefined ? last.limitKb * 1024 : container?.memoryLimitBytes, last.usageKb !== undefined ? last.usageKb * 1024 : undefined, facts),
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
      const runtime = runtimeOf(undefined, container, facts);
      findings.push({
        code: 'CONTAINER_OOM_KILLED',
        severity: 'critical',
        subject: container.id,
        title: `container ${containerLabel(container.id, container)} was killed for running out of memory${limit}`,
        evidence: container.line
          ? withHeapLine(containerEvidence(container, 'OOMKilled', 'ExitCode', 'Memory', 'FinishedAt'), container, runtime, facts)
          : [{ spec: 'docker_inspect', text: `"OOMKilled": true (container ${containerLabel(container.id, container)})` }],
        fixes: fixesFor(container.id, runtime, container, container.memoryLimitBytes || undefined, undefined, facts),
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
