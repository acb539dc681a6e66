import type { Finding, Fix } from '../../../domain/index.js';
import type { ContainerRecord, Facts, ProcessInfo } from '../../facts/index.js';
import { memoryOf, type MemoryReading } from '../../facts/docker.js';
import { hostMemoryBytes, limitChange, limitFix, usageOfLimitText } from './memory-sizing.js';
import type { InspectKey } from '../../parsers/docker-inspect.js';
import { distinctEvidence, toEvidence } from '../../parsers/log-line.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { shellArg } from '../../../domain/shell.js';
import { containerEvidence, containerLabel, programOf } from './docker-context.js';
import {
  HEAP_FILLS_SHARE,
  cgroupVersionOf,
  heapOptionLine,
  heapSizeOf,
  heapsOf,
  shareOfLimitText,
  ignoredHeapVariables,
  limitForHeapMiB,
  heapBlindness,
  heapShareMiB,
  isContainerAware,
  containerJvmProcess,
  jvmHeapFixes,
  jvmName,
  jvmOptionsOf,
  jvmOptionText,
  jvmVersion,
  jvmVersionText,
  runsJava,
  versionSourceText,
  type CgroupVersion,
  type HeapSize,
  type JvmOptions,
  type JvmVersion,
} from './jvm.js';

/**
 * JVM_HEAP_UNBOUNDED: java in a memory-limited container whose heap is not bounded within the limit:
 * no heap bound on a JVM that ignores the cgroup, or a bound that lets the heap alone take (nearly)
 * all of the limit (-Xmx as large as it, MaxRAMPercentage=100, the experimental flag with
 * MaxRAMFraction=1, a MaxRAM above it).
 */
export const jvmHeapUnboundedRule: Rule = {
  codes: ['JVM_HEAP_UNBOUNDED'],
  run(facts) {
    const findings: Finding[] = [];
    for (const c of facts.docker.containers) {
      const limit = c.memoryLimitBytes;
      if (!limit) continue;
      // What the main process really runs, where ps shows it: an entrypoint script may exec java
      // (inspect shows only the script) or add -Xmx itself (inspect shows java without it).
      const jvmProcess = containerJvmProcess(c, facts);
      if (!jvmProcess && !runsJava(c)) continue;
      const options = jvmOptionText(c, jvmProcess);
      // Containers stopped on purpose are history; running ones and the ones that were killed matter.
      if (!c.running && c.exitCode !== 137 && !c.oomKilled) continue;
      const jvm = jvmVersion(c, jvmProcess);
      const cgroup = cgroupVersionOf(facts.docker.info);
      const told = jvmOptionsOf(c, options);
      const { heap, hostHeap } = heapsOf(heapSizeOf(c, jvmProcess, jvm, cgroup, hostMemoryBytes(facts)));
      if (heap && heap.bytes >= HEAP_FILLS_SHARE * limit) {
        findings.push(heapFillsLimitFinding(c, facts, { heap, limit, jvm, cgroup, told, jvmProcess }));
        continue;
      }
      if (told.heapBounded) continue;
      // a JVM that starts with -XX:MaxRAMPercentage knows it, so it is 8u191+ or 10+ and reads a v1 limit
      const aware = jvm ? isContainerAware(jvm, cgroup) : cgroup === 1 && told.ramShare?.startsWith('-XX:MaxRAMPercentage') === true;
      if (!told.containerSupportOff && aware) continue;
      const limitText = formatBytes(limit, 'binary-whole');
      const ignored = ignoredHeapVariables(c, jvmProcess);
      const reading = c.running ? memoryOf(facts.docker, c.id, c.name) : undefined;
      const cgroupLine = cgroup === 2 ? facts.docker.info?.lines.get('Cgroup Version') : undefined;
      const why = told.containerSupportOff
        ? `-XX:-UseContainerSupport tells ${jvm ? `${jvmName(jvm)} (${versionSourceText(jvm.source)})` : 'it'} to ignore the limit`
        : jvm
          ? `${jvmName(jvm)} (${versionSourceText(jvm.source)}) ${heapBlindness(jvm, cgroup)}`
          : 'JVM version unknown, assumed not container-aware';
      const check = (!jvm || jvm.orLater) && c.running ? [versionCheckFix(c, jvmProcess)] : [];
      findings.push({
        code: 'JVM_HEAP_UNBOUNDED',
        severity: 'warning',
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} runs java with a ${limitText} memory limit and no -Xmx; ${why}`,
        evidence: distinctEvidence([
          ...containerEvidence(c, 'Memory', 'ExitCode', 'OOMKilled', 'Path', ...versionKeys(jvm), ...(told.containerSupportOff ? (['ContainerSupportOff'] as const) : [])),
          ...(jvmProcess ? [toEvidence(jvmProcess.line)] : []),
          ...(cgroupLine ? [toEvidence(cgroupLine)] : []),
          // the variable whose heap option the JVM never sees
          ...(c.heapOptionLines ?? []).filter((l) => ignored.some((name) => l.text.includes(`"${name}=`))).map(toEvidence),
        ]),
        fixes: withUsageNow(jvmHeapFixes(jvm, limit, cgroup, { ...told, ...(hostHeap ? { hostHeap } : {}), ...(ignored.length ? { ignoredVariables: ignored } : {}) }), reading, limit).concat(check),
        subject: c.id,
        data: {
          container_id: c.id,
          container_name: c.name ?? null,
          limit_bytes: limit,
          suggested_xmx_mb: heapShareMiB(limit),
          java_version: jvm ? jvmVersionText(jvm) : null,
          java_version_source: jvm ? versionSourceText(jvm.source) : null,
          container_support_off: told.containerSupportOff === true,
          ...(reading ? { working_set_bytes: reading.workingSetBytes } : {}),
        },
      });
    }
    return findings;
  },
};

