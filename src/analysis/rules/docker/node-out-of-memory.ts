import type { Fix } from '../../../domain/index.js';
import type { ContainerLogTail } from '../../facts/docker.js';
import type { ContainerRecord, Facts, ProcessInfo } from '../../facts/index.js';
import { formatBytes, MIB } from '../../parsers/sizes.js';
import { baseName, commandPrograms, containerProcess, envHolds, envSetting, envValue, imageTag } from './docker-context.js';
import { heapShareMiB } from './jvm.js';
import { exitMeaning } from './exit-status.js';
import { headroomMiB, limitChange, limitFix, roundMiB } from './memory-sizing.js';


/** The node release of a container: the official images' NODE_VERSION, else the tag of a node image. */
export interface NodeVersion {
  major: number;
  /** "NODE_VERSION=14.17.0" or "image tag 14-alpine". */
  from: string;
}

export function nodeVersion(container: ContainerRecord | undefined): NodeVersion | undefined {
  const env = container ? envValue(container, 'NODE_VERSION') : undefined;
  const fromEnv = env ? /^v?(\d+)\./.exec(env) : null;
  if (env && fromEnv?.[1]) return { major: Number(fromEnv[1]), from: `NODE_VERSION=${env}` };
  const image = container?.image ?? '';
  const tagged = /(?:^|\/)node:v?(\d+)(?=$|[.-])/.exec(image);
  return tagged?.[1] ? { major: Number(tagged[1]), from: `image tag ${imageTag(image)}` } : undefined;
}

type TailLine = ContainerLogTail['lines'][number];

/** node's own heap exhaustion, as V8 prints it before it aborts the process. */
export interface NodeOutOfMemory {
  /** "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", as printed. */
  error: string;
  printed: TailLine;
  /** The heap V8 still held after its last full collection, in MiB (its "MB" are 2^20 bytes): about its bound. */
  heapMiB?: number;
  /** The trace line that says so. */
  gcLine?: TailLine;
}

/**
 * Every release's wording: "Reached heap limit" (12+), "Ineffective mark-compacts near heap limit",
 * "CALL_AND_RETRY_LAST" (8 to 10), "MarkCompactCollector: young object promotion failed"; all end so.
 */
const FATAL = /FATAL ERROR: .*?Allocation failed - (?:JavaScript heap out of memory|process out of memory)/;
/**
 * V8's trace of its last collections: "Mark-Compact (reduce) 2042.7 (2083.7) -> 2036.3 (2077.4) MB"
 * (older releases: "Mark-sweep 1398.3 (1436.4) -> 1398.2 (1436.4) MB"); the figure after the arrow
 * is what the heap still held.
 */
const FULL_GC = /\b(?:Mark-Compact|Mark-sweep)(?: \(reduce\))?\s+[\d.]+\s+\([\d.]+\)\s+->\s+([\d.]+)\s+\([\d.]+\)\s+MB/;

/** The latest heap exhaustion among what a container printed last, with the heap it reached. */
export function nodeOutOfMemoryIn(lines: readonly TailLine[]): NodeOutOfMemory | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const printed = lines[i] as TailLine;
    const fatal = FATAL.exec(printed.text);
    if (!fatal) continue;
    // the GC trace V8 prints just before, within its "Last few GCs" block
    for (let j = i - 1; j >= Math.max(0, i - 20); j--) {
      const gc = FULL_GC.exec((lines[j] as TailLine).text);
      if (gc?.[1]) return { error: fatal[0], printed, heapMiB: Math.round(Number(gc[1])), gcLine: lines[j] as TailLine };
    }
    return { error: fatal[0], printed };
  }
  return undefined;
}

/** Where node's --max-old-space-size comes from: the container's command, NODE_OPTIONS, or a script that put it on node's command line. */
export type OldSpacePlace = 'command' | 'env' | 'script';

/** Whether a program (a command's first word without its directory, or the kernel's task name) is node. */
export function isNodeProgram(name: string | undefined): boolean {
  return name === 'node' || name === 'nodejs';
}

/** Programs that run a node application's scripts: node running one of them is not the application. */
const PACKAGE_MANAGER = /^(?:npm|npx|yarn|pnpm|npm-cli\.js|npx-cli\.js|yarn\.c?js|pnpm\.c?js)$/;

