import type { Finding, Fix } from '../../../domain/index.js';
import type { ContainerRecord, Facts, ProcessInfo } from '../../facts/index.js';
import type { DockerInfo } from '../../parsers/docker-info.js';
import { toEvidence } from '../../parsers/log-line.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { containerEvidence, containerLabel } from './docker-context.js';

/** Variables the JVM itself reads options from, whatever its command line; only their names are ever quoted. */
const JVM_ENV_OPTIONS = ['JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS'] as const;
/** And those its launch scripts put on its command line. */
const OPTION_VARS = [...JVM_ENV_OPTIONS, 'JAVA_OPTS', 'CATALINA_OPTS'] as const;
const HEAP_BOUND = /(?:^|\s)(?:-Xmx\d|-XX:MaxRAM|-XX:\+UseCGroupMemoryLimitForHeap)/;
/** Launchers that run java themselves: Tomcat's catalina.sh. */
const JAVA_LAUNCHER = /^(?:java|catalina\.sh)$/;

export interface JvmVersion {
  major: number;
  update?: number;
  /** Where it was read: "JAVA_VERSION=8u111" or "image tag 8u181-jre". */
  from: string;
}

/** JVM_HEAP_UNBOUNDED: java in a memory-limited container, with no heap bound, on a JVM that ignores the cgroup. */
export const jvmHeapUnboundedRule: Rule = {
  codes: ['JVM_HEAP_UNBOUNDED'],
  run(facts) {
    const findings: Finding[] = [];
    for (const c of facts.docker.containers) {
      const limit = c.memoryLimitBytes;
      if (!limit) continue;
      // What the main process really runs, where ps shows it: an entrypoint script may exec java
      // (inspect shows only the script) or add -Xmx itself (inspect shows java without it).
      const javaMain = javaMainProcess(c, facts);
      if (javaMain ? heapBoundIn(javaMain.command) || JVM_ENV_OPTIONS.some((name) => heapBoundIn(envValue(c, name))) : !runsJava(c) || hasHeapBound(c)) continue;
      // Containers stopped on purpose are history; running ones and the ones that were killed matter.
      if (!c.running && c.exitCode !== 137 && !c.oomKilled) continue;
      const jvm = jvmVersion(c);
      const cgroup = cgroupVersionOf(facts.docker.info);
      if (jvm && isContainerAware(jvm, cgroup)) continue;
      const limitText = formatBytes(limit, 'binary-whole');
      const cgroupLine = cgroup === 2 ? facts.docker.info?.lines.get('Cgroup Version') : undefined;
      findings.push({
        code: 'JVM_HEAP_UNBOUNDED',
        severity: 'warning',
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} runs java with a ${limitText} memory limit and no -Xmx; ${jvm ? `${jvmName(jvm)} (${jvm.from}) ${heapBlindness(jvm, cgroup)}` : 'JVM version unknown, assumed not container-aware'}`,
        evidence: [
          ...containerEvidence(c, 'Memory', 'ExitCode', 'OOMKilled', 'JAVA_VERSION'),
          ...(javaMain ? [toEvidence(javaMain.line)] : []),
          ...(cgroupLine ? [toEvidence(cgroupLine)] : []),
        ],
        fixes: jvmHeapFixes(jvm, limit, cgroup),
        subject: c.id,
        data: {
          container_id: c.id,
          container_name: c.name ?? null,
          limit_bytes: limit,
          suggested_xmx_mb: heapShareMiB(limit),
          java_version: jvm ? jvmVersionText(jvm) : null,
          java_version_source: jvm?.from ?? null,
        },
      });
    }
    return findings;
  },
};

/** "8u131", "11.0.16", "17": as each release line spells its updates. */
export function jvmVersionText(v: Omit<JvmVersion, 'from'>): string {
  if (v.update === undefined) return `${v.major}`;
  return v.major >= 9 ? `${v.major}.0.${v.update}` : `${v.major}u${v.update}`;
}

/** The cgroup hierarchy that limits containers: docker info's `Cgroup Version` (20.10+), else v1, the only one before. */
export type CgroupVersion = 1 | 2;
export function cgroupVersionOf(info: DockerInfo | null): CgroupVersion {
  return info?.cgroupVersion === 2 ? 2 : 1;
}

/** Why this JVM's default heap ignores the limit: it reads no cgroup at all, or not a v2 one. */
function heapBlindness(v: Omit<JvmVersion, 'from'>, cgroup: CgroupVersion): string {
  return cgroup === 2 && isContainerAware(v, 1)
    ? 'does not read a cgroup v2 limit'
    : 'does not size its heap from the cgroup';
}

function jvmName(v: Omit<JvmVersion, 'from'>): string {
  return `Java ${jvmVersionText(v)}`;
}

/** About 3/4 of a memory limit in whole MiB, for a runtime's heap: the last quarter is for everything else it maps. */
export function heapShareMiB(limitBytes: number): number {
  return Math.floor((limitBytes / 2 ** 20) * 0.75);
}

/**
 * The heap advice for a JVM under a memory limit, from its version and the host's cgroup
 * hierarchy: a share of the limit for a JVM that reads it; otherwise -Xmx from the limit, the
 * experimental cgroup v1 flag where this version has it (8u131 to 8u190, 9), and the move to a
 * release that reads the limit. Never a flag this JVM would refuse to start with.
 */
export function jvmHeapFixes(jvm: Omit<JvmVersion, 'from'> | undefined, limitBytes: number | undefined, cgroup: CgroupVersion): Fix[] {
  const version = jvm ? jvmName(jvm) : 'A JVM of unknown version';
  if (jvm && isContainerAware(jvm, cgroup)) {
    return [
      {
        title: `Size the heap as a share of the container limit: ${version} reads the cgroup${cgroup === 2 ? ' v2' : ''} limit`,
        detail: 'MaxRAMPercentage leaves the rest of the limit for metaspace, threads and native memory.',
        commands: ['-XX:MaxRAMPercentage=75.0', 'JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75.0'],
      },
    ];
  }
  const heap = limitBytes ? heapShareMiB(limitBytes) : undefined;
  const limitText = limitBytes ? formatBytes(limitBytes, 'binary-whole') : undefined;
  const blind = jvm ? heapBlindness(jvm, cgroup) : 'may not size its heap from the cgroup';
  const fixes: Fix[] = [
    {
      title: 'Bound the heap to about 3/4 of the limit' + (heap ? `: -Xmx${heap}m for a ${limitText} limit` : ''),
      detail:
        `${version} ${blind}: without -Xmx it sizes the heap from the host's memory, grows past the ` +
        "container's limit and the kernel OOM-kills it (exit 137). Leave the last quarter for metaspace, threads and native " +
        'memory. Set it in the command or in JAVA_OPTS / JAVA_TOOL_OPTIONS.',
      commands: heap ? [`-Xmx${heap}m`, `JAVA_TOOL_OPTIONS=-Xmx${heap}m`] : ['-Xmx<3/4 of the container limit>'],
    },
  ];
  if (jvm && cgroup === 1 && hasExperimentalCgroupFlag(jvm)) {
    fixes.push({
      title: `Or let ${version} read the cgroup limit with its experimental flag`,
      detail: 'Java 8u131 to 8u190 and 9 have it (11 removed it); the heap then defaults to a quarter of the limit, and MaxRAMFraction=2 makes it half.',
      commands: ['-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=2'],
    });
  }
  // no command: a JVM that predates the flag refuses to start with it
  fixes.push({
    title:
      cgroup === 2
        ? 'Or run a JVM that reads cgroup v2 limits (8u372+, 11.0.16+ or 15+) and size the heap as a share of the limit'
        : 'Or run a container-aware JVM (8u191+ or 10+) and size the heap as a share of the limit',
    detail: `Once upgraded, -XX:MaxRAMPercentage=75.0 sizes the heap from the limit${jvm && !isContainerAware(jvm, 1) ? `; ${version} does not know that flag and would not start with it` : ''}.`,
  });
  return fixes;
}

/** UseCGroupMemoryLimitForHeap came with 8u131 and 9, was deprecated in 10 and removed in 11. */
function hasExperimentalCgroupFlag(v: Omit<JvmVersion, 'from'>): boolean {
  return v.major === 9 || (v.major === 8 && v.update !== undefined && v.update >= 131 && v.update < 191);
}

export function runsJava(c: ContainerRecord): boolean {
  const words = `${c.entrypoint ?? ''} ${c.command ?? ''}`.split(/[\s;&|'"]+/);
  return words.some((w) => JAVA_LAUNCHER.test(w.slice(w.lastIndexOf('/') + 1)));
}

export function hasHeapBound(c: ContainerRecord): boolean {
  return heapBoundIn(`${c.entrypoint ?? ''} ${c.command ?? ''}`) || OPTION_VARS.some((name) => heapBoundIn(envValue(c, name)));
}

function heapBoundIn(options: string | undefined): boolean {
  return options !== undefined && HEAP_BOUND.test(` ${options}`);
}

/** The running container's main process (inspect's State.Pid) as ps listed it, when that process is java. */
function javaMainProcess(c: ContainerRecord, facts: Facts): ProcessInfo | undefined {
  if (!c.running || !c.pid) return undefined;
  const main = facts.system.processes?.find((p) => p.pid === c.pid);
  const program = main?.command.trim().split(/\s+/, 1)[0] ?? '';
  return program.slice(program.lastIndexOf('/') + 1) === 'java' ? main : undefined;
}

function envValue(c: ContainerRecord, name: string): string | undefined {
  const entry = c.env?.find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

/** From JAVA_VERSION (8u111, 1.8.0_181, 11.0.2, jdk-11.0.2+9) or the image tag (openjdk:8u181-jre, java:8, eclipse-temurin:17). */
export function jvmVersion(c: ContainerRecord): JvmVersion | undefined {
  for (const name of ['JAVA_VERSION', 'JAVA_DEBIAN_VERSION', 'JDK_VERSION']) {
    const value = envValue(c, name);
    const parsed = value ? parseJavaVersion(value) : undefined;
    if (parsed) return { ...parsed, from: `${name}=${value ?? ''}` };
  }
  const image = c.image ?? '';
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  const repo = image.slice(0, image.length - tag.length);
  const fromTag = /(?:jdk|jre)-?(\d+(?:u\d+)?)/i.exec(tag)?.[1] ?? (/(?:openjdk|java|temurin|corretto|zulu|adoptopenjdk|ibmjava)/i.test(repo) ? tag : undefined);
  const parsed = fromTag ? parseJavaVersion(fromTag) : undefined;
  return parsed ? { ...parsed, from: `image tag ${tag}` } : undefined;
}

export function parseJavaVersion(text: string): Omit<JvmVersion, 'from'> | undefined {
  const t = text.trim().replace(/^(?:jdk|jre)-?/i, '');
  const legacy = /^1\.(\d+)\.\d+(?:_(\d+))?/.exec(t);
  if (legacy?.[1]) return { major: Number(legacy[1]), ...(legacy[2] ? { update: Number(legacy[2]) } : {}) };
  const update = /^(\d+)u(\d+)/.exec(t);
  if (update?.[1] && update[2]) return { major: Number(update[1]), update: Number(update[2]) };
  // 11.0.16, 17.0.9+9, 11.0.16.1: the third number is the update
  const modern = /^(\d+)(?:\.\d+\.(\d+))?(?=$|[.+\-_])/.exec(t);
  if (modern?.[1] && Number(modern[1]) >= 5 && Number(modern[1]) < 100) return { major: Number(modern[1]), ...(modern[2] ? { update: Number(modern[2]) } : {}) };
  return undefined;
}

/**
 * Whether the JVM sizes its default heap from the container's limit: on cgroup v1, 8u191+ and
 * 10+; on cgroup v2, which came later, 8u372+, 11.0.16+ and 15+. A version without a known update
 * counts as not aware.
 */
export function isContainerAware(v: Omit<JvmVersion, 'from'>, cgroup: CgroupVersion = 1): boolean {
  const atLeast = (update: number): boolean => v.update !== undefined && v.update >= update;
  if (cgroup === 2) return v.major >= 15 || (v.major === 11 && atLeast(16)) || (v.major === 8 && atLeast(372));
  return v.major >= 10 || (v.major === 8 && atLeast(191));
}