/**
 * A heap bound that lets the heap alone take (nearly) all of the limit: the JVM's metaspace,
 * threads and code cache come on top, so the memory cgroup kills it before its heap is full.
 */
function heapFillsLimitFinding(
  c: ContainerRecord,
  facts: Facts,
  { heap, limit, jvm, cgroup, told, jvmProcess }: { heap: HeapSize; limit: number; jvm: JvmVersion | undefined; cgroup: CgroupVersion; told: JvmOptions; jvmProcess: ProcessInfo | undefined },
): Finding {
  const short = c.id.slice(0, 12);
  const reading = c.running ? memoryOf(facts.docker, c.id, c.name) : undefined;
  const maxRam = heap.shareOf?.what === 'MaxRAM' ? heap.shareOf : undefined;
  const bound = [maxRam?.option, heap.option ?? (maxRam ? undefined : 'its default share')].filter((t) => t !== undefined).join(' ');
  const optionLines = [heapOptionLine(c, heap.option), heapOptionLine(c, maxRam?.option)].filter((l) => l !== undefined);
  const forHeap = limitForHeapMiB(heap);
  return {
    code: 'JVM_HEAP_UNBOUNDED',
    severity: 'warning',
    title: `Container ${containerLabel(c.id, c, 'parenthesised')} runs java with a ${formatBytes(limit, 'binary-whole')} memory limit and ${bound}: its heap alone may take ${shareOfLimitText(heap.bytes, limit, true)}`,
    evidence: distinctEvidence([
      ...containerEvidence(c, 'Memory', 'ExitCode', 'OOMKilled', 'Path', ...(heap.shareOf?.what === 'limit' ? versionKeys(jvm) : [])),
      ...optionLines.map(toEvidence),
      ...(jvmProcess ? [toEvidence(jvmProcess.line)] : []),
    ]),
    fixes: withUsageNow(jvmHeapFixes(jvm, limit, cgroup, { ...told, heap }), reading, limit).concat({
      title: `Or raise the limit to hold this heap: ${forHeap} MiB, its ${formatBytes(heap.bytes, 'binary')} and a quarter more for the rest (rounded up)`,
      ...limitFix(limitChange(c, short, forHeap)),
    }),
    subject: c.id,
    data: {
      container_id: c.id,
      container_name: c.name ?? null,
      limit_bytes: limit,
      heap_bytes: heap.bytes,
      heap_option: heap.option ?? null,
      suggested_xmx_mb: heapShareMiB(limit),
      java_version: jvm ? jvmVersionText(jvm) : null,
      java_version_source: jvm ? versionSourceText(jvm.source) : null,
      ...(reading ? { working_set_bytes: reading.workingSetBytes } : {}),
    },
  };
}

/** The first fix says what the running JVM uses of its limit now (container_memory): how close the kill is. */
export function withUsageNow(fixes: Fix[], reading: MemoryReading | undefined, limit: number): Fix[] {
  const [first, ...rest] = fixes;
  if (!reading || !first) return fixes;
  const now = `${usageOfLimitText(reading, limit)}.`;
  return [{ ...first, detail: first.detail ? `${first.detail} ${now}` : now }, ...rest];
}

/** The inspect line that shows where the version was read (a path from ps is quoted with its process). */
export function versionKeys(jvm: JvmVersion | undefined): InspectKey[] {
  switch (jvm?.source.kind) {
    case 'env':
    case 'requires':
      return [jvm.source.name];
    case 'image':
      return ['Image'];
    case 'search-path':
      return ['PATH'];
    default:
      return [];
  }
}

/** A running JVM of unknown version says which it is; the program ps shows, when it has a path. */
function versionCheckFix(c: ContainerRecord, jvmProcess: ProcessInfo | undefined): Fix {
  const program = jvmProcess ? programOf(jvmProcess.command) : '';
  const java = program.startsWith('/') ? program : 'java';
  return {
    title: 'Find out which JVM it is: 8u191+ and 10+ size the heap from a cgroup v1 limit, 8u372+, 11.0.16+ and 15+ from a v2 one',
    commands: [`docker exec ${c.id.slice(0, 12)} ${shellArg(java)} -version`],
  };
}