/** The node a running container runs, as ps lists it (see containerProcess): not the npm or yarn that started it. */
export function containerNodeProcess(c: ContainerRecord, facts: Facts): ProcessInfo | undefined {
  return containerProcess(c, facts, (command) => {
    const [program = '', script = ''] = command.trim().split(/\s+/);
    return isNodeProgram(baseName(program)) && !PACKAGE_MANAGER.test(baseName(script));
  });
}

/**
 * The --max-old-space-size a container's node was given, in MiB, and where: node reads NODE_OPTIONS
 * first and its command line over it. Where ps shows the node that runs (nodeProcess), its command
 * line decides; a bound there that the container's command does not hold, a script put there.
 */
function toldOldSpace(c: ContainerRecord | undefined, nodeProcess?: ProcessInfo): { mib: number; place: OldSpacePlace } | undefined {
  if (!c) return undefined;
  const last = (text: string): number | undefined => {
    const value = [...text.matchAll(/--max[-_]old[-_]space[-_]size[= ](\d+)/g)].at(-1)?.[1];
    return value !== undefined ? Number(value) : undefined;
  };
  const onCommand = last(`${c.entrypoint ?? ''} ${c.command ?? ''}`);
  const onProcess = nodeProcess ? last(nodeProcess.command) : onCommand;
  if (onProcess !== undefined) return { mib: onProcess, place: onProcess === onCommand ? 'command' : 'script' };
  const inOptions = last(envValue(c, 'NODE_OPTIONS') ?? '');
  return inOptions !== undefined ? { mib: inOptions, place: 'env' } : undefined;
}

/**
 * Whether node's bound is on its command line (which outranks NODE_OPTIONS), and the sentence that
 * says where to change it. A container that starts node through npm or a script, where ps did not
 * show that node's command line, may pass a bound there that NODE_OPTIONS cannot override: said so.
 */
function oldSpaceWhere(given: { place: OldSpacePlace } | undefined, container: ContainerRecord | undefined, shownByPs: boolean): { onCommandLine: boolean; where: string } {
  const throughScript = !shownByPs && container !== undefined && !commandPrograms(container).some(isNodeProgram);
  switch (given?.place) {
    case 'command':
      return { onCommandLine: true, where: " It is on the container's command line, which outranks NODE_OPTIONS: change it where the container is defined." };
    case 'script':
      return {
        onCommandLine: true,
        where:
          " A script puts it on node's command line (ps shows it there; the container's command does not hold it), which outranks NODE_OPTIONS: " +
          "change it in that script (for npm start, the start script in package.json).",
      };
    default:
      return {
        onCommandLine: false,
        where: throughScript
          ? " It starts node through npm or a script, which may pass a --max-old-space-size on node's own command line that NODE_OPTIONS cannot override: if it does (for npm start, in the start script in package.json), change it there."
          : '',
      };
  }
}

/** What a container's node was told of its heap, where that is changed, and the node ps shows, where it does. */
export interface NodeHeapBound {
  given?: { mib: number; place: OldSpacePlace };
  /** The bound is on node's command line, which NODE_OPTIONS cannot override. */
  onCommandLine: boolean;
  /** The sentence that says where to change it, with its leading space; empty when NODE_OPTIONS is the place. */
  where: string;
  process?: ProcessInfo;
}

/** Reads a container's node heap bound once, from the node ps shows (containerNodeProcess) and inspect, for every fix that speaks of it. */
export function nodeHeapBound(container: ContainerRecord | undefined, facts: Facts): NodeHeapBound {
  const process = container ? containerNodeProcess(container, facts) : undefined;
  const given = toldOldSpace(container, process);
  return { ...(given ? { given } : {}), ...oldSpaceWhere(given, container, process !== undefined), ...(process ? { process } : {}) };
}

/** How to see what fills the heap, for the release in front of the reader. */
function snapshotAdvice(version: NodeVersion | undefined): string {
  // --heapsnapshot-near-heap-limit came with 14.18 and 15.1; older releases have only the signal
  if (version && version.major < 14) return `node ${version.major} (${version.from}) cannot write a heap snapshot on its own as the heap fills: one taken by --heapsnapshot-signal (12+) while it grows shows what holds it.`;
  return 'If it grows without bound at any size, it leaks: --heapsnapshot-near-heap-limit=1 (node 14.18+, 15.1+) writes a heap snapshot as the heap nears its bound, showing what holds it.';
}

/** The signals V8 ends a process with after its FATAL ERROR: abort(), or a deliberate crash (a trap, an illegal instruction, a fault at a fixed address). */
const V8_CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGSEGV']);

