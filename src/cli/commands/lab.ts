import type { Command } from 'commander';
import { InputError } from '../../domain/index.js';
import { startLab } from '../../lab/index.js';
import { DEMO_BUNDLES_DIR } from '../../config/index.js';
import type { CliIo } from '../io.js';
import { untilSignal } from '../signals.js';

export interface LabCommandOptions {
  bundles: string;
  writeInventory?: string;
  hosts?: string;
  durationScale?: string;
  portBase?: string;
}

function positiveNumber(flag: string, value: string | undefined, integer: boolean, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok = Number.isFinite(n) && n >= 0 && n <= max && (!integer || (Number.isInteger(n) && n > 0));
  if (!ok) throw new InputError('cli_bad_option', `${flag} must be ${integer ? 'a whole number from 1' : 'a number from 0'} to ${max}, got "${value}"`);
  return n;
}

/** Runs the lab until `until` resolves (SIGINT/SIGTERM from the command line), then stops it. */
export async function runLab(opts: LabCommandOptions, io: CliIo, until: Promise<unknown>): Promise<void> {
  const hosts = positiveNumber('--hosts', opts.hosts, true, 5_000);
  const durationScale = positiveNumber('--duration-scale', opts.durationScale, false, 100);
  const portBase = positiveNumber('--port-base', opts.portBase, true, 65_535);
  const lab = await startLab({ bundlesDir: opts.bundles, hosts, durationScale, ...(portBase === undefined ? {} : { portBase }) });
  try {
    if (opts.writeInventory) await lab.writeInventory(opts.writeInventory);
    for (const host of lab.hosts) io.out(`${host.name}\t127.0.0.1:${host.port}\t(replays ${host.bundle})\n`);
    io.out(
      `lab: ${lab.hosts.length} hosts up${opts.writeInventory ? `, inventory in ${opts.writeInventory}` : ''}; Ctrl-C to stop\n`,
    );
    await until;
  } finally {
    await lab.stop();
    io.out('lab: stopped\n');
  }
}

export function registerLab(program: Command, io: CliIo): void {
  program
    .command('lab')
    .description('start SSH hosts on 127.0.0.1 that replay evidence bundles (for the demo, tests and bench)')
    .option('--bundles <dir>', 'directory of bundle directories', DEMO_BUNDLES_DIR)
    .option('--write-inventory <file>', 'write an inventory (with known_hosts and the client key beside it)')
    .option('--hosts <n>', 'run N hosts, cloning the bundles round-robin as <bundle>-<i>')
    .option('--duration-scale <x>', 'scale the recorded step durations (0 = instant)', '1')
    .option('--port-base <n>', 'listen on fixed ports: the first host on N, the next on N+1, ... (default: free ports)')
    .action((opts: LabCommandOptions) => runLab(opts, io, untilSignal()));
}
