/**
 * What a container tells of the JVM it runs: its release, the options it is given and where, and
 * the heap those options and the container's limit give it. Shared by the JVM heap rules and the
 * memory-cgroup kill's fixes.
 */
import type { Fix } from '../../../domain/index.js';
import type { ContainerRecord, Facts, ProcessInfo } from '../../facts/index.js';
import type { DockerInfo } from '../../parsers/docker-info.js';
import { JAVA_VERSION_VARS, type JavaVersionVar } from '../../parsers/docker-inspect.js';
import type { LogLine } from '../../parsers/log-line.js';
import { formatBytes, GIB, MIB } from '../../parsers/sizes.js';
import { hostMemoryBytes, roundMiB } from './memory-sizing.js';
import { baseName, commandPrograms, containerProcess, envHolds, envSetting, envValue, imageTag, programOf } from './docker-context.js';

/** Variables a shell or a launcher script (catalina.sh, jenkins.sh) puts on java's command line; the JVM does not read them. */
const LAUNCHER_VARIABLES = ['JAVA_OPTS', 'CATALINA_OPTS'] as const;
/** The variables the JVM reads itself, in the order it reads them: what they hold never shows on its command line. */
const JVM_OWN_VARIABLES: readonly string[] = ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', '_JAVA_OPTIONS'];
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
  /** Eclipse OpenJ9 (IBM Semeru, AdoptOpenJDK's openj9 builds), not HotSpot: it sizes its default heap otherwise. */
  openj9?: true;
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
  /** The heap these options and the limit give it, where they decide it (see heapSizeOf). */
  heap?: HeapSize;
  /** Where the heap follows the host's memory instead: its share of it, where the host's memory is known. */
  hostHeap?: HeapSize;
  /** JAVA_OPTS or CATALINA_OPTS hold a heap option that never reaches the JVM (see ignoredHeapVariables). */
  ignoredVariables?: string[];
}

/** The JAVA_TOOL_OPTIONS a fix sets on the container. */
export function toolOptions(told: JvmOptions, options: string): string {
  return envSetting('JAVA_TOOL_OPTIONS', options, told.toolOptionsSet === true);
}

/** The options a JVM runs with, as one line: its command line and the variables it or its scripts read. */
export function jvmOptionText(c: ContainerRecord, jvmProcess: ProcessInfo | undefined): string {
  return ` ${optionSources(c, jvmProcess)
    .map((s) => s.text)
    .join(' ')} `;
}

/**
 * Whether Docker runs java itself (inspect's Path is java): no shell or launcher script is there
 * to put JAVA_OPTS or CATALINA_OPTS on its command line, so the JVM never sees them.
 */
export function runsJavaDirectly(c: ContainerRecord): boolean {
  return baseName(programOf(c.command ?? '')) === 'java';
}

/** Launcher variables the JVM never sees that hold a heap option: set for a script that is not there. */
export function ignoredHeapVariables(c: ContainerRecord, jvmProcess: ProcessInfo | undefined): string[] {
  const runs = jvmProcess?.command ?? (runsJavaDirectly(c) ? c.command : undefined);
  if (runs === undefined) return [];
  const words = new Set(runs.split(/\s+/));
  return LAUNCHER_VARIABLES.filter((name) => {
    const options = (envValue(c, name) ?? '').split(/\s+/).filter((o) => HEAP_BOUND.test(` ${o}`) || RAM_SHARE.test(` ${o}`));
    return options.length > 0 && options.every((o) => !words.has(o));
  });
}

/**
 * What a container's JVM is told: from the JVM ps shows (containerJvmProcess), else from the
 * container's command line and option variables; the heap sized as heapSizeOf does, from the host's
 * memory too where it follows it.
 */
export function containerJvmOptions(c: ContainerRecord, facts: Facts): JvmOptions {
  const jvmProcess = containerJvmProcess(c, facts);
  const ignored = ignoredHeapVariables(c, jvmProcess);
  return {
    ...jvmOptionsOf(c, jvmOptionText(c, jvmProcess)),
    ...heapsOf(heapSizeOf(c, jvmProcess, jvmVersion(c, jvmProcess), cgroupVersionOf(facts.docker.info), hostMemoryBytes(facts))),
    ...(ignored.length ? { ignoredVariables: ignored } : {}),
  };
}

