import { clip, type Evidence, type Fix } from '../../../domain/index.js';
import type { ContainerRecord, Facts } from '../../facts/index.js';
import { logTailOf } from '../../facts/docker.js';
import type { ContainerLogTail } from '../../parsers/container-log-tail.js';
import { distinctEvidence, toEvidence } from '../../parsers/log-line.js';
import { containerJvmOptions, jvmHeapOptionLine } from './jvm.js';
import { lastWordsOf } from './docker-context.js';
import { listSome } from '../kernel/support.js';
import { jvmOutOfMemoryFixes, jvmOutOfMemoryIn } from './jvm-out-of-memory.js';
import { nodeOutOfMemoryFixes, nodeOutOfMemoryIn } from './node-out-of-memory.js';
import { endedInFailure, exitMeaning } from './exit-status.js';
import { statusFromText } from '../../parsers/docker-ps.js';
import { optional } from '../../parsers/optional.js';

/** The exit status a container ended with: inspect's, or the one in docker ps's "Exited (137) 5 hours ago". */
export function exitCodeOf(c: ContainerRecord): number | undefined {
  return c.exitCode ?? statusFromText(c.statusText ?? '').exitCode;
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

/**
 * What `docker rm` of the exited containers (or `docker system prune`) also takes away: the logs of
 * those that ended with a failure (not 0, not a stop asked for), the words that say why. Said where
 * a fix offers it, so that they are read first; empty when none failed.
 */
export function failedLogsNote(facts: Facts): string {
  const failed = facts.docker.containers.filter((c) => c.running !== true && endedInFailure(exitCodeOf(c)));
  if (failed.length === 0) return '';
  const names = failed.map((c) => c.name ?? c.id.slice(0, 12));
  return ` Removing exited containers deletes their logs too: ${failed.length === 1 ? 'one of them failed' : `${failed.length} of them failed`} (${listSome(names, 5)}); read why first (docker logs).`;
}

/** ENOSPC as C libraries, Go, Java and node word it. */
const OUT_OF_SPACE = /No space left on device|\bENOSPC\b/;
/** EROFS: a write to a filesystem mounted read-only (or one the kernel made so after errors). */
const READ_ONLY = /Read-only file system|\bEROFS\b/;

/** EIO: a read or write the filesystem failed (a failing disk, or an XFS shut down after errors). */
const IO_ERROR = /Input\/output error|\bEIO\b/;

/**
 * What a filesystem refused a container, by the words its last lines use, in the order that
 * decides: a write refused for want of space, one a read-only filesystem refused, a read or write
 * that failed with EIO. With the sentence a fix leads with, where its last words already quote the
 * line, and where they do not.
 */
const FILESYSTEM_REFUSALS = [
  {
    flag: 'out_of_space',
    re: OUT_OF_SPACE,
    quoted: 'That is a write refused for want of space: free space where it writes before it runs again.',
    what: 'One of its writes was refused for want of space',
    advice: 'Free space where it writes before it runs again.',
  },
  {
    flag: 'read_only_fs',
    re: READ_ONLY,
    quoted: 'That is a write to a filesystem mounted read-only: find which, and whether the kernel made it so after errors.',
    what: 'One of its writes was refused by a read-only filesystem',
    advice: 'Find which, and whether the kernel made it so after errors.',
  },
  {
    flag: 'io_error',
    re: IO_ERROR,
    quoted: 'That is an I/O error from the filesystem it used: find which, and whether its disk failed or the kernel shut it down.',
    what: 'One of its reads or writes failed with an I/O error',
    advice: 'Find which filesystem, and whether its disk failed or the kernel shut it down.',
  },
] as const;

type TailLine = ContainerLogTail['lines'][number];

/** The first kind of refusal its log tail shows, with the latest line that shows it. */
function refusalIn(tail: readonly TailLine[]): { kind: (typeof FILESYSTEM_REFUSALS)[number]; line: TailLine } | undefined {
  for (const kind of FILESYSTEM_REFUSALS) {
    const line = tail.findLast((l) => kind.re.test(l.text));
    if (line) return { kind, line };
  }
  return undefined;
}

/** The first absolute path a refused write's line names ("touch: /spool/batch-7: No space left on device"). */
function refusedPathOf(line: { text: string } | undefined): string | undefined {
  return line ? /(?:^|[\s'"`(])(\/[^\s:'"`),]+)/.exec(line.text)?.[1] : undefined;
}

/** How a container's main process ended, from what it printed last and its exit status. */
export interface HowItEnded {
  /** What it ran out of (space, its runtime's memory), where not among its last words; then its last words. */
  evidence: Evidence[];
  /** What its runtime ran out of, sized from the container's limit: these lead a finding's fixes. */
  fixes: Fix[];
  /** Its last line, with Docker's time, and what its exit status says: the detail a fix leads with. */
  sentence?: string;
  /** Its own last words alone (lastWordsOf's sentence), for a container that still runs. */
  lastWords?: string;
  data: { jvm_out_of_memory?: string; node_heap_out_of_memory_mib?: number | null; out_of_space?: true; read_only_fs?: true; io_error?: true; refused_path?: string };
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
  const refusal = refusalIn(tail);
  const ranOut = [refusal?.line, oome?.printed, nodeOom?.gcLine, nodeOom?.printed].filter((l): l is NonNullable<typeof l> => l !== undefined && !quoted.has(l.line.line));
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
  const refused = refusal
    ? said.spoken.includes(refusal.line)
      ? refusal.kind.quoted
      : `${refusal.kind.what}${refusal.line.time ? ` (${refusal.line.time})` : ''}: "${clip(refusal.line.text.trim(), 200)}". ${refusal.kind.advice}`
    : undefined;
  const sentence = [said.sentence, refused, meaning?.sentence].filter((s) => s !== undefined).join(' ');
  // the option that bounds the heap a JVM ran out of, which its fix changes
  const heapLine = oome?.kind === 'heap' ? jvmHeapOptionLine(c, facts, containerJvmOptions(c, facts).heap?.option) : undefined;
  return {
    evidence: distinctEvidence([...ranOut.map((l) => toEvidence(l.line)), ...said.evidence, ...(heapLine ? [toEvidence(heapLine)] : [])]),
    fixes: [...(oome ? jvmOutOfMemoryFixes(oome, c, short, facts) : []), ...(nodeOom ? nodeOutOfMemoryFixes(nodeOom, c, short, facts) : [])],
    ...(sentence ? { sentence } : {}),
    ...(said.sentence ? { lastWords: said.sentence } : {}),
    data: {
      ...(oome ? { jvm_out_of_memory: oome.kind } : {}),
      ...(nodeOom ? { node_heap_out_of_memory_mib: nodeOom.heapMiB ?? null } : {}),
      // a write that failed for want of space: a full filesystem or pool is what ended it
      ...(refusal?.kind.flag === 'out_of_space' ? { out_of_space: true as const } : {}),
      // a write a read-only filesystem refused: a filesystem the kernel remounted read-only is what ended it
      ...(refusal?.kind.flag === 'read_only_fs' ? { read_only_fs: true as const } : {}),
      // a read or write that failed with EIO: a filesystem shut down after errors is what ended it
      ...(refusal?.kind.flag === 'io_error' ? { io_error: true as const } : {}),
      // the path the refused write names, as the container sees it: which of its mounts, or its own layer
      ...optional('refused_path', refusedPathOf(refusal?.line)),
    },
  };
}
