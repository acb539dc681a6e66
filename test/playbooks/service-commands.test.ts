import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlaybooks } from '../../src/playbooks/index.js';

const shipped = await loadPlaybooks('playbooks');
/** Every shipped fix command that picks systemctl or the init script by itself. */
const serviceCommands = [...shipped.playbooks.values()].flatMap(({ playbook }) =>
  (playbook.remediations ?? []).flatMap((r) => r.commands.filter((c) => c.includes('/run/systemd/system')).map((command) => ({ id: `${playbook.name}/${r.id}`, command }))),
);

const work = mkdtempSync(join('/var/tmp', 'sickbay-service-commands-'));
const bin = join(work, 'bin');
mkdirSync(bin);
// systemctl and service stand in as scripts that say how they were called
for (const name of ['systemctl', 'service']) {
  writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*"\n`);
  chmodSync(join(bin, name), 0o755);
}
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `command` in a private mount namespace whose /run is an empty tmpfs, with or without systemd's marker. */
function runUnder(systemd: boolean, command: string): string {
  const setup = ['mount -t tmpfs -o size=1m t /run', ...(systemd ? ['mkdir -p /run/systemd/system'] : []), 'exec sh -c "$COMMAND"'].join(' && ');
  const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setup], { env: { PATH: `${bin}:/usr/bin:/bin`, COMMAND: command }, encoding: 'utf8' });
  return run.stdout;
}

describe('fixes that start, stop or restart the docker service', () => {
  it('are the restart and the containerd recovery', () => {
    expect(serviceCommands.map((c) => c.id).sort()).toEqual(['docker-daemon-hung/restart_docker', 'docker-host/recover_containerd', 'docker-host/recover_containerd']);
  });

  it('use systemctl where systemd runs, and the init script where it does not (RHEL/CentOS 6, upstart)', () => {
    for (const { command } of serviceCommands) {
      const action = /systemctl (\w+) docker/.exec(command)?.[1];
      expect(runUnder(true, command)).toBe(`systemctl ${action} docker\n`);
      expect(runUnder(false, command)).toBe(`service docker ${action}\n`);
    }
  });
});
