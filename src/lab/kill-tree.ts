import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid of every process, from /proc (Linux). */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // the command name is in parentheses and may hold spaces: fields resume after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/** `pid` and all its descendants, collected before anything is killed (orphans get re-parented). */
export function processTree(pid: number): number[] {
  const children = parentMap();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    out.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return out;
}

/**
 * Kills a process, its process group and every descendant (which may have made groups of their own,
 * as `timeout` and sshd's session processes do). Processes already gone are ignored.
 */
export function killProcessTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  const tree = processTree(pid);
  for (const p of tree) {
    for (const target of [-p, p]) {
      try {
        process.kill(target, signal);
      } catch {
        // not a group leader, or already gone
      }
    }
  }
}
