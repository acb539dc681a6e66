import type { Finding, Fix } from '../../../domain/index.js';
import type { ContainerRecord, Facts, ProcessInfo } from '../../facts/index.js';
import { memoryOf, type MemoryReading } from '../../facts/docker.js';
import { usageOfLimitText } from './memory-sizing.js';
import type { DockerInfo } from '../../parsers/docker-info.js';
import { JAVA_VERSION_VARS, type InspectKey, type JavaVersionVar } from '../../parsers/docker-inspect.js';
import { toEvidence } from '../../parsers/log-line.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { shellArg } from '../../../domain/shell.js';
import { baseName, commandPrograms, containerEvidence, containerLabel, envHolds, envSetting, envValue, imageTag } from './docker-context.js';

/** Variables the JVM itself reads options from, whatever its command line; only their names are ever quoted. */
const JVM_ENV_OPTIONS = ['JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS'] as const;
/** And those its launch scripts put on its command line. */
const OPTION_VARS = [...JVM_ENV_OPTIONS, 'JAVA_OPTS', 'CATALINA_OPTS'] as const;
/**
 * Options that bound the heap whatever the JVM knows of containers: a heap size, a RAM size to
 * take its share of, the experimental flag that reads the cgroup limit.
 */
const HEAP_BOUND = /(?:^|\s)(?:-Xmx\d|-XX:MaxHeapSize=\d|-XX:MaxRAM=\d|-XX:\+UseCGroupMemoryLimitForHeap)/;
/** A share of what the JVM takes for its RAM: the limit on a JVM that reads it, the host's memory on one that does not. */
const RAM_SHARE = /(?:^|\s)(-XX:(?:MaxRAMPercentage|MaxRAMFraction)=[\d.]+)/;
/** Turns a container-aware JVM (8u191+, 10+) blind to the limit. */
const CONTAINER_SUPPORT_OFF = /(?:^|\s)-XX:-UseContainerSupport(?=\s|$)/;
/**
 * Launchers that exec java with the options they are given and add no heap bound of their own:
 * Tomcat's catalina.sh and the Jenkins image's jenkins.sh (both pass JAVA_OPTS through). Kafka's,
 * ZooKeeper's and Elasticsearch's scripts set a heap themselves, so they are not here.
 */
const JAVA_LAUNCHER = /^(?:java|catalina\.sh|jenkins\.sh)$/;

/** Where a JVM's release was read: an Env entry, the path of the java that runs, the image's tag. */
export type JvmVersionSource =
  | { kind: 'env'; name: JavaVersionVar | 'JAVA_HOME'; value: string }
  | { kind: 'path'; path: string }
  /** A JDK directory on the container's PATH, where a bare `java` is looked up. */
  | { kind: 'search-path'; entry: string }
  | { kind: 'image'; tag: string }
  /** An application whose release needs at least some Java: the Jenkins image's JENKINS_VERSION. */
  | { kind: 'requires'; name: 'JENKINS_VERSION'; value: string };

export interface JvmVersion {
  major: number;
  update?: number;
  /** Only the lowest release is known (an application needs it): this one or any later. */
  orLater?: true;
  source: JvmVersionSource;
}

/** "JAVA_VERSION=8u111", "path /usr/lib/jvm/java-17-openjdk-amd64/bin/java", "image tag 8u181-jre". */
export function versionSourceText(source: JvmVersionSource): string {
  switch (source.kind) {
    case 'env':
      return `${source.name}=${source.value}`;
    case 'path':
      return `path ${source.path}`;
    case 'search-path':
      return `PATH entry ${source.entry}`;
    case 'image':
      return `image tag ${source.tag}`;
    case 'requires':
      return `${source.name}=${source.value} needs it`;
  }
}

/** What the options of a JVM say about its heap, beyond its version. */
export interface JvmOptions {
  /** -XX:-UseContainerSupport: the JVM was told to ignore the limit. */
  containerSupportOff?: boolean;
  /** -XX:MaxRAMPercentage=75.0 or -XX:MaxRAMFraction=2, as given. */
  ramShare?: string;
  /** The container sets JAVA_TOOL_OPTIONS already: a fix adds to it rather than replace it (an agent may be in it). */
  toolOptionsSet?: true;
  /** -Xmx, -XX:MaxHeapSize, -XX:MaxRAM or the experimental cgroup flag bound the heap already. */
  heapBounded?: true;
}

