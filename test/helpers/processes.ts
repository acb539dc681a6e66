import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTree } from '../../src/lab/kill-tree.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Pids of processes whose command line matches `pattern` (pgrep -f); none is an empty list. */
export function pgrep(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Processes of this test process's tree still running a lab hang shim (its endless sleep). */
export function hangingShims(): number[] {
  return processTree(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('2147483647');
    } catch {
      return false;
    }
  });
}

/** Polls `check` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { freePort } from '../../src/lab/openssh-host.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Child processes run the built CLI: build it when src/ is newer than dist/ (npm test builds first). */
export function ensureBuilt(): void {
  const main = join(REPO, 'dist/cli/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(REPO, 'src'))) return;
  execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
}

export interface Child {
  proc: ChildProcess;
  output: () => string;
  /** Resolves when the process has exited (after a kill). */
  exited: Promise<void>;
}

/** Starts `sickbay ARGS` as a child process and waits until its output contains `ready`. */
export async function startSickbay(args: string[], env: Record<string, string>, ready: RegExp): Promise<Child> {
  const proc = spawn(process.execPath, [join(REPO, 'bin/sickbay'), ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!ready.test(out)) {
    if (proc.exitCode !== null) throw new Error(`sickbay ${args.join(' ')} exited early:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`sickbay ${args.join(' ')} did not get ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, output: () => out, exited };
}

export async function stopChild(child: Child | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill(signal);
  await child.exited;
}

/** A redis-server of the test's own, on a free port, persistent (AOF) so that a restart keeps the data. */
export class RedisServer {
  private child: Child | undefined;
  constructor(readonly port: number, readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    this.child = { proc, output: () => out, exited };
    const deadline = Date.now() + 10_000;
    while (!/Ready to accept connections/.test(out)) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopChild(this.child, signal);
    this.child = undefined;
  }
}
