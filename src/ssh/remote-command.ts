import { shellQuote } from '../domain/index.js';

export { shellQuote };

/**
 * Seconds given to the remote `timeout`: one more than the local deadline, so that the local timer
 * decides `timed_out` and the remote kill is the backstop that leaves nothing running on the host.
 */
export function remoteTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000)) + 1;
}

// A word: plain characters, or single-quoted text with no line break, no ! (csh history) and no
// backslash (fish unescapes \\ and \' there).
const WORD = String.raw`(?:[A-Za-z0-9_./:=,+-]+|'[^'\n!\\]*')`;
const PLAIN_COMMAND = new RegExp(String.raw`^[A-Za-z0-9_./+-]+(?: ${WORD})*$`);
/** Shell builtins and keywords that are no program `timeout` could start. */
const NOT_A_PROGRAM = new Set(['cd', 'export', 'set', 'unset', 'read', 'exec', 'eval', 'ulimit', 'umask', 'trap', 'shift', 'source', '.', 'alias', 'type', 'command', 'wait', 'exit', 'return', 'local', 'readonly', 'times', 'getopts', 'hash', 'if', 'for', 'while', 'until', 'case']);

/**
 * A command that is plain words (and single-quoted ones) with a program first: `timeout` can run it
 * itself, one process start fewer than through `sh -c`, which counts on a loaded host. The characters
 * allowed mean the same to every login shell the line may pass through (sh, bash, zsh, csh, fish).
 */
function isPlainCommand(command: string): boolean {
  return PLAIN_COMMAND.test(command) && !NOT_A_PROGRAM.has(command.split(' ', 1)[0] ?? '');
}

/**
 * The line sent to the host: `[sudo -n] timeout -s KILL <secs> sh -c '<command>'`, or without `sh -c`
 * for a plain program and its words (isPlainCommand). `timeout` (without --foreground) runs the
 * command in its own process group and kills the whole group, so a hung `docker` client or a
 * process stuck in D state is killed on the host, not only abandoned.
 */
export function wrapRemoteCommand(command: string, options: { timeoutMs: number; sudo?: boolean }): string {
  const run = isPlainCommand(command) ? command : `sh -c ${shellQuote(command)}`;
  const line = `timeout -s KILL ${remoteTimeoutSeconds(options.timeoutMs)} ${run}`;
  return options.sudo ? `sudo -n ${line}` : line;
}

/** What `sudo -n` prints when it would have to ask for a password (sudo 1.7 to 1.9). */
export function isSudoPasswordPrompt(exit: number | null, stderr: string): boolean {
  return exit === 1 && /^sudo: (a password is required|a terminal is required|no tty present)/m.test(stderr);
}
