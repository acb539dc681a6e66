import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './processes.js';
import type { SshdHandle } from './sshd.js';

/**
 * Runs the built CLI as a user would, `./bin/sickbay diag root@127.0.0.1:PORT ... --json`, against a
 * test's real sshd; returns its exit code, output and wall time.
 */
export async function runDiagCli(sshd: SshdHandle, knownHosts: string, more: readonly string[] = []): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const args = [join(REPO, 'bin/sickbay'), 'diag', `root@127.0.0.1:${sshd.port}`, '--identity', sshd.clientKeyPath, '--known-hosts', knownHosts, '--json', ...more];
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr, ms: Math.round(performance.now() - started) };
}
