import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { InputError } from '../../domain/index.js';
import { ADDRESS_PATTERN } from '../../inventory/index.js';
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
  listen?: string;
  advertise?: string;
  hostKey?: string;
  authorizedKeys?: string;
  sessionsInProcess?: boolean;
}

function positiveNumber(flag: string, value: string | undefined, integer: boolean, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok = Number.isFinite(n) && n >= 0 && n <= max && (!integer || (Number.isInteger(n) && n > 0));
  if (!ok) throw new InputError('cli_bad_option', `${flag} must be ${integer ? 'a whole number from 1' : 'a number from 0'} to ${max}, got "${value}"`);
  return n;
}

async function readKeyFile(flag: string, file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  return readFile(file, 'utf8').catch((err: unknown) => {
    throw new InputError('cli_bad_option', `${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  });
}

/** Runs the lab until `until` resolves (SIGINT/SIGTERM from the command line), then stops it. */
export async function runLab(opts: LabCommandOptions, io: CliIo, until: Promise<unknown>): Promise<void> {
  const hosts = positiveNumber('--hosts', opts.hosts, true, 5_000);
  const durationScale = positiveNumber('--duration-scale', opts.durationScale, false, 100);
  const portBase = positiveNumber('--port-base', opts.portBase, true, 65_535);
  if (opts.listen !== undefined && isIP(opts.listen) === 0) throw new InputError('cli_bad_option', `--listen must be an IP address (0.0.0.0 for every interface), got "${opts.listen}"`);
  if (opts.advertise !== undefined && !ADDRESS_PATTERN.test(opts.advertise)) throw new InputError('cli_bad_option', `--advertise must be a DNS name or an IP address, got "${opts.advertise}"`);
  const [hostKey, authorizedKeys] = await Promise.all([readKeyFile('--host-key', opts.hostKey), readKeyFile('--authorized-keys', opts.authorizedKeys)]);
  const lab = await startLab({
    bundlesDir: opts.bundles,
    hosts,
    durationScale,
    ...(portBase === undefined ? {} : { portBase }),
    ...(opts.listen === undefined ? {} : { listen: opts.listen }),
    ...(opts.advertise === undefined ? {} : { advertise: opts.advertise }),
    ...(hostKey === undefined ? {} : { hostKey }),
    ...(authorizedKeys === undefined ? {} : { authorizedKeys }),
    sessionsInProcess: opts.sessionsInProcess === true,
  });
  try {
    if (opts.writeInventory) await lab.writeInventory(opts.writeInventory);
    for (const host of lab.hosts) io.out(`${host.name}\t${lab.address}:${host.port}\t(replays ${host.bundle})\n`);
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
    .description('start SSH hosts that replay evidence bundles (for the demo, tests and bench)')
    .option('--bundles <dir>', 'directory of bundle directories', DEMO_BUNDLES_DIR)
    .option('--write-inventory <file>', 'write an inventory (with known_hosts and the client key beside it)')
    .option('--hosts <n>', 'run N hosts, cloning the bundles round-robin as <bundle>-<i>')
    .option('--duration-scale <x>', 'scale the recorded step durations (0 = instant)', '1')
    .option('--port-base <n>', 'listen on fixed ports: the first host on N, the next on N+1, ... (default: free ports)')
    .option('--listen <address>', 'IP address the hosts listen on (0.0.0.0: every interface)', '127.0.0.1')
    .option('--advertise <name>', 'name clients reach the hosts by, in the inventory and known_hosts (default: the --listen address)')
    .option('--host-key <file>', 'OpenSSH private key every host presents, so known_hosts stays valid across restarts (default: a new key)')
    .option('--authorized-keys <file>', 'public keys the hosts accept, one per line (default: a new client key written beside the inventory)')
    .option(
      '--sessions-in-process',
      "answer sickbay's shell sessions in the lab process: each step runs once per bundle, then replays with its recorded wait (fleets of hundreds of hosts on one machine)",
    )
    .action((opts: LabCommandOptions) => runLab(opts, io, untilSignal()));
}
