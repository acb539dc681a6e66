import type { Evidence } from '../../../domain/index.js';
import type { ContainerRecord } from '../../facts/docker.js';
import { toEvidence, type LogLine } from '../../parsers/log-line.js';

/** The container a logged id (12-hex short or 64-hex full) refers to. */
export function findContainer(containers: readonly ContainerRecord[], id: string): ContainerRecord | undefined {
  const lower = id.toLowerCase();
  return containers.find((c) => {
    const cid = c.id.toLowerCase();
    return cid.length >= 12 && lower.length >= 12 && (cid.startsWith(lower) || lower.startsWith(cid));
  });
}

/** Evidence from log lines, at most `max` of them, the first ones and the last one. */
export function quote(lines: readonly LogLine[], max = 6): Evidence[] {
  const picked = lines.length <= max ? lines : [...lines.slice(0, max - 1), lines[lines.length - 1] as LogLine];
  return picked.map(toEvidence);
}

/** "a, b, c and 4 more". */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Items reordered so that the first one for each of `names` (in that order) leads, then the rest as they were. */
export function byNamedFirst<T>(items: readonly T[], names: readonly string[], nameOf: (item: T) => string | undefined): T[] {
  const lead = names.map((n) => items.find((i) => nameOf(i) === n)).filter((i): i is T => i !== undefined);
  return [...lead, ...items.filter((i) => !lead.includes(i))];
}

/** The command that lists what is in D state now: the processes, or every thread where threads are blocked. */
export function dStateListing(threads = false): string {
  return threads ? "ps -eLo pid,lwp,stat,wchan:32,comm | awk '$3 ~ /^D/'" : "ps -eo pid,stat,wchan:32,args | awk '$2 ~ /^D/'";
}
