import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/domain/index.js';

/**
 * A real CommandRunner that runs each line with `sh -c` on this machine: the remediation and
 * verification paths are exercised end to end without an SSH host. `sudo` is ignored.
 */
export class LocalShellRunner implements CommandRunner {
  readonly host: string;
  readonly ran: string[] = [];

  constructor(host: string) {
    this.host = host;
  }

  run(command: string, options: RunOptions): Promise<CommandResult> {
    this.ran.push(command);
    const started = Date.now();
    return new Promise((resolve) => {
      // detached: the shell leads its own process group, so a timeout kills its children too.
      const child = spawn('sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let bytes = 0;
      let truncated = false;
      let timedOut = false;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        if (bytes + chunk.length > options.maxBytes) {
          into.push(chunk.subarray(0, Math.max(0, options.maxBytes - bytes)));
          bytes = options.maxBytes;
          truncated = true;
          return;
        }
        bytes += chunk.length;
        into.push(chunk);
      };
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      }, options.timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ stdout: '', stderr: '', exit: null, timedOut: false, truncated: false, durationMs: Date.now() - started, error: error.message });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          exit: timedOut ? null : code,
          timedOut,
          truncated,
          durationMs: Date.now() - started,
        });
      });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A clock the test moves by hand. */
export function manualClock(start: Date = new Date()): { now(): Date; advance(ms: number): void } {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance: (ms) => {
      at += ms;
    },
  };
}