/** A heap sized from the limit or the options (heap), or from the host's memory (hostHeap). */
export function heapsOf(sized: HeapSize | undefined): Pick<JvmOptions, 'heap' | 'hostHeap'> {
  if (!sized) return {};
  return sized.shareOf?.what === 'host' ? { hostHeap: sized } : { heap: sized };
}

export function jvmOptionsOf(c: ContainerRecord, options: string): JvmOptions {
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
export function heapBlindness(v: Omit<JvmVersion, 'source'>, cgroup: CgroupVersion): string {
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
  return `Java ${jvmVersionText(v)}${v.openj9 ? ' (OpenJ9)' : ''}`;
}

/** About 3/4 of a memory limit in whole MiB, for a runtime's heap: the last quarter is for everything else it maps. */
export function heapShareMiB(limitBytes: number): number {
  return Math.floor((limitBytes / MIB) * 0.75);
}

/**
 * The heap advice for a JVM under a memory limit, from its version, its options and the host's
 * cgroup hierarchy. Where its options and the limit decide its heap (told.heap): a heap that fills
 * the limit is lowered, and one well below it says the memory went elsewhere. Otherwise -Xmx from
 * the limit, the experimental cgroup v1 flag where this version has it (8u131 to 8u190, 9), and the
 * move to a release that reads the limit. Never a flag this JVM would refuse to start with.
 */
export function jvmHeapFixes(jvm: Omit<JvmVersion, 'source'> | undefined, limitBytes: number | undefined, cgroup: CgroupVersion, told: JvmOptions = {}): Fix[] {
  const version = jvm ? jvmName(jvm) : 'A JVM of unknown version';
  if (told.heap && limitBytes) {
    return told.heap.bytes >= HEAP_FILLS_SHARE * limitBytes ? heapFillsLimitFixes(jvm, told.heap, limitBytes, cgroup, told) : [outsideHeapFix(told.heap, limitBytes, jvm)];
  }
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
      `${blind}: ${hostSizedText(told.hostHeap, limitBytes)}. Leave the last quarter for metaspace, threads and native ` +
      'memory.' +
      (told.ignoredVariables?.length
        ? ` ${told.ignoredVariables.join(' and ')} ${told.ignoredVariables.length > 1 ? 'hold' : 'holds'} a heap option the JVM never sees: no shell or launcher script puts ${told.ignoredVariables.length > 1 ? 'them' : 'it'} on java's command line. JAVA_TOOL_OPTIONS is read by the JVM itself.`
        : '') +
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

/** What a heap sized from the host's memory does under the limit, with its size here where the host's memory is known. */
function hostSizedText(hostHeap: HeapSize | undefined, limitBytes: number | undefined): string {
  const grows = "grows past the container's limit and the kernel OOM-kills it (exit 137)";
  if (!hostHeap || !limitBytes) return `without -Xmx it sizes the heap from the host's memory, ${grows}`;
  const here = `${heapSizeText(hostHeap, limitBytes)}, ${formatBytes(hostHeap.bytes, 'binary')}`;
  return hostHeap.bytes >= HEAP_FILLS_SHARE * limitBytes
    ? `without -Xmx it sizes the heap from the host's memory (here ${here}), ${grows}`
    : `without -Xmx it sizes the heap from the host's memory (here ${here}, inside the limit), so on a host with more memory it ${grows}`;
}

/** UseCGroupMemoryLimitForHeap came with 8u131 and 9, was deprecated in 10 and removed in 11. */
function hasExperimentalCgroupFlag(v: Omit<JvmVersion, 'source'>): boolean {
  return v.major === 9 || (v.major === 8 && v.update !== undefined && v.update >= 131 && v.update < 191);
}

export function runsJava(c: ContainerRecord): boolean {
  return commandPrograms(c).some((p) => JAVA_LAUNCHER.test(p));
}

/** The JVM a running container runs, as ps lists it (see containerProcess). */
export function containerJvmProcess(c: ContainerRecord, facts: Facts): ProcessInfo | undefined {
  return containerProcess(c, facts, (command) => baseName(programOf(command)) === 'java');
}


/**
 * Which JVM a container runs, from the most precise word there is: JAVA_VERSION (8u111, 1.8.0_181,
 * 11.0.2, jdk-11.0.2+9); the path of the java it runs (ps or inspect: /usr/lib/jvm/java-17-openjdk-amd64,
 * /usr/java/jdk1.8.0_131, java-1.8.0-openjdk-1.8.0.131-11.b12.el7), which wins when its major
 * release differs, since it is what runs; JAVA_HOME; the image tag (openjdk:8u181-jre,
 * eclipse-temurin:17).
 */
export function jvmVersion(c: ContainerRecord, jvmProcess?: ProcessInfo): JvmVersion | undefined {
  const release = javaRelease(c, jvmProcess);
  return release && runsOpenJ9(c, jvmProcess) ? { ...release, openj9: true } : release;
}

/**
 * Whether the JVM is Eclipse OpenJ9, as its images say: AdoptOpenJDK's and IBM Semeru's
 * JAVA_VERSION (jdk-11.0.11+9_openj9-0.26.0), the image's name (ibm-semeru-runtimes,
 * adoptopenjdk/openjdk11-openj9), or the path of the java that runs.
 */
function runsOpenJ9(c: ContainerRecord, jvmProcess: ProcessInfo | undefined): boolean {
  const named = /openj9|semeru/i;
  return JAVA_VERSION_VARS.some((name) => named.test(envValue(c, name) ?? '')) || named.test(c.image ?? '') || named.test(programOf(jvmProcess?.command ?? c.command ?? ''));
}

function javaRelease(c: ContainerRecord, jvmProcess: ProcessInfo | undefined): JvmVersion | undefined {
  let fromEnv: JvmVersion | undefined;
  for (const name of JAVA_VERSION_VARS) {
    const value = envValue(c, name);
    const parsed = value ? parseJavaVersion(value) : undefined;
    if (value && parsed) {
      fromEnv = { ...parsed, source: { kind: 'env', name, value } };
      break;
    }
  }
  const program = programOf(jvmProcess?.command ?? c.command ?? '');
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
  // IBM Semeru's tags lead with "open-": open-17.0.8.1_1-jre, open-jdk-11.0.20_8-jre
  const fromTag =
    /(?:jdk|jre)-?(\d+(?:u\d+)?)/i.exec(tag)?.[1] ?? /^open-(?:jdk-|jre-)?(\d+(?:\.\d+\.\d+)?)/i.exec(tag)?.[1] ?? (/(?:openjdk|java|temurin|corretto|zulu|adoptopenjdk|ibmjava)/i.test(repo) ? tag : undefined);
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

/** Where an option is given: the container's command line (inspect's Path and Args), a variable, or only the process ps shows (a script put it there). */
export type OptionPlace = { kind: 'command' } | { kind: 'env'; name: string } | { kind: 'process' };

/** The most the heap may grow to, as the JVM sizes it from its options and the memory it sees. */
export interface HeapSize {
  bytes: number;
  /** The option that decides it, as given ("-Xmx4g", "-XX:MaxRAMPercentage=100.0"); none: the JVM's default share. */
  option?: string;
  place?: OptionPlace;
  /** What the heap is a share of, when it is one: the container's limit (a JVM that reads it), -XX:MaxRAM, or the host's memory (one that does not). */
  shareOf?: { what: 'limit' } | { what: 'MaxRAM'; option: string; bytes: number } | { what: 'host'; bytes: number };
  /** The memory is small, so the minimum share (MinRAMPercentage) is the heap, whatever the maximum share says. */
  small?: true;
  /** OpenJ9's default for a container: how it sizes the heap from the limit ("the limit less 512 MiB"). */
  openj9Default?: string;
}

/** A heap at this share of the limit or more leaves too little for what the JVM maps beside it. */
export const HEAP_FILLS_SHARE = 0.9;

const SIZE_SUFFIX = '([kKmMgGtT]?)(?=[\\s"\']|$)';
const HEAP_SIZE_OPTION = new RegExp(`(?:^|\\s)((?:-Xmx|-XX:MaxHeapSize=)(\\d+)${SIZE_SUFFIX})`, 'g');
const MAX_RAM_OPTION = new RegExp(`(?:^|\\s)(-XX:MaxRAM=(\\d+)${SIZE_SUFFIX})`, 'g');
const MAX_SHARE_OPTION = /(?:^|\s)(-XX:(MaxRAMPercentage|MaxRAMFraction)=(\d+(?:\.\d+)?))(?=[\s"']|$)/g;
const MIN_SHARE_OPTION = /(?:^|\s)(-XX:(MinRAMPercentage|MinRAMFraction)=(\d+(?:\.\d+)?))(?=[\s"']|$)/g;
/** HotSpot's default MaxHeapSize on 64-bit (96 MiB scaled by 13/10): below it, the heap is the minimum share. */
const DEFAULT_MAX_HEAP_BYTES = (96 * MIB * 13) / 10;

interface OptionSource {
  place: OptionPlace;
  text: string;
}

/**
 * Where the JVM's options come from, in the order it reads them (a later option wins): the
 * variables it reads itself, JAVA_TOOL_OPTIONS and JDK_JAVA_OPTIONS, then its command line, then
 * _JAVA_OPTIONS. ps shows the command line after the scripts expanded JAVA_OPTS; where it does not,
 * JAVA_OPTS and CATALINA_OPTS stand for what a shell or launcher puts there, unless Docker runs java
 * itself (nothing expands them then).
 */
function optionSources(c: ContainerRecord, jvmProcess: ProcessInfo | undefined): OptionSource[] {
  const env = (name: string): OptionSource => ({ place: { kind: 'env', name }, text: envValue(c, name) ?? '' });
  const command: OptionSource = { place: { kind: 'command' }, text: `${c.entrypoint ?? ''} ${c.command ?? ''}` };
  const launched: OptionSource[] = jvmProcess
    ? [{ place: { kind: 'process' }, text: jvmProcess.command }]
    : runsJavaDirectly(c)
      ? [command]
      : [...LAUNCHER_VARIABLES.map(env), command];
  return [env('JAVA_TOOL_OPTIONS'), env('JDK_JAVA_OPTIONS'), ...launched, env('_JAVA_OPTIONS')];
}

/** The last match of an option across the sources, and where it was given. */
function lastOption(sources: readonly OptionSource[], pattern: RegExp): { match: RegExpExecArray; place: OptionPlace } | undefined {
  let last: { match: RegExpExecArray; place: OptionPlace } | undefined;
  for (const source of sources) {
    for (const match of source.text.matchAll(pattern)) last = { match, place: source.place };
  }
  return last;
}

/** A JVM size option's value: bytes, or k, m, g, t in powers of 1024. */
function jvmSizeBytes(digits: string, suffix: string): number {
  return Number(digits) * 1024 ** ('kmgt'.indexOf(suffix.toLowerCase()) + 1);
}

/**
 * Where ps shows an option that the container gives itself: its command line, or a variable its
 * scripts expand (JAVA_OPTS, CATALINA_OPTS, else whichever of its variables holds that option:
 * ES_JAVA_OPTS, KAFKA_HEAP_OPTS, an image's own); else a script added it.
 */
function placeOnProcess(c: ContainerRecord, option: string, place: OptionPlace): OptionPlace {
  if (place.kind !== 'process') return place;
  const has = (text: string | undefined): boolean => (text ?? '').split(/\s+/).includes(option);
  if (has(c.command) || has(c.entrypoint)) return { kind: 'command' };
  const names = (c.env ?? []).map((entry) => entry.slice(0, Math.max(0, entry.indexOf('='))));
  const variable = [...LAUNCHER_VARIABLES, ...names].find((name) => name !== '' && !JVM_OWN_VARIABLES.includes(name) && has(envValue(c, name)));
  return variable ? { kind: 'env', name: variable } : place;
}

/**
 * The heap the JVM may grow to: -Xmx or -XX:MaxHeapSize where given (the last one wins); else a
 * share of the memory it sees, where that is known: -XX:MaxRAM, or the container's limit for a JVM
 * that reads it (8u191+ and 10+, or the experimental cgroup flag of 8u131 to 8u190 and 9 on cgroup
 * v1). The share is MaxRAMPercentage (MaxRAMFraction), 25 % by default; where the minimum share
 * (MinRAMPercentage, 50 % by default) falls below HotSpot's default heap, the memory is small and
 * the minimum share is the heap. Where the heap follows the host's memory, its share of hostBytes
 * when given, else undefined.
 */
export function heapSizeOf(c: ContainerRecord, jvmProcess: ProcessInfo | undefined, jvm: Omit<JvmVersion, 'source'> | undefined, cgroup: CgroupVersion, hostBytes?: number): HeapSize | undefined {
  const sources = optionSources(c, jvmProcess);
  const explicit = lastOption(sources, HEAP_SIZE_OPTION);
  if (explicit) {
    const option = explicit.match[1] ?? '';
    return { bytes: jvmSizeBytes(explicit.match[2] ?? '0', explicit.match[3] ?? ''), option, place: placeOnProcess(c, option, explicit.place) };
  }
  const all = ` ${sources.map((s) => s.text).join(' ')} `;
  const experimental = /\s-XX:\+UseCGroupMemoryLimitForHeap\s/.test(all) && cgroup === 1 && (!jvm || hasExperimentalCgroupFlag(jvm));
  const readsLimit = !CONTAINER_SUPPORT_OFF.test(all) && jvm !== undefined && isContainerAware(jvm, cgroup);
  const maxRam = lastOption(sources, MAX_RAM_OPTION);
  const maxRamBytes = maxRam ? jvmSizeBytes(maxRam.match[2] ?? '0', maxRam.match[3] ?? '') : undefined;
  const limit = c.memoryLimitBytes;
  const fromLimit = (readsLimit || experimental) && limit ? limit : undefined;
  const memory = maxRamBytes ?? fromLimit ?? hostBytes;
  if (!memory) return undefined;
  const shareOf: HeapSize['shareOf'] =
    maxRam && maxRamBytes ? { what: 'MaxRAM', option: maxRam.match[1] ?? '', bytes: maxRamBytes } : fromLimit ? { what: 'limit' } : { what: 'host', bytes: memory };
  const share = (found: ReturnType<typeof lastOption>, fallback: number): number => {
    const value = Number(found?.match[3]);
    if (!found || !(value > 0)) return fallback;
    return found.match[2]?.endsWith('Fraction') ? 100 / value : value;
  };
  const maxShare = lastOption(sources, MAX_SHARE_OPTION);
  if (jvm?.openj9 && fromLimit && !maxRam && !maxShare) return { ...openJ9ContainerHeap(fromLimit), shareOf };
  const minShare = lastOption(sources, MIN_SHARE_OPTION);
  const smallest = (memory * share(minShare, 50)) / 100;
  const small = smallest < DEFAULT_MAX_HEAP_BYTES;
  const [bytes, decided] = small ? [smallest, minShare] : [Math.max((memory * share(maxShare, 25)) / 100, DEFAULT_MAX_HEAP_BYTES), maxShare];
  const option = decided?.match[1];
  return { bytes, ...(option && decided ? { option, place: placeOnProcess(c, option, decided.place) } : {}), shareOf, ...(small ? { small: true as const } : {}) };
}

/** OpenJ9's default heap is capped at 25 GB, the most that 3-bit compressed references address. */
const OPENJ9_HEAP_CAP_BYTES = 25 * GIB;

/**
 * OpenJ9's default heap under a container's limit (https://eclipse.dev/openj9/docs/xxusecontainersupport):
 * half of a limit under 1 GB, the limit less 512 MB up to 2 GB, three quarters above; 25 GB at most.
 */
function openJ9ContainerHeap(limit: number): Pick<HeapSize, 'bytes' | 'openj9Default'> {
  const [bytes, rule] = limit < GIB ? [limit / 2, 'half the limit'] : limit <= 2 * GIB ? [limit - 512 * MIB, 'the limit less 512 MiB'] : [(limit * 3) / 4, 'three quarters of the limit'];
  return { bytes: Math.min(bytes, OPENJ9_HEAP_CAP_BYTES), openj9Default: rule };
}

/**
 * "-Xmx4g", "-XX:MaxRAMPercentage=100.0 of the 2 GiB limit", "a quarter of the 1 GiB limit",
 * "its minimum share (-XX:MinRAMPercentage, 50 by default) of the 200 MiB limit, small memory".
 */
export function heapSizeText(heap: HeapSize, limitBytes: number): string {
  if (!heap.shareOf) return heap.option ?? 'its -Xmx';
  if (heap.openj9Default) return `OpenJ9's default for the ${formatBytes(limitBytes, 'binary-whole')} limit (${heap.openj9Default})`;
  const of =
    heap.shareOf.what === 'MaxRAM'
      ? `of ${heap.shareOf.option}`
      : heap.shareOf.what === 'host'
        ? `of the host's ${formatBytes(heap.shareOf.bytes, 'binary')}`
        : `of the ${formatBytes(limitBytes, 'binary-whole')} limit`;
  // below about 250 MiB HotSpot takes the minimum share, and a MaxRAMPercentage given does nothing
  if (heap.small) return `its minimum share (${heap.option ?? '-XX:MinRAMPercentage, 50 by default'}) ${of}, which the JVM takes for small memory`;
  // the default share is a quarter, unless HotSpot's smallest default heap is more
  const memory = heap.shareOf.what === 'limit' ? limitBytes : heap.shareOf.bytes;
  return `${heap.option ?? (Math.abs(heap.bytes - memory / 4) < 1 ? 'a quarter' : 'its default share')} ${of}`;
}

/** A limit that holds this heap with a quarter of it for the rest, in MiB (rounded up as roundMiB does). */
export function limitForHeapMiB(heap: Pick<HeapSize, 'bytes'>): number {
  return roundMiB(heap.bytes / 0.75);
}

/**
 * How much of its limit a heap may take: "93 % of the 2 GiB limit, leaving 128.0 MiB for the rest",
 * "more than the whole 2 GiB limit"; for a title that names the limit already, "95 % of it", "the
 * whole limit".
 */
export function shareOfLimitText(bytes: number, limitBytes: number, limitNamed = false): string {
  const limitText = limitNamed ? 'limit' : `${formatBytes(limitBytes, 'binary-whole')} limit`;
  if (bytes > limitBytes) return `more than the whole ${limitText}`;
  if (bytes === limitBytes) return `the whole ${limitText}`;
  const share = `${Math.round((bytes / limitBytes) * 100)} %`;
  return limitNamed ? `${share} of it` : `${share} of the ${limitText}, leaving ${formatBytes(limitBytes - bytes, 'binary')} for the rest`;
}

/** Where a fix changes an option: the variable that holds it (a later one there wins), or the definition the command comes from. */
export function whereToChange(heap: HeapSize): string {
  switch (heap.place?.kind) {
    case 'env':
      return `It is set in ${heap.place.name}; a later option there wins.`;
    case 'command':
      return "It is on the container's command line: change it where the container is defined.";
    case 'process':
      return "A script puts it on java's command line (ps shows it there; neither the container's command nor its option variables hold it): change it where the script takes it from.";
    default:
      return '';
  }
}

/**
 * A heap that may grow to (nearly) the whole limit: the JVM is killed by the memory cgroup before
 * its heap is full, since everything it maps beside the heap counts too. Lower it to 3/4 of the
 * limit where it is set; a JVM that reads the limit may instead size it as a share of it.
 */
function heapFillsLimitFixes(jvm: Omit<JvmVersion, 'source'> | undefined, heap: HeapSize, limitBytes: number, cgroup: CgroupVersion, told: JvmOptions): Fix[] {
  const share = heapShareMiB(limitBytes);
  const sizeText = heapSizeText(heap, limitBytes);
  const setting = xmxSetting(heap, share, told.toolOptionsSet === true);
  const fixes: Fix[] = [
    {
      title: `Lower the heap below the limit: -Xmx${share}m in place of ${sizeText}`,
      detail:
        `${sizeText[0]?.toUpperCase()}${sizeText.slice(1)} lets the heap alone grow to ${formatBytes(heap.bytes, 'binary')}, ${shareOfLimitText(heap.bytes, limitBytes)}. ` +
        "The memory cgroup counts what the JVM maps beside its heap too (metaspace, thread stacks, the code cache, the collector's own), " +
        'so the kernel kills it at the limit before a full heap would throw OutOfMemoryError. About 3/4 of the limit leaves the rest for them.' +
        (heap.shareOf ? '' : ` ${whereToChange(heap)}`),
      ...(setting ? { container_env: [setting] } : {}),
    },
  ];
  if (!heap.shareOf && jvm && isContainerAware(jvm, cgroup)) {
    fixes.push({
      title: `Or let the heap follow the limit: -XX:MaxRAMPercentage=75.0 in place of ${heap.option ?? '-Xmx'}`,
      detail: `${jvmName(jvm)} reads the container's limit: without -Xmx its heap is 3/4 of whatever limit the container is given, and stays so when the limit changes.`,
    });
  }
  return fixes;
}

/**
 * Where a fix sets -Xmx so that it wins: in the variable that holds the option it replaces (a later
 * option there wins); in JAVA_TOOL_OPTIONS where the heap is a share or has no bound (an -Xmx
 * anywhere outranks a share); nowhere where an -Xmx is on the command line, which outranks
 * JAVA_TOOL_OPTIONS: it is changed where the container is defined.
 */
export function xmxSetting(heap: HeapSize | undefined, mib: number, toolOptionsSet: boolean): string | undefined {
  const xmx = `-Xmx${mib}m`;
  if (heap?.place?.kind === 'env') return envSetting(heap.place.name, xmx, true);
  if (heap?.option && !heap.shareOf) return undefined;
  return envSetting('JAVA_TOOL_OPTIONS', xmx, toolOptionsSet);
}

/**
 * A heap well inside the limit that was killed all the same: what grew is outside the heap, in the
 * JVM's native memory or in another process of the container.
 */
function outsideHeapFix(heap: HeapSize, limitBytes: number, jvm: Omit<JvmVersion, 'source'> | undefined): Fix {
  const counted = "The memory cgroup counts all of the container's memory: ";
  return {
    title: `Look outside the heap: ${heapSizeText(heap, limitBytes)} keeps it to ${formatBytes(heap.bytes, 'binary')}, ${Math.round((heap.bytes / limitBytes) * 100)} % of the limit`,
    // OpenJ9 has no native memory tracking or metaspace: its javacore's NATIVEMEMINFO section says what it maps
    detail: jvm?.openj9
      ? `${counted}OpenJ9's class memory, JIT code cache, thread stacks, direct buffers and native libraries, and every other process in it. ` +
        "A larger heap would make the kill come sooner. A javacore (jcmd <pid> Dump.java, or kill -3) lists the JVM's native memory by part in its NATIVEMEMINFO section; " +
        '-XX:MaxDirectMemorySize bounds direct buffers.'
      : `${counted}the JVM's metaspace, thread stacks, code cache, direct buffers and native libraries, and every other process in it. ` +
        'A larger heap share would make the kill come sooner. Native memory tracking (-XX:NativeMemoryTracking=summary, then jcmd <pid> VM.native_memory summary) ' +
        'shows which part grew; -XX:MaxMetaspaceSize and -XX:MaxDirectMemorySize bound the two that most often do.',
  };
}

/** The inspect line that gives a heap option (-Xmx4g in Args, a JAVA_OPTS entry), to quote beside advice about it. */
export function heapOptionLine(c: ContainerRecord, option: string | undefined): LogLine | undefined {
  return option ? c.heapOptionLines?.find((l) => l.text.includes(option)) : undefined;
}

/** The line that shows a JVM's heap option: its inspect line, else the JVM's ps row, where a script put it on java's command line. */
export function jvmHeapOptionLine(c: ContainerRecord, facts: Facts, option: string | undefined): LogLine | undefined {
  const inInspect = heapOptionLine(c, option);
  if (inInspect || option === undefined) return inInspect;
  const jvmProcess = containerJvmProcess(c, facts);
  return jvmProcess?.command.split(/\s+/).includes(option) ? jvmProcess.line : undefined;
}
