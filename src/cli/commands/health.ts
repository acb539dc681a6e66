import type { Command } from 'commander';
import { InputError } from '../../domain/index.js';
import { answersSshBanner } from '../../lab/index.js';
import { CommandFailed, type CliIo } from '../io.js';

/** One probe of a sickbay process or lab host, for container healthchecks (the image has no curl). */
export async function checkHealth(target: string, timeoutMs: number, io: CliIo): Promise<void> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new InputError('cli_bad_option', `expected http://HOST:PORT/PATH or ssh://HOST:PORT, got "${target}"`);
  }
  if (url.protocol === 'ssh:') {
    const port = Number(url.port || 22);
    if (await answersSshBanner(port, url.hostname, timeoutMs)) return;
    io.err(`sickbay: no SSH banner from ${url.hostname}:${port} within ${timeoutMs} ms\n`);
    throw new CommandFailed('unhealthy');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError('cli_bad_option', `expected an http:, https: or ssh: URL, got "${target}"`);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch((err: unknown) => {
    io.err(`sickbay: ${url.href} did not answer: ${(err as Error).message}\n`);
    throw new CommandFailed('unhealthy');
  });
  const body = (await res.text()).slice(0, 500).trim();
  if (res.ok) return;
  io.err(`sickbay: ${url.href} answered ${res.status}: ${body}\n`);
  throw new CommandFailed('unhealthy');
}

export function registerHealth(program: Command, io: CliIo): void {
  program
    .command('health')
    .description("exit 0 if a process's /healthz answers 200 (http://127.0.0.1:3000/healthz) or an SSH host shows its banner (ssh://127.0.0.1:2201)")
    .argument('<url>', 'http://HOST:PORT/healthz or ssh://HOST:PORT')
    .option('--timeout-ms <ms>', 'give up after this long', '3000')
    .action(async (target: string, opts: { timeoutMs: string }) => {
      const timeoutMs = Number(opts.timeoutMs);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) throw new InputError('cli_bad_option', `--timeout-ms must be a whole number from 1 to 60000, got "${opts.timeoutMs}"`);
      await checkHealth(target, timeoutMs, io);
    });
}
