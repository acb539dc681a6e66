/** One process from `ps -eo pid,ppid,stat,etimes,wchan:32,args` or `ps aux`, or one thread from `ps -eLo pid,lwp,...`. */
export interface PsProcess {
  pid: number;
  /** The parent's pid, where ps has a PPID column: what tells a container's processes apart below its main one. */
  ppid?: number;
  /** The thread's id, where ps lists threads (`-L`: LWP, TID or SPID column). */
  tid?: number;
  /** STAT column: "D", "Ss", "Dsl"... */
  state: string;
  elapsedSeconds?: number;
  wchan?: string;
  user?: string;
  command: string;
  lineNumber: number;
  text: string;
}

const COMMAND_COLUMNS = new Set(['COMMAND', 'CMD', 'ARGS']);
/** The process tree `ps f` (`ps axf`, `ps auxf`) draws before a command: `|` and `\_` steps. */
const FOREST = /^(?:(?:\||\\_)\s+)+/;

/**
 * Reads ps output by its header, whatever the column order. The command column (COMMAND/CMD/ARGS)
 * takes the rest of the line when it comes last; when other columns follow it (`ps -eLo
 * pid,tid,comm,state,wchan`), the words beyond the column count are its own. The tree `ps f` draws
 * in front of a command is not part of it; `top -b`'s task list (PID ... S ... COMMAND) reads the same
 * way. Total: returns null when there is no recognisable header.
 */
export function parsePs(text: string): PsProcess[] | null {
  const lines = text.split('\n');
  const headerAt = lines.findIndex((l) => /\bPID\b/.test(l) && /\bS(?:TAT)?\b/.test(l));
  if (headerAt === -1) return null;
  const columns = (lines[headerAt] ?? '').trim().split(/\s+/);
  const commandAt = columns.findIndex((c) => COMMAND_COLUMNS.has(c));
  if (commandAt === -1) return null;
  const index = (...names: string[]): number => columns.findIndex((c) => names.includes(c));
  const pidAt = index('PID');
  const ppidAt = index('PPID');
  const tidAt = index('LWP', 'TID', 'SPID');
  const statAt = index('STAT', 'S');
  const elapsedAt = index('ELAPSED');
  const wchanAt = index('WCHAN');
  const userAt = index('USER');
  const out: PsProcess[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const text = (lines[i] ?? '').replace(/\r$/, '');
    const fields = commandAt === columns.length - 1 ? splitFields(text, columns.length) : splitAround(text, columns.length, commandAt);
    if (!fields) continue;
    const pid = Number(fields[pidAt]);
    const state = fields[statAt] ?? '';
    if (!Number.isInteger(pid) || pid < 0 || !/^[A-Za-z<>+|]+$/.test(state)) continue;
    const proc: PsProcess = { pid, state, command: (fields[commandAt] ?? '').replace(FOREST, ''), lineNumber: i + 1, text };
    const ppid = ppidAt === -1 ? NaN : Number(fields[ppidAt]);
    if (Number.isInteger(ppid) && ppid >= 0) proc.ppid = ppid;
    const tid = tidAt === -1 ? NaN : Number(fields[tidAt]);
    if (Number.isInteger(tid) && tid > 0) proc.tid = tid;
    if (elapsedAt !== -1) {
      const elapsed = parseElapsed(fields[elapsedAt] ?? '');
      if (elapsed !== undefined) proc.elapsedSeconds = elapsed;
    }
    if (wchanAt !== -1 && fields[wchanAt] && fields[wchanAt] !== '-') proc.wchan = fields[wchanAt];
    if (userAt !== -1 && fields[userAt]) proc.user = fields[userAt];
    out.push(proc);
  }
  return out;
}

/** Splits into n fields by whitespace; the last one keeps its inner spaces. */
function splitFields(line: string, n: number): string[] | null {
  const fields: string[] = [];
  let rest = line.trimStart();
  for (let i = 0; i < n - 1; i++) {
    const m = /^(\S+)\s*/.exec(rest);
    if (!m) return null;
    fields.push(m[1] as string);
    rest = rest.slice(m[0].length);
  }
  fields.push(rest.trimEnd());
  return fields;
}

/** Splits into n fields when the command column (at commandAt) is not the last: it takes the surplus words. */
function splitAround(line: string, n: number, commandAt: number): string[] | null {
  const words = line.trim().split(/\s+/);
  if (words.length < n) return null;
  const extra = words.length - n;
  return [...words.slice(0, commandAt), words.slice(commandAt, commandAt + extra + 1).join(' '), ...words.slice(commandAt + extra + 1)];
}

/** `etimes` seconds, or `etime` `[[dd-]hh:]mm:ss`. */
function parseElapsed(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(s);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}
