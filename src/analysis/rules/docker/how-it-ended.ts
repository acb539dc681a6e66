import { clip, type Evidence, type Fix } from '../../../domain/index.js';
import type { ContainerRecord, Facts } from '../../facts/index.js';
import { logTailOf } from '../../facts/docker.js';
import { toEvidence } from '../../parsers/log-line.js';
import { lastWordsOf } from './docker-context.js';
import { jvmOutOfMemoryFixes, jvmOutOfMemoryIn } from './jvm-out-of-memory.js';
import { nodeOutOfMemoryFixes, nodeOutOfMemoryIn } from './node-out-of-memory.js';

/** The exit status a container ended with: inspect's, or the one in docker ps's "Exited (137) 5 hours ago". */
export function exitCodeOf(c: ContainerRecord): number | undefined {
  if (c.exitCode !== undefined) return c.exitCode;
  const m = /^Exited \((\d+)\)/.exec(c.statusText ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * When a container's run ended: inspect's FinishedAt (Docker writes 0001-01-01 for "never"), else
 * how long ago at least, as a docker ps row says ("Exited (1) 2 weeks ago"), for the event window.
 */
export function endedWhen(c: ContainerRecord): { at?: string; data: { ended_at_least_seconds_ago?: number } } {
  const at = c.finishedAt && !c.finishedAt.startsWith('0001-') ? c.finishedAt : undefined;
  if (at) return { at, data: {} };
  return { data: c.endedAtLeastSecondsAgo !== undefined ? { ended_at_least_seconds_ago: c.endedAtLeastSecondsAgo } : {} };
}

/** The signals a process most often dies of, by number (an exit status over 128 is 128 + the signal). */
const SIGNALS: Readonly<Record<number, string>> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };

/** What an exit status says of how the main process ended: a few words for a title, a sentence for a fix. */
export interface ExitMeaning {
  short: string;
  sentence: string;
  /** 128 + this signal. */
  signal?: string;
}

/**
 * What Docker's own statuses (125 to 127, its run reference's "Exit Status") and a death by signal
 * say; an application's own status (1, 2, 3...) means what it says it means, in its last words.
 */
export function exitMeaning(code: number): ExitMeaning | undefined {
  switch (code) {
    case 125:
      return { short: 'Docker could not run it', sentence: "Exit 125 is Docker's own: the daemon could not create or start the container (an option it refused, a volume or network it could not set up)." };
    case 126:
      return { short: 'command cannot be run', sentence: 'Exit 126: its command was found but could not be run: not executable (no chmod +x in the image), a directory, or denied to its user.' };
    case 127:
      return {
        short: 'command not found',
        sentence:
          "Exit 127: its command was not found: the program is not in the image or not on its PATH, or a script's interpreter line names one that is not (a script saved with Windows line endings asks for \"/bin/sh\\r\").",
      };
  }
  const signal = code > 128 && code < 160 ? SIGNALS[code - 128] : undefined;
  if (!signal) return undefined;
  const why: Readonly<Record<string, string>> = {
    SIGILL: 'an instruction this CPU does not have: a binary built for a newer CPU than this host has (AVX and the like)',
    SIGABRT: 'it aborted itself: a failed assertion, the C library finding its heap corrupt, or a runtime giving up',
    SIGSEGV: 'a crash in native code (a segmentation fault): a bug in the program or a library it loads, or a library built for another system',
    SIGBUS: 'a bus error: memory it mapped went away, often a file truncated under it or a full /dev/shm',
    SIGKILL: 'it was killed outright: by the kernel out of memory, docker kill, or docker stop after its timeout',
  };
  return {
    short: `${signal}`,
    signal,
    sentence: `Exit ${code} is 128 + ${code - 128}: the process died of ${signal}${why[signal] ? `, ${why[signal]}` : ''}.`,
  };
}

/** ENOSPC as C libraries, Go, Java and node word it. */
const OUT_OF_SPACE = /No space left on device|\bENOSPC\b/;

/** How a container's main process ended, from what it printed last and its exit status. */
export interface HowItEnded {
  /** What it ran out of (space, its runtime's memory), where not among its last words; then its last words. */
  evidence: Evidence[];
  /** What its runtime ran out of, sized from the container's limit: these lead a finding's fixes. */
  fixes: Fix[];
  /** Its last line, with Docker's time, and what its exit status says: the detail a fix leads with. */
  sentence?: string;
  data: { jvm_out_of_memory?: string; node_heap_out_of_memory_mib?: number | null; out_of_space?: true };
}

/**
 * Reads a container's end where its log tail was read (the container playbook's container,
 * docker-host's restarting and lately failed ones): its own last words, a JVM's
 * OutOfMemoryError, node's heap exhaustion, a write refused for want of space, and what its exit
 * status means.
 */
export function howItEnded(facts: Facts, c: ContainerRecord): HowItEnded {
  const said = lastWordsOf(facts, c.id);
  const tail = logTailOf(facts.docker, c.id) ?? [];
  const oome = jvmOutOfMemoryIn(tail);
  const nodeOom = nodeOutOfMemoryIn(tail);
  const quoted = new Set(said.evidence.map((e) => e.line));
  const noSpace = [...tail].reverse().find((l) => OUT_OF_SPACE.test(l.text));
  const ranOut = [noSpace, oome?.printed, nodeOom?.gcLine, nodeOom?.printed].filter((l): l is NonNullable<typeof l> => l !== undefined && !quoted.has(l.line.line));
  const short = c.id.slice(0, 12);
  const code = exitCodeOf(c);
  // node's own fix says what its crash signal was; a JVM's exit after an OutOfMemoryError is its own;
  // Go exits 2 after a panic nothing recovered, which its panic line explains
  const goPanic = code === 2 && tail.some((l) => /^panic: /.test(l.text));
  const meaning = goPanic
    ? { sentence: 'Exit 2 is how a Go program ends after a panic nothing recovered: the panic line says what went wrong, the goroutine listing under it where.' }
    : code !== undefined && !(nodeOom && code > 128)
      ? exitMeaning(code)
      : undefined;
  // the refused write, unless its last words quote it already
  const refused = noSpace
    ? said.sentence?.includes(clip(noSpace.text.trim(), 200))
      ? 'That is a write refused for want of space: free space where it writes before it runs again.'
      : `One of its writes was refused for want of space${noSpace.time ? ` (${noSpace.time})` : ''}: "${clip(noSpace.text.trim(), 200)}". Free space where it writes before it runs again.`
    : undefined;
  const sentence = [said.sentence, refused, meaning?.sentence].filter((s) => s !== undefined).join(' ');
  return {
    evidence: [...ranOut.map((l) => toEvidence(l.line)), ...said.evidence],
    fixes: [...(oome ? jvmOutOfMemoryFixes(oome, c, short) : []), ...(nodeOom ? nodeOutOfMemoryFixes(nodeOom, c, short) : [])],
    ...(sentence ? { sentence } : {}),
    data: {
      ...(oome ? { jvm_out_of_memory: oome.kind } : {}),
      ...(nodeOom ? { node_heap_out_of_memory_mib: nodeOom.heapMiB ?? null } : {}),
      // a write that failed for want of space: a full filesystem or pool is what ended it
      ...(noSpace ? { out_of_space: true as const } : {}),
    },
  };
}