/** Why its exit code says it crashed: V8 ends the process itself, on purpose; nothing in node is broken. */
function exitSentence(exitCode: number | undefined): string {
  const signal = exitCode !== undefined ? exitMeaning(exitCode)?.signal : undefined;
  return signal && V8_CRASH_SIGNALS.has(signal) ? ` Its exit ${exitCode} (${signal}) is V8 ending the process after that FATAL ERROR, on purpose: not a fault of its own to chase.` : '';
}

/** A memory limit that keeps a quarter beyond a heap of this many MiB, for buffers and native memory. */
function limitAboveHeapMiB(heapMiB: number): number {
  return roundMiB((heapMiB * MIB) / 0.75);
}

/**
 * The fixes for node's own heap exhaustion: where the container's limit leaves the heap room, a
 * larger --max-old-space-size within it; where the heap already took its share of the limit, a
 * larger limit and heap, sized from the heap it reached; without a limit, a larger heap and a limit above it.
 */
export function nodeOutOfMemoryFixes(oom: NodeOutOfMemory, container: ContainerRecord | undefined, short: string, facts: Facts): Fix[] {
  const limit = container?.memoryLimitBytes;
  const { given, onCommandLine, where: whereItIs } = nodeHeapBound(container, facts);
  const told = given?.mib;
  const reached = oom.heapMiB ?? told;
  const reachedText = reached !== undefined ? ` at about ${reached} MiB` : '';
  // a bound it was given stays where it is at any limit; its default is a share of what it sees
  const byItself =
    told !== undefined
      ? `node stopped at the heap bound it was given (--max-old-space-size=${told}), not at the memory cgroup: no OOM kill follows, and a larger memory limit alone changes nothing.`
      : 'node stopped at its default heap bound, not at the memory cgroup, so no OOM kill follows; that default is a share of the memory node sees, so set the bound rather than rely on it.';
  const snapshot = `${snapshotAdvice(nodeVersion(container))}${exitSentence(container?.exitCode)}`;
  const optionsSet = envHolds(container, 'NODE_OPTIONS');
  // a bound on node's command line outranks NODE_OPTIONS: it is changed there, where the container is defined
  const inPlaceOf = given && onCommandLine ? ` in place of --max-old-space-size=${given.mib} on its command line` : '';
  const heapSetting = (mib: number): Pick<Fix, 'container_env'> => (onCommandLine ? {} : { container_env: [envSetting('NODE_OPTIONS', `--max-old-space-size=${mib}`, optionsSet)] });
  if (limit) {
    const share = heapShareMiB(limit);
    const limitText = formatBytes(limit, 'binary-whole');
    if (reached === undefined || reached < share * 0.9) {
      return [
        {
          title: `Its node process ran out of heap${reachedText} (${oom.error}): give the heap more room, within the container's ${limitText} limit: --max-old-space-size=${share}${inPlaceOf}`,
          detail: `${byItself} ${share} MiB is three quarters of the limit, leaving the rest for buffers, native memory and the code.${whereItIs} ${snapshot}`,
          ...heapSetting(share),
        },
      ];
    }
    // the heap had about all the limit leaves it: both must grow, or what grows must be found
    const heap = headroomMiB(reached * MIB);
    const newLimit = limitAboveHeapMiB(heap);
    return [
      {
        title: `Its node process ran out of heap${reachedText}, about all that the container's ${limitText} limit leaves it (${oom.error}): if it needs more, raise both, to --max-old-space-size=${heap} and a ${newLimit} MiB limit`,
        ...limitFix(limitChange(container, short, newLimit), `${heap} MiB is half again the heap it reached, rounded up; the limit keeps a quarter beyond the heap for buffers and native memory.${whereItIs} ${snapshot}`),
        ...heapSetting(heap),
      },
    ];
  }
  const heap = reached !== undefined ? headroomMiB(reached * MIB) : undefined;
  return [
    {
      title: `Its node process ran out of heap${reachedText} (${oom.error}): ` + (heap !== undefined ? `if it needs more, give it --max-old-space-size=${heap}, and the container a limit above it` : 'give it a larger --max-old-space-size, or find what fills it'),
      detail: `${byItself}${heap !== undefined ? ` ${heap} MiB is half again the heap it reached, rounded up; a memory limit of ${limitAboveHeapMiB(heap)} MiB keeps a quarter beyond it, so that a leak is stopped in its own cgroup.${whereItIs}` : ''} ${snapshot}`,
      ...(heap !== undefined ? heapSetting(heap) : {}),
    },
  ];
}
