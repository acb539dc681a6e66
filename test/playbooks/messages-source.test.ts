import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlaybooks } from '../../src/playbooks/index.js';

const shipped = await loadPlaybooks('playbooks');
const command = shipped.playbooks.get('docker-host')?.playbook.steps.find((s) => s.id === 'messages')?.command ?? '';
const work = mkdtempSync(join('/var/tmp', 'sickbay-messages-source-'));
// journalctl stands in as a script that says what it was asked: the host under test has no journald
const bin = join(work, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'journalctl'), '#!/bin/sh\necho "journal: $*"\n');
chmodSync(join(bin, 'journalctl'), 0o755);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs the step's command in a private mount namespace (root, util-linux unshare) whose /var/log
 * is an empty tmpfs holding only `files`: the machine's own logs are neither read nor touched.
 */
function runWith(files: Record<string, string>): { stdout: string; status: number | null } {
  const setup = [
    'mount -t tmpfs -o size=1m t /var/log',
    ...Object.entries(files).map(([name, text]) => `printf '%s' '${text}' > /var/log/${name}`),
    'exec sh -c "$STEP"',
  ].join(' && ');
  const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setup], {
    env: { PATH: `${bin}:/usr/bin:/bin`, STEP: command },
    encoding: 'utf8',
  });
  return { stdout: run.stdout, status: run.status };
}

describe('where docker-host reads the kernel history past the ring buffer', () => {
  it('reads /var/log/messages where it exists (RHEL, CentOS), before syslog', () => {
    expect(runWith({ messages: 'from messages\n', syslog: 'from syslog\n' })).toEqual({ stdout: 'from messages\n', status: 0 });
  });

  it('reads /var/log/syslog on Debian and Ubuntu', () => {
    expect(runWith({ syslog: 'from syslog\n', 'kern.log': 'from kern.log\n' })).toEqual({ stdout: 'from syslog\n', status: 0 });
  });

  it("asks the journal for the kernel's lines of every boot it keeps when there is no syslog file", () => {
    expect(runWith({})).toEqual({ stdout: 'journal: _TRANSPORT=kernel --no-pager -o short-iso -n 20000\n', status: 0 });
  });
});
