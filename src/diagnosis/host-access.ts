import type { Logger } from 'pino';
import { ConfigError, PLAYBOOKS_DIR, type Env } from '../config/index.js';
import type { Clock, Diagnoser, HostDirectory, SshTarget } from '../domain/index.js';
import { createHostDirectory, loadInventory } from '../inventory/index.js';
import { loadPlaybooks, type LoadedPlaybooks } from '../playbooks/index.js';
import { createSshRunner, type SshRunner } from '../ssh/index.js';
import { createDiagnoser } from './create-diagnoser.js';
import { ReplayDiagnoser, type ReplayDiagnoserOptions } from './replay-diagnoser.js';
import { loadReplayDirectory } from './replay-directory.js';

/**
 * Which hosts exist, which playbooks may be named, and how a host is diagnosed. Two modes:
 * `ssh` (SICKBAY_INVENTORY: the real inventory, playbooks and SSH; production) and `replay`
 * (`--replay-bundles DIR`: hosts named after recorded bundles; demo and tests).
 */
export interface HostAccess {
  readonly mode: 'ssh' | 'replay';
  readonly directory: HostDirectory;
  /** Playbook names a /diag may give. */
  readonly playbooks: readonly string[];
  /** The worker's diagnoser; `clock` stamps kept bundles and is the analysis's "now". */
  diagnoser(clock: Clock): Diagnoser;
}

export interface HostAccessOptions {
  env: Readonly<Env>;
  /** Replay the bundles of this directory instead of the inventory (wins over SICKBAY_INVENTORY). */
  replayBundles?: string | undefined;
  /** Only the hosts of this zone (a worker); all zones when absent (the bot). */
  zone?: string;
  /** Replay-mode tuning (step delay, analysis) for the demo and tests. */
  replay?: Omit<ReplayDiagnoserOptions, 'bundlesDir' | 'clock'>;
  logger: Logger;
}

/** Loads the inventory and playbooks (or the replay directory) once, at start-up. */
export async function loadHostAccess(options: HostAccessOptions): Promise<HostAccess> {
  const { env, logger } = options;
  if (options.replayBundles !== undefined) {
    const bundlesDir = options.replayBundles;
    if (env.SICKBAY_INVENTORY) logger.warn({ inventory: env.SICKBAY_INVENTORY }, '--replay-bundles given: SICKBAY_INVENTORY is ignored');
    const directory = await loadReplayDirectory(bundlesDir, options.zone ?? env.SICKBAY_ZONE);
    return {
      mode: 'replay',
      directory,
      playbooks: [env.SICKBAY_DEFAULT_PLAYBOOK],
      diagnoser: (clock) => new ReplayDiagnoser({ ...options.replay, bundlesDir, clock }),
    };
  }
  if (!env.SICKBAY_INVENTORY) {
    throw new ConfigError(['SICKBAY_INVENTORY is not set: point it at inventory.yml (docs/deploy.md), or pass --replay-bundles DIR for the demo']);
  }
  const inventory = await loadInventory(env.SICKBAY_INVENTORY);
  const playbooks = await loadSshPlaybooks(env, logger);
  const hosts = options.zone === undefined ? inventory.list() : inventory.list().filter((h) => h.zone === options.zone);
  if (!hosts.length) logger.warn({ zone: options.zone, zones: inventory.zones() }, 'no inventory host is in this zone');
  return {
    mode: 'ssh',
    directory: options.zone === undefined ? inventory : createHostDirectory(hosts),
    playbooks: [...playbooks.playbooks.keys()],
    diagnoser: (clock) =>
      createDiagnoser({
        playbooks,
        connect: sshConnector(env),
        clock,
        ...(env.SICKBAY_BUNDLES_DIR ? { bundlesRoot: env.SICKBAY_BUNDLES_DIR, retentionDays: env.SICKBAY_BUNDLE_RETENTION_DAYS } : {}),
      }),
  };
}

/**
 * How every process connects to inventory hosts: diagnoses, fixes and the intake's container
 * lookup alike, with the SSH agent (SSH_AUTH_SOCK) for hosts that have no identity file.
 */
export function sshConnector(env: Pick<Env, 'SSH_AUTH_SOCK'>): (target: SshTarget) => Promise<SshRunner> {
  const options = env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {};
  return (target) => createSshRunner(target, options);
}

/** Broken playbooks are logged and skipped; a missing default playbook stops the start. */
async function loadSshPlaybooks(env: Readonly<Env>, logger: Logger): Promise<LoadedPlaybooks> {
  const dir = env.SICKBAY_PLAYBOOKS_DIR ?? PLAYBOOKS_DIR;
  let playbooks: LoadedPlaybooks;
  try {
    playbooks = await loadPlaybooks(dir);
  } catch (err) {
    throw new ConfigError([`SICKBAY_PLAYBOOKS_DIR ${dir} cannot be read: ${(err as Error).message}`], { cause: err });
  }
  for (const err of playbooks.errors) logger.error({ code: err.code }, `skipped a broken playbook: ${err.userMessage}`);
  if (!playbooks.playbooks.has(env.SICKBAY_DEFAULT_PLAYBOOK)) {
    const have = [...playbooks.playbooks.keys()].join(', ') || 'none';
    throw new ConfigError([`SICKBAY_DEFAULT_PLAYBOOK ${env.SICKBAY_DEFAULT_PLAYBOOK} is not among the playbooks in ${dir} (have: ${have})`]);
  }
  return playbooks;
}