/** The JAVA_TOOL_OPTIONS a fix sets on the container. */
function toolOptions(told: JvmOptions, options: string): string {
  return envSetting('JAVA_TOOL_OPTIONS', options, told.toolOptionsSet === true);
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
      if (!javaMain && !runsJava(c)) continue;
      const options = jvmOptionText(c, javaMain);
      if (HEAP_BOUND.test(options)) continue;
      // Containers stopped on purpose are history; running ones and the ones that were killed matter.
      if (!c.running && c.exitCode !== 137 && !c.oomKilled) continue;
      const jvm = jvmVersion(c, javaMain);
      const cgroup = cgroupVersionOf(facts.docker.info);
      const told = jvmOptionsOf(c, options);
      // a JVM that starts with -XX:MaxRAMPercentage knows it, so it is 8u191+ or 10+ and reads a v1 limit
      const aware = jvm ? isContainerAware(jvm, cgroup) : cgroup === 1 && told.ramShare?.startsWith('-XX:MaxRAMPercentage') === true;
      if (!told.containerSupportOff && aware) continue;
      const limitText = formatBytes(limit, 'binary-whole');
      const reading = c.running ? memoryOf(facts.docker, c.id, c.name) : undefined;
      const cgroupLine = cgroup === 2 ? facts.docker.info?.lines.get('Cgroup Version') : undefined;
      const why = told.containerSupportOff
        ? `-XX:-UseContainerSupport tells ${jvm ? `${jvmName(jvm)} (${versionSourceText(jvm.source)})` : 'it'} to ignore the limit`
        : jvm
          ? `${jvmName(jvm)} (${versionSourceText(jvm.source)}) ${heapBlindness(jvm, cgroup)}`
          : 'JVM version unknown, assumed not container-aware';
      const check = (!jvm || jvm.orLater) && c.running ? [versionCheckFix(c, javaMain)] : [];
      findings.push({
        code: 'JVM_HEAP_UNBOUNDED',
        severity: 'warning',
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} runs java with a ${limitText} memory limit and no -Xmx; ${why}`,
        evidence: [
          ...containerEvidence(c, 'Memory', 'ExitCode', 'OOMKilled', 'Path', ...versionKeys(jvm), ...(told.containerSupportOff ? (['ContainerSupportOff'] as const) : [])),
          ...(javaMain ? [toEvidence(javaMain.line)] : []),
          ...(cgroupLine ? [toEvidence(cgroupLine)] : []),
        ],
        fixes: withUsageNow(jvmHeapFixes(jvm, limit, cgroup, told), reading, limit).concat(check),
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

/** The first fix says what the running JVM uses of its limit now (container_memory): how close the kill is. */
function withUsageNow(fixes: Fix[], reading: MemoryReading | undefined, limit: number): Fix[] {
  const [first, ...rest] = fixes;
  if (!reading || !first) return fixes;
  const now = `${usageOfLimitText(reading, limit)}.`;
  return [{ ...first, detail: first.detail ? `${first.detail} ${now}` : now }, ...rest];
}

/** The inspect line that shows where the version was read (a path from ps is quoted with its process). */
function versionKeys(jvm: JvmVersion | undefined): InspectKey[] {
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
function versionCheckFix(c: ContainerRecord, javaMain: ProcessInfo | undefined): Fix {
  const program = javaMain ? programOf(javaMain.command) : '';
  const java = program.startsWith('/') ? program : 'java';
  return {
    title: 'Find out which JVM it is: 8u191+ and 10+ size the heap from a cgroup v1 limit, 8u372+, 11.0.16+ and 15+ from a v2 one',
    commands: [`docker exec ${c.id.slice(0, 12)} ${shellArg(java)} -version`],
  };
}

/** The options a JVM runs with, as one line: its command line and the variables it or its scripts read. */
function jvmOptionText(c: ContainerRecord, javaMain: ProcessInfo | undefined): string {
  // ps shows the command line after the scripts expanded JAVA_OPTS; the JVM still reads its own variables
  const vars: readonly string[] = javaMain ? JVM_ENV_OPTIONS : OPTION_VARS;
  const command = javaMain ? javaMain.command : `${c.entrypoint ?? ''} ${c.command ?? ''}`;
  return ` ${[command, ...vars.map((name) => envValue(c, name) ?? '')].join(' ')}`;
}

/** What a container's command line and option variables tell its JVM, where ps does not show the process. */
export function containerJvmOptions(c: ContainerRecord): JvmOptions {
  return jvmOptionsOf(c, jvmOptionText(c, undefined));
}

function jvmOptionsOf(c: ContainerRecord, options: string): JvmOptions {
  const share = RAM_SHARE.exec(options)?.[1];
  return {
    ...(CONTAINER_SUPPORT_OFF.test(options) ? { containerSupportOff: true } : {}),
    ...(share ? { ramShare: share } : {}),
    ...(envHolds(c, 'JAVA_TOOL_OPTIONS') ? { toolOptionsSet: true } : {}),
    ...(HEAP_BOUND.test(options) ? { heapBounded: true } : {}),
  };
}

/** "8u131", "11.0.16", "17": as each release line spells its updates. */
export function jvmVersionText(v: Omit<JvmVersion, 'source'>): string {
  if (v.update === undefined) return `${v.major}${v.orLater ? '+' : ''}`;
  return v.major >= 9 ? `${v.major}.0.${v.update}` : `${v.major}u${v.update}`;
}

/** The cgroup hierarchy that limits containers: docker info's `Cgroup Version` (20.10+), else v1, the only one before. */
export type CgroupVersion = 1 | 2;
export function cgroupVersionOf(info: DockerInfo | null): CgroupVersion {
  return info?.cgroupVersion === 2 ? 2 : 1;
}

/** Why this JVM's default heap ignores the limit: it reads no cgroup at all, or not a v2 one. */
function heapBlindness(v: Omit<JvmVersion, 'source'>, cgroup: CgroupVersion): string {
  if (v.orLater) return cgroup === 2 ? 'may not read a cgroup v2 limit' : 'may not size its heap from the cgroup';
  return cgroup === 2 && isContainerAware(v, 1)
    ? 'does not read a cgroup v2 limit'
    : 'does not size its heap from the cgroup';
}

/** Whether the JVM's heap follows the host's memory rather than the limit: no bound, and a JVM that does not read it (or told not to). */
export function heapFollowsHost(jvm: Omit<JvmVersion, 'source'> | undefined, cgroup: CgroupVersion, told: JvmOptions): boolean {
  return !told.heapBounded && (told.containerSupportOff === true || !jvm || !isContainerAware(jvm, cgroup));
}

export function jvmName(v: Omit<JvmVersion, 'source'>): string {
  return `Java ${jvmVersionText(v)}`;
}

/** About 3/4 of a memory limit in whole MiB, for a runtime's heap: the last quarter is for everything else it maps. */
export function heapShareMiB(limitBytes: number): number {
  return Math.floor((limitBytes / 2 ** 20) * 0.75);
}

/**
 * The heap advice for a JVM under a memory limit, from its version, its options and the host's
 * cgroup hierarchy: a share of the limit for a JVM that reads it; otherwise -Xmx from the limit,
 * the experimental cgroup v1 flag where this version has it (8u131 to 8u190, 9), and the move to
 * a release that reads the limit. Never a flag this JVM would refuse to start with.
 */
export function jvmHeapFixes(jvm: Omit<JvmVersion, 'source'> | undefined, limitBytes: number | undefined, cgroup: CgroupVersion, told: JvmOptions = {}): Fix[] {
  const version = jvm ? jvmName(jvm) : 'A JVM of unknown version';
  if (!told.containerSupportOff && jvm && isContainerAware(jvm, cgroup)) {
    return [
      {
        title: `Size the heap as a share of the container limit: ${version} reads the cgroup${cgroup === 2 ? ' v2' : ''} limit`,
        detail: 'MaxRAMPercentage leaves the rest of the limit for metaspace, threads and native memory.',
        container_env: [toolOptions(told, '-XX:MaxRAMPercentage=75.0')],
      },
    ];
  }
  const heap = limitBytes ? heapShareMiB(limitBytes) : undefined;
  const limitText = limitBytes ? formatBytes(limitBytes, 'binary-whole') : undefined;
  const xmx = heap ? `: -Xmx${heap}m for a ${limitText} limit` : '';
  const blind = told.containerSupportOff
    ? `With -XX:-UseContainerSupport, ${jvm ? version : 'the JVM'} ignores the limit`
    : `${version} ${jvm ? heapBlindness(jvm, cgroup) : 'may not size its heap from the cgroup'}`;
  const bound: Fix = {
    title: `Bound the heap to about 3/4 of the limit${xmx}`,
    detail:
      `${blind}: without -Xmx it sizes the heap from the host's memory, grows past the ` +
      "container's limit and the kernel OOM-kills it (exit 137). Leave the last quarter for metaspace, threads and native " +
      'memory.' +
      (told.ramShare ? ` ${told.ramShare} does not help: it is a share of the host's memory, not of the limit, for a JVM that does not read the limit.` : ''),
    container_env: [toolOptions(told, heap ? `-Xmx${heap}m` : '-Xmx<3/4 of the container limit>')],
  };
  if (told.containerSupportOff) {
    // a JVM that starts with the flag knows it, so it reads a cgroup v1 limit once the flag is gone
    const reads = cgroup === 1 || (jvm !== undefined && isContainerAware(jvm, cgroup));
    return [
      {
        title: `Remove -XX:-UseContainerSupport${reads ? `: ${jvm ? version : 'the JVM'} then sizes its heap from the ${limitText ?? 'container'} limit` : ''}`,
        detail: reads
          ? 'The flag is on its command line or in a JAVA_TOOL_OPTIONS-style variable; -XX:MaxRAMPercentage=75.0 then sets the heap to 3/4 of the limit.'
          : `On cgroup v2, ${version} may still not read the limit without the flag: bound the heap as well.`,
      },
      { ...bound, title: `Or bound the heap${xmx}` },
    ];
  }
  const fixes: Fix[] = [bound];
  if (jvm && cgroup === 1 && hasExperimentalCgroupFlag(jvm)) {
    fixes.push({
      title: `Or let ${version} read the cgroup limit with its experimental flag`,
      detail: 'Java 8u131 to 8u190 and 9 have it (11 removed it); the heap then defaults to a quarter of the limit, and MaxRAMFraction=2 makes it half.',
      container_env: [toolOptions(told, '-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=2')],
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
function hasExperimentalCgroupFlag(v: Omit<JvmVersion, 'source'>): boolean {
  return v.major === 9 || (v.major === 8 && v.update !== undefined && v.update >= 131 && v.update < 191);
}

export function runsJava(c: ContainerRecord): boolean {
  return commandPrograms(c).some((p) => JAVA_LAUNCHER.test(p));
}

/** The running container's main process (inspect's State.Pid) as ps listed it, when that process is java. */
function javaMainProcess(c: ContainerRecord, facts: Facts): ProcessInfo | undefined {
  if (!c.running || !c.pid) return undefined;
  const main = facts.system.processes?.find((p) => p.pid === c.pid);
  return main && baseName(programOf(main.command)) === 'java' ? main : undefined;
}

/** The program a command line runs: its first word, as ps and inspect's Path + Args print it. */
function programOf(command: string): string {
  return command.trim().split(/\s+/, 1)[0] ?? '';
}

/**
 * Which JVM a container runs, from the most precise word there is: JAVA_VERSION (8u111, 1.8.0_181,
 * 11.0.2, jdk-11.0.2+9); the path of the java it runs (ps or inspect: /usr/lib/jvm/java-17-openjdk-amd64,
 * /usr/java/jdk1.8.0_131, java-1.8.0-openjdk-1.8.0.131-11.b12.el7), which wins when its major
 * release differs, since it is what runs; JAVA_HOME; the image tag (openjdk:8u181-jre,
 * eclipse-temurin:17).
 */
export function jvmVersion(c: ContainerRecord, javaMain?: ProcessInfo): JvmVersion | undefined {
  let fromEnv: JvmVersion | undefined;
  for (const name of JAVA_VERSION_VARS) {
    const value = envValue(c, name);
    const parsed = value ? parseJavaVersion(value) : undefined;
    if (value && parsed) {
      fromEnv = { ...parsed, source: { kind: 'env', name, value } };
      break;
    }
  }
  const program = programOf(javaMain?.command ?? c.command ?? '');
  const onPath = program.includes('/') ? parseJavaPath(program) : undefined;
  if (onPath && (!fromEnv || fromEnv.major !== onPath.major)) return { ...onPath, source: { kind: 'path', path: program } };
  if (fromEnv) return fromEnv;
  const home = envValue(c, 'JAVA_HOME');
  const fromHome = home ? parseJavaPath(home) : undefined;
  if (home && fromHome) return { ...fromHome, source: { kind: 'env', name: 'JAVA_HOME', value: home } };
  // java run by name (from the command or a script) is the first one on PATH, where images that
  // install a JDK outside /usr/bin put its bin directory
  if (!program.endsWith('/java')) {
    for (const entry of (envValue(c, 'PATH') ?? '').split(':')) {
      const onSearchPath = parseJavaPath(entry);
      if (onSearchPath) return { ...onSearchPath, source: { kind: 'search-path', entry } };
    }
  }
  const image = c.image ?? '';
  const tag = imageTag(image);
  const repo = image.slice(0, image.length - tag.length);
  const fromTag = /(?:jdk|jre)-?(\d+(?:u\d+)?)/i.exec(tag)?.[1] ?? (/(?:openjdk|java|temurin|corretto|zulu|adoptopenjdk|ibmjava)/i.test(repo) ? tag : undefined);
  const parsed = fromTag ? parseJavaVersion(fromTag) : undefined;
  if (parsed) return { ...parsed, source: { kind: 'image', tag } };
  const jenkins = envValue(c, 'JENKINS_VERSION');
  const needs = jenkins ? jenkinsJavaMajor(jenkins) : undefined;
  return jenkins && needs ? { major: needs, orLater: true, source: { kind: 'requires', name: 'JENKINS_VERSION', value: jenkins } } : undefined;
}

/**
 * The lowest Java a Jenkins release runs on (https://pkg.jenkins.io/debian/): 17 from 2.463
 * (June 2024; LTS 2.479.1), 11 from 2.357 (June 2022; LTS 2.361.1). Older releases ran on 8 as well.
 */
function jenkinsJavaMajor(version: string): number | undefined {
  const m = /^2\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  const weekly = m?.[1] ? Number(m[1]) : undefined;
  if (weekly === undefined) return undefined;
  return weekly >= 463 ? 17 : weekly >= 357 ? 11 : undefined;
}

/**
 * The release in a JDK's directory name, as packages and tarballs install them: RHEL's
 * java-1.8.0-openjdk-1.8.0.131-11.b12.el7.x86_64 and java-11-openjdk-11.0.16.0.8-1.el8_6.x86_64,
 * Oracle's jdk1.8.0_131, AdoptOpenJDK's jdk8u131-b11 and jdk-11.0.2+9, Debian's java-17-openjdk-amd64,
 * Alpine's java-1.8-openjdk, and vendors' zulu17, temurin-17-jdk-amd64, java-11-amazon-corretto.
 */
export function parseJavaPath(path: string): Omit<JvmVersion, 'source'> | undefined {
  for (const dir of path.split('/')) {
    const rpm = /^java-(?:1\.)?(\d+)(?:\.\d+)*-openjdk-(?:1\.\d+\.\d+\.(\d+)|\d+\.\d+\.(\d+))/.exec(dir);
    if (rpm?.[1]) return { major: Number(rpm[1]), update: Number(rpm[2] ?? rpm[3]) };
    const tarball = /^(?:jdk|jre)-?(\d[\w.+-]*)$/.exec(dir)?.[1];
    const fromTarball = tarball ? parseJavaVersion(tarball) : undefined;
    if (fromTarball) return fromTarball;
    const named = /^(?:java|openjdk|temurin|zulu|corretto|liberica|sapmachine|semeru|msopenjdk|adoptopenjdk)-?(?:1\.)?(\d+)(?=$|[-_.])/.exec(dir)?.[1];
    if (named && Number(named) >= 5 && Number(named) < 100) return { major: Number(named) };
  }
  return undefined;
}

export function parseJavaVersion(text: string): Omit<JvmVersion, 'source'> | undefined {
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
export function isContainerAware(v: Omit<JvmVersion, 'source'>, cgroup: CgroupVersion = 1): boolean {
  const atLeast = (update: number): boolean => v.update !== undefined && v.update >= update;
  if (cgroup === 2) return v.major >= 15 || (v.major === 11 && atLeast(16)) || (v.major === 8 && atLeast(372));
  return v.major >= 10 || (v.major === 8 && atLeast(191));
}
