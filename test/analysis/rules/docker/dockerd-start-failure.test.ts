import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { parseDockerdStartup } from '../../../../src/analysis/parsers/dockerd-startup.js';
import { bundleFromRecord, reportProblems, type Finding } from '../../../../src/domain/index.js';
import { loadPlaybooks } from '../../../../src/playbooks/index.js';
import { remediationsFor } from '../../../../src/remediation/plan-from-playbook.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const CANNOT_CONNECT = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n';

/**
 * dockerd's start failures as each release logs them: the bare "Error starting daemon:" line of
 * 1.x to 17.x, the same as a fatal's msg in the logfmt format, 18.x and later's "failed to start
 * daemon:", and the configuration it refuses (the text of daemon/config.go's conflict check);
 * systemd's start limit in the wording of systemd 219 (CentOS 7) and of later releases.
 */
const journal = (...lines: string[]): string => `${lines.join('\n')}\n`;
const ENOSPC_17 = 'Jan 20 08:58:31 web-1 dockerd[20417]: Error starting daemon: error initializing graphdriver: mkdir /var/lib/docker/overlay2/l: no space left on device';
const FATAL_LOGFMT = 'Jun 03 10:38:24 web-1 dockerd[812]: time="2017-06-03T10:38:24.167081096+08:00" level=fatal msg="Error starting daemon: Error initializing network controller: list bridge addresses failed: no available network"';
const FAILED_20 = 'Mar 02 11:04:12 web-1 dockerd[1302]: failed to start daemon: error initializing graphdriver: driver not supported';
const CONFIG =
  'Mar 02 11:05:40 web-1 dockerd[1377]: unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives are specified both as a flag and in the configuration file: hosts: (from flag: [fd://], from file: [tcp://0.0.0.0:2375])';
// dockerd 20.10 here, its data root on an XFS that xfs_io had shut down: printed bare, before any start
const ROOT_EIO = 'Dec 07 19:46:18 web-1 dockerd[4242]: Unable to get the full path to root (/var/lib/docker): failed to canonicalise path for /var/lib/docker: lstat /var/lib/docker: input/output error';
const LIMIT_NEW = 'Mar 02 11:05:42 web-1 systemd[1]: docker.service: Start request repeated too quickly.';
const LIMIT_219 = 'Mar 02 11:05:42 web-1 systemd[1]: start request repeated too quickly for docker.service';
const STARTED = 'Mar 02 11:20:00 web-1 dockerd[1500]: time="2026-03-02T11:20:00.100000000Z" level=info msg="API listen on /run/docker.sock"';

function downFinding(journalText: string, extra: Record<string, string> = {}): Finding | undefined {
  const bundle = bundleFromRecord({ docker_info: CANNOT_CONNECT, journal_docker: journalText, ...extra }, { host: 'web-1', collected_at: '2026-11-21T00:00:00Z' });
  return analyze(bundle, { now: NOW }).findings.find((f) => f.code === 'DOCKERD_DOWN');
}

describe("dockerd's failed starts in its log", () => {
  it.each([
    [ENOSPC_17, 'error initializing graphdriver: mkdir /var/lib/docker/overlay2/l: no space left on device'],
    [FATAL_LOGFMT, 'Error initializing network controller: list bridge addresses failed: no available network'],
    [FAILED_20, 'error initializing graphdriver: driver not supported'],
    [CONFIG, CONFIG.slice(CONFIG.indexOf('unable to configure'))],
    [ROOT_EIO, ROOT_EIO.slice(ROOT_EIO.indexOf('Unable to get'))],
  ])('reads the reason of %s', (line, reason) => {
    expect(parseDockerdStartup('journal_docker', journal(line)).startFailure?.reason).toBe(reason);
  });

  it("reads systemd's start limit in old and new wording, and forgets both once a start succeeds", () => {
    expect(parseDockerdStartup('journal_docker', journal(FAILED_20, LIMIT_219)).startLimit?.line).toBe(2);
    const after = parseDockerdStartup('journal_docker', journal(FAILED_20, LIMIT_NEW, STARTED));
    expect(after.startFailure).toBeUndefined();
    expect(after.startLimit).toBeUndefined();
  });
});

