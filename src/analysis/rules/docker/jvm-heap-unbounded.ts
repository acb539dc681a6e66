import type { Finding } from '../../../domain/index.js';
import type { ContainerRecord } from '../../facts/index.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { containerEvidence, containerLabel } from './docker-context.js';

/** Variables the JVM (or its launch scripts) read options from; only their names are ever quoted. */
const OPTION_VARS = ['JAVA_OPTS', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'CATALINA_OPTS'] as const;
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
      if (!limit || !runsJava(c) || hasHeapBound(c)) continue;
      // Containers stopped on purpose are history; running ones and the ones that were killed matter.
      if (!c.running && c.exitCode !== 137 && !c.oomKilled) continue;
      const jvm = jvmVersion(c);
      const aware = jvm ? isContainerAware(jvm) : false;
      if (aware) continue;
      const limitMiB = Math.floor(limit / 2 ** 20);
      const xmx = Math.floor((limitMiB * 3) / 4);
      const limitText = formatBytes(limitMiB * 2 ** 20, 'binary-whole');
      const jvmText = jvm ? `Java ${jvm.major}${jvm.update !== undefined ? `u${jvm.update}` : ''} (${jvm.from}) does not size its heap from the cgroup` : 'JVM version unknown, assumed not container-aware';
      findings.push({
        code: 'JVM_HEAP_UNBOUNDED',
        severity: 'warning',
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} runs java with a ${limitText} memory limit and no -Xmx; ${jvmText}`,
        evidence: containerEvidence(c, 'Memory', 'ExitCode', 'OOMKilled', 'JAVA_VERSION'),
        fixes: [
          {
            title: `Bound the heap to about 3/4 of the limit: -Xmx${xmx}m for a ${limitText} limit`,
            detail: `Without -Xmx the JVM sizes its heap from the host's memory, grows past the container's ${limitText} and the kernel OOM-kills it (exit 137). Leave the last quarter for metaspace, threads and native memory. Set it in the command or in JAVA_OPTS / JAVA_TOOL_OPTIONS.`,
            commands: [`-Xmx${xmx}m`, `JAVA_TOOL_OPTIONS=-Xmx${xmx}m`],
          },
          {
            title: 'Or run a container-aware JVM (8u191+ or 10+) and size the heap as a share of the limit',
            commands: ['-XX:MaxRAMPercentage=75.0'],
          },
        ],
        subject: c.id,
        data: {
          container_id: c.id,
          container_name: c.name ?? null,
          limit_bytes: limit,
          suggested_xmx_mb: xmx,
          java_version: jvm ? `${jvm.major}${jvm.update !== undefined ? `u${jvm.update}` : ''}` : null,
          java_version_source: jvm?.from ?? null,
        },
      });
    }
    return findings;
  },
};

export function runsJava(c: ContainerRecord): boolean {
  const words = `${c.entrypoint ?? ''} ${c.command ?? ''}`.split(/[\s;&|'"]+/);
  return words.some((w) => JAVA_LAUNCHER.test(w.slice(w.lastIndexOf('/') + 1)));
}

export function hasHeapBound(c: ContainerRecord): boolean {
  if (HEAP_BOUND.test(` ${c.entrypoint ?? ''} ${c.command ?? ''}`)) return true;
  return OPTION_VARS.some((name) => {
    const value = envValue(c, name);
    return value !== undefined && HEAP_BOUND.test(` ${value}`);
  });
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
  const modern = /^(\d+)(?=$|[.+\-_])/.exec(t);
  if (modern?.[1] && Number(modern[1]) >= 5 && Number(modern[1]) < 100) return { major: Number(modern[1]) };
  return undefined;
}

/** 8u191+ and 10+ read the cgroup limit; 8 without a known update counts as not aware. */
export function isContainerAware(v: Omit<JvmVersion, 'from'>): boolean {
  if (v.major >= 10) return true;
  return v.major === 8 && v.update !== undefined && v.update >= 191;
}

