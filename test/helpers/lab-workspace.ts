import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLAYBOOKS_DIR } from '../../src/config/index.js';
import { startLab, type Lab, type LabOptions } from '../../src/lab/index.js';

/**
 * Copies the shipped playbooks into `dir` with every step deadline set to `timeout`, so that a hung
 * daemon costs a test seconds, not the shipped 15 s.
 */
export async function writeQuickPlaybooks(dir: string, timeout = '2s'): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of (await readdir(PLAYBOOKS_DIR)).filter((n) => n.endsWith('.yml'))) {
    const shipped = await readFile(join(PLAYBOOKS_DIR, name), 'utf8');
    await writeFile(join(dir, name), shipped.replace(/timeout: \d+s/g, `timeout: ${timeout}`));
  }
  return dir;
}

export interface LabWorkspace {
  lab: Lab;
  /** A temporary directory holding the inventory, its keys, the playbooks and kept bundles. */
  dir: string;
  inventory: string;
  /** Where workers keep bundles (SICKBAY_BUNDLES_DIR). */
  bundles: string;
  /** The variables that point the bot and the workers at the lab over SSH. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** A lab, its inventory (zone `lab`) and quick playbooks: what a production deployment has, on 127.0.0.1. */
export async function startLabWorkspace(options: LabOptions & { stepTimeout?: string }): Promise<LabWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), 'sickbay-lab-ws-'));
  const lab = await startLab(options);
  const inventory = join(dir, 'inventory.yml');
  await lab.writeInventory(inventory);
  const playbooks = await writeQuickPlaybooks(join(dir, 'playbooks'), options.stepTimeout);
  const bundles = join(dir, 'bundles');
  return {
    lab,
    dir,
    inventory,
    bundles,
    env: { SICKBAY_INVENTORY: inventory, SICKBAY_PLAYBOOKS_DIR: playbooks, SICKBAY_BUNDLES_DIR: bundles, SICKBAY_ZONE: 'lab' },
    async stop() {
      await lab.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