describe('DOCKERD_DOWN says why its last start failed', () => {
  it('names the reason, quotes the line and the start limit, and tells a systemd host to reset-failed before starting', () => {
    const down = downFinding(journal(ENOSPC_17, LIMIT_NEW));
    expect(down?.title).toBe('Docker daemon is not running: its last start failed (error initializing graphdriver: mkdir /var/lib/docker/overlay2/l: no space left on device)');
    expect(down?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([ENOSPC_17, LIMIT_NEW]));
    expect(down?.fixes[0]?.title).toBe("Free space and inodes on the data root's filesystem, then start it");
    expect(down?.fixes[0]?.commands).toEqual(['df -h /var/lib/docker', 'df -i /var/lib/docker', 'systemctl reset-failed docker', 'systemctl start docker']);
    // a full disk is not a configuration problem
    expect(down?.fixes.map((f) => f.title)).not.toContain('After a package upgrade, check that the configuration still fits the new release');
  });

  it('keeps the configuration advice for a refused configuration, and leaves out reset-failed without a start limit', () => {
    const down = downFinding(journal(CONFIG));
    expect(down?.fixes.map((f) => f.title)).toEqual(['Clear what stopped its start, then start it', 'After a package upgrade, check that the configuration still fits the new release']);
    expect(down?.fixes.flatMap((f) => f.commands ?? [])).not.toContain('systemctl reset-failed docker');
  });

  it('makes a full data root the cause of a daemon that could not start for want of space, and not of one that failed otherwise', () => {
    // df -PTi with /var holding the default data root at 100 % of its inodes
    const df_inodes = ['Filesystem                  Type  Inodes   IUsed IFree IUse% Mounted on', '/dev/mapper/vg-var          ext4 1310720 1310720     0  100% /var', ''].join('\n');
    const problems = (journalText: string) =>
      reportProblems(analyze(bundleFromRecord({ docker_info: CANNOT_CONNECT, journal_docker: journalText, df_inodes }, { host: 'web-1' }), { now: NOW })).map((p) => [p.code, ...p.explains.slice(1)]);
    expect(problems(journal(ENOSPC_17))).toEqual([['FS_INODES_FULL', 'DOCKERD_DOWN']]);
    expect(problems(journal(FAILED_20))).toEqual([['DOCKERD_DOWN'], ['FS_INODES_FULL']]);
  });

  it('makes an XFS shut down under the data root the cause of a daemon that could not start with an I/O error there, and not of one elsewhere', () => {
    const dmesg = '[ 3411.872088] XFS (xvdb): Log I/O Error (0x2) detected at xlog_ioend_work+0x6e/0x70 [xfs] (fs/xfs/xfs_log.c:1378). Shutting down filesystem.\n';
    const problems = (mountPoint: string) =>
      reportProblems(analyze(bundleFromRecord({ docker_info: CANNOT_CONNECT, journal_docker: journal(ROOT_EIO), dmesg, mountinfo: `25 1 259:2 / / rw,relatime - ext4 /dev/nvme0n1p2 rw\n123 25 202:16 / ${mountPoint} rw,relatime - xfs /dev/xvdb rw,attr2,inode64\n` }, { host: 'web-1' }), { now: NOW })).map((p) => [p.code, ...p.explains.slice(1)]);
    expect(problems('/var/lib/docker')).toEqual([['FS_IO_ERROR', 'FS_SHUTDOWN', 'DOCKERD_DOWN']]);
    // the shut-down XFS holds /srv/data, not the data root: the I/O error is another filesystem's
    expect(problems('/srv/data')).toEqual([['DOCKERD_DOWN'], ['FS_IO_ERROR', 'FS_SHUTDOWN']]);
  });

  it('leaves docker cleanup commands out of the fixes of a full data root while the daemon is down', () => {
    const df_inodes = ['Filesystem                  Type  Inodes   IUsed IFree IUse% Mounted on', '/dev/mapper/vg-var          ext4 1310720 1310720     0  100% /var', ''].join('\n');
    const report = analyze(bundleFromRecord({ docker_info: CANNOT_CONNECT, journal_docker: journal(ENOSPC_17), df_inodes }, { host: 'web-1' }), { now: NOW });
    const inodes = report.findings.find((f) => f.code === 'FS_INODES_FULL');
    expect(inodes?.fixes.flatMap((f) => f.commands ?? []).filter((c) => c.startsWith('docker '))).toEqual([]);
    expect(inodes?.fixes[0]?.detail).toMatch(/needs the daemon/);
  });

  it('offers no prune button for a full data root while the daemon is down, and offers it once the daemon answers', async () => {
    const playbooks = await loadPlaybooks(new URL('../../../../playbooks/', import.meta.url).pathname);
    // df -PT with /var, which holds the default data root, full
    const df = ['Filesystem          Type 1024-blocks     Used Available Capacity Mounted on', '/dev/mapper/vg-var  ext4    20511356 20511356         0     100% /var', ''].join('\n');
    const fsFull = (docker_info: string) => analyze(bundleFromRecord({ docker_info, df }, { host: 'web-1' }), { now: NOW }).findings.find((f) => f.code === 'FS_FULL');
    const down = fsFull(CANNOT_CONNECT);
    expect(down?.will_not_help).toEqual(expect.arrayContaining(['docker system prune']));
    expect(remediationsFor(down as Finding, playbooks).map((o) => o.remediation.id)).not.toContain('prune_docker');
    const up = fsFull('Server Version: 24.0.7\nStorage Driver: overlay2\nDocker Root Dir: /var/lib/docker\n');
    expect(up?.fixes.flatMap((f) => f.commands ?? [])).toContain('docker system prune');
    expect(remediationsFor(up as Finding, playbooks).map((o) => o.remediation.id)).toContain('prune_docker');
  });
});

