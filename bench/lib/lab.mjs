// Starts `sickbay lab` in a child process (its memory is not counted against the bench's own).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Lab hosts replaying the bundles of `bundlesDir`; resolves once the inventory is written and the hosts are up.
 * `sessionsInProcess`: the lab answers shell sessions itself (each step line runs once per bundle, then
 * replays with its recorded wait), so that hundreds of hosts' process start-ups are not squeezed onto
 * this machine's cores: a real fleet has a CPU per host.
 */
export async function startLabProcess({ cli, work, bundlesDir, hosts, durationScale, sessionsInProcess = false }) {
  const inventory = join(work, `inventory-${hosts ?? 'x'}-${Date.now()}.yml`);
  const args = [cli, 'lab', '--bundles', bundlesDir, '--write-inventory', inventory, '--duration-scale', String(durationScale)];
  if (hosts) args.push('--hosts', String(hosts));
  if (sessionsInProcess) args.push('--sessions-in-process');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const t0 = performance.now();
  while (!existsSync(inventory) || !/hosts up/.test(out)) {
    if (child.exitCode !== null) throw new Error(`lab exited: ${out}`);
    if (performance.now() - t0 > 120_000) throw new Error('lab did not start in 120 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    inventory,
    stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }),
  };
}
