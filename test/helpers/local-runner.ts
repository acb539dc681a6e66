import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/domain/index.js';

/**
 * A real CommandRunner on this machine: `sh -c` in its own process group, killed (the whole group)
 * at the timeout, output cut at maxBytes. It records every command line and the most that ran at once,
 * so tests can check what collection did.
 */
export class LocalRunner implements CommandRunner {
  readonly host: string;
  readonly commands: string[] = [];
  running = 0;
  maxRunning = 0;

  constructor(host = 'localhost') {
    this.host = host;
  }

  run(command: string, options: RunOptions): Promise<CommandResult> {
    this.commands.push(command);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const started = Date.now();
    return new Promise<CommandResult>((resolve) => {
      const child = spawn('sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let truncated = false;
      let timedOut = false;
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, options.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = options.maxBytes - outBytes;
        if (chunk.length > room) {
          out.push(chunk.subarray(0, room));
          outBytes += room;
          truncated = true;
          killGroup();
        } else {
          out.push(chunk);
          outBytes += chunk.length;
        }
      });
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('close', (code) => {
        clearTimeout(timer);
        this.running -= 1;
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          exit: timedOut || truncated ? null : code,
          timedOut,
          truncated,
          durationMs: Date.now() - started,
        });
      });
    });
  }

  async close(): Promise<void> {}
}