describe('a daemon that is down now', () => {
  it('is a current problem however old the failed start it quotes, and so is the restore failure that keeps it down', () => {
    // collected 300 days after the failed start: the line is old, the daemon is still down
    const bundle = bundleFromRecord({ docker_info: CANNOT_CONNECT, journal_docker: journal(ENOSPC_17, LIMIT_NEW) }, { host: 'web-1', collected_at: '2026-11-16T00:00:00Z' });
    const report = analyze(bundle, { now: NOW });
    const down = report.findings.find((f) => f.code === 'DOCKERD_DOWN');
    expect(down?.seen?.last?.ago_seconds).toBeGreaterThan(24 * 3600);
    expect(down?.earlier).toBeUndefined();
    expect(reportProblems(report).map((p) => p.code)).toEqual(['DOCKERD_DOWN']);
  });

  it('keeps a months-old containerd restore failure current while the daemon still does not answer, and history once it does', () => {
    // dockerd 18.03's terminal log of the failure (docker/for-linux#274), dated April 2018
    const restore = readFileSync(new URL('../../../fixtures/variants/CONTAINERD_RESTORE_FAILED/for-linux-274-18.03-failed-to-dial-terminal/journal_docker', import.meta.url), 'utf8');
    const restoreFailed = (docker_info: string) =>
      analyze(bundleFromRecord({ docker_info, journal_docker: restore }, { host: 'web-1', collected_at: '2018-09-01T00:00:00Z' }), { now: NOW }).findings.find((f) => f.code === 'CONTAINERD_RESTORE_FAILED');
    expect(restoreFailed(CANNOT_CONNECT)?.earlier).toBeUndefined();
    expect(restoreFailed('Server Version: 18.03.0-ce\nStorage Driver: overlay2\n')?.earlier).toMatch(/outside the 24 h window/);
  });
});
