import type { Fix } from '../../../domain/index.js';
import type { ContainerLogTail } from '../../facts/docker.js';
import { formatBytes, MIB } from '../../parsers/sizes.js';
import type { ContainerRecord, Facts } from '../../facts/index.js';
import { envHolds, envSetting } from './docker-context.js';
import { limitChange, limitFix } from './memory-sizing.js';
import { containerJvmOptions, heapShareMiB, heapSizeText, limitForHeapMiB, whereToChange, xmxSetting } from './jvm.js';

/** What a JVM ran out of, by the message of its java.lang.OutOfMemoryError. */
export type JvmOutOfMemoryKind = 'heap' | 'metaspace' | 'threads' | 'direct' | 'other';

export interface JvmOutOfMemory {
  kind: JvmOutOfMemoryKind;
  /** "java.lang.OutOfMemoryError: Java heap space", as the JVM printed it. */
  error: string;
  /** The line of the log tail that says it. */
  printed: ContainerLogTail['lines'][number];
}

const OOME = /java\.lang\.OutOfMemoryError(?::\s*(.+?))?(?=\s+at\s|\s*$)/;

function kindOf(message: string): JvmOutOfMemoryKind {
  if (/Java heap space|GC overhead limit exceeded|Requested array size exceeds VM limit/.test(message)) return 'heap';
  if (/Metaspace|PermGen space|Compressed class space/.test(message)) return 'metaspace';
  if (/unable to create (?:new )?native thread/.test(message)) return 'threads';
  if (/Direct buffer memory/.test(message)) return 'direct';
  return 'other';
}

/**
 * The JVM's own OutOfMemoryError in what a container printed last, the latest one: the JVM ran out
 * of something it sizes itself (its heap, metaspace, threads), which no memory-cgroup kill shows.
 */
export function jvmOutOfMemoryIn(lines: ContainerLogTail['lines']): JvmOutOfMemory | undefined {
  for (const line of [...lines].reverse()) {
    const m = OOME.exec(line.text);
    if (m) return { kind: kindOf(m[1] ?? ''), error: `java.lang.OutOfMemoryError${m[1] ? `: ${m[1].trim()}` : ''}`, printed: line };
  }
  return undefined;
}

/** Lets a JVM that ran out die, so that its orchestrator starts a sound one, and keeps what filled it. */
const AFTER_OOME = '-XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp';

/**
 * The fixes for a JVM's own OutOfMemoryError, by what it ran out of; the heap is sized from the
 * container's limit where it has one, and changed where it is set.
 */
export function jvmOutOfMemoryFixes(oome: JvmOutOfMemory, container: ContainerRecord | undefined, short: string, facts: Facts): Fix[] {
  const told = envHolds(container, 'JAVA_TOOL_OPTIONS');
  const first = ((): Fix => {
    switch (oome.kind) {
      case 'heap':
        return moreHeapFix(oome, container, short, facts);
      case 'metaspace':
        return {
          title: `Its JVM ran out of class metadata space (${oome.error}): raise -XX:MaxMetaspaceSize, or find the class loaders that leak`,
          detail: 'Metaspace holds loaded classes; it fills when an application server redeploys without restarting, or code generates classes without end.',
        };
      case 'threads':
        return {
          title: `Its JVM could not start another thread (${oome.error}): find the limit it hit, or the threads that leak`,
          detail:
            "Not the heap: each thread needs a process slot and a native stack. The container's pids limit (docker run --pids-limit), the user's nproc limit, the host's threads-max, or the memory left outside the heap stopped it. " +
            'Count its threads against those; -Xss lowers the stack each takes.',
          commands: [`docker inspect --format '{{.HostConfig.PidsLimit}}' ${short}`, `docker top ${short} -o pid,nlwp,args`, 'cat /proc/sys/kernel/threads-max /proc/sys/kernel/pid_max'],
        };
      case 'direct':
        return {
          title: `Its JVM ran out of direct buffer memory (${oome.error}): raise -XX:MaxDirectMemorySize, or find what holds the buffers`,
          detail: 'Direct buffers (NIO, Netty) live outside the heap and are freed only when their owners are collected; their cap is -XX:MaxDirectMemorySize, by default the heap size.',
        };
      case 'other':
        return { title: `Its JVM ran out of memory (${oome.error}): the message says which kind; size that one` };
    }
  })();
  return [
    first,
    {
      title: 'Let a JVM that ran out of memory exit instead of limping on, and keep a heap dump of it',
      detail:
        'After an OutOfMemoryError the JVM goes on in an undefined state (threads died mid-task); with ExitOnOutOfMemoryError (8u92+) it exits and its orchestrator starts a sound one. ' +
        'Put the dump path on a volume to keep it.',
      // added to what the fix above sets, not in its place
      container_env: [envSetting('JAVA_TOOL_OPTIONS', AFTER_OOME, told || first.container_env?.some((e) => e.startsWith('JAVA_TOOL_OPTIONS=')) === true)],
    },
  ];
}

const STOPPED_AT_ITS_BOUND =
  'The JVM stopped at its own heap bound, not at the memory cgroup: no OOM kill follows, and a larger memory limit alone changes nothing. ' +
  'If the heap grows without bound at any size, it leaks: a heap dump on the next error shows what holds it.';

/**
 * More heap for a JVM that ran out of it, from the heap it has (heapSizeOf) and the limit: 3/4 of
 * the limit, set where its bound is (an -Xmx on the command line outranks JAVA_TOOL_OPTIONS); a
 * heap that has that much already needs a larger limit with it.
 */
function moreHeapFix(oome: JvmOutOfMemory, c: ContainerRecord | undefined, short: string, facts: Facts): Fix {
  const ranOut = `Its JVM ran out of heap (${oome.error})`;
  const limit = c?.memoryLimitBytes;
  if (!c || !limit) return { title: `${ranOut}: give the heap more room, or find what fills it`, detail: STOPPED_AT_ITS_BOUND };
  const heap = containerJvmOptions(c, facts).heap;
  const limitText = formatBytes(limit, 'binary-whole');
  const share = heapShareMiB(limit);
  const has = heap ? `${heapSizeText(heap, limit)}, ${formatBytes(heap.bytes, 'binary')}` : undefined;
  if (heap && has && heap.bytes >= share * MIB * 0.95) {
    const larger = Math.ceil((heap.bytes * 1.5) / MIB);
    const newLimit = limitForHeapMiB({ bytes: larger * MIB });
    const largerSetting = xmxSetting(heap, larger, envHolds(c, 'JAVA_TOOL_OPTIONS'));
    return {
      title: `${ranOut} with ${has}, about all that the container's ${limitText} limit leaves it: if it needs more, raise both, to -Xmx${larger}m and a ${newLimit} MiB limit`,
      ...limitFix(limitChange(c, short, newLimit), `${STOPPED_AT_ITS_BOUND} ${heap.option && !heap.shareOf ? whereToChange(heap) : ''}`.trim()),
      ...(largerSetting ? { container_env: [largerSetting] } : {}),
    };
  }
  const inPlaceOf = heap?.option && !heap.shareOf ? ` in place of ${heap.option}` : '';
  const setting = xmxSetting(heap, share, envHolds(c, 'JAVA_TOOL_OPTIONS'));
  return {
    title: `${ranOut}: give the heap more room, within the container's ${limitText} limit: -Xmx${share}m${inPlaceOf}`,
    detail: [has ? `Its heap is ${has}.` : undefined, STOPPED_AT_ITS_BOUND, inPlaceOf && heap ? whereToChange(heap) : undefined].filter((t) => t).join(' '),
    ...(setting ? { container_env: [setting] } : {}),
  };
}
