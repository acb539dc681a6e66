import { shellQuote } from '../domain/index.js';

export { shellQuote };

/**
 * Seconds given to the remote `timeout`: one more than the local deadline, so that the local timer
 * decides `timed_out` and the remote kill is the backstop that leaves nothing running on the host.
 */
export function remoteTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000)) + 1;
}

/**
 * The line sent to the host: `[sudo -n] timeout -s KILL <secs> sh -c '<command>'`. `timeout` (without
 * --foreground) runs the command in its own process group and kills the whole group, so a hung
 * `docker` client or a process stuck in D state is killed on the host, not only abandoned.
 */
export function wrapRemoteCommand(command: string, options: { timeoutMs: number; sudo?: boolean }): string {
  const line = `timeout -s KILL ${remoteTimeoutSeconds(options.timeoutMs)} sh -c ${shellQuote(command)}`;
  return options.sudo ? `sudo -n ${line}` : line;
}

/** What `sudo -n` prints when it would have to ask for a password (sudo 1.7 to 1.9). */
export function isSudoPasswordPrompt(exit: number | null, stderr: string): boolean {
  return exit === 1 && /^sudo: (a password is required|a terminal is required|no tty present)/m.test(stderr);
}
