import { describe, expect, it } from 'vitest';
import { containerLogsHugeRule } from '../../../../src/analysis/rules/docker/container-logs-huge.js';
import { containerRestartLoopRule } from '../../../../src/analysis/rules/docker/container-restart-loop.js';
import { filesystemUsageRule } from '../../../../src/analysis/rules/docker/filesystem-usage.js';
import { factsFrom, ID, inspectJson, run } from './rule-harness.js';

const DF = [
  'Filesystem     Type 1024-blocks     Used Available Capacity Mounted on',
  '/dev/sda1      ext4    20000000 19200000    800000      96% /',
  '/dev/sdb1      xfs    100000000 86000000  14000000      86% /var/lib/docker',
  'overlay        overlay 100000000 86000000 14000000      86% /var/lib/docker/overlay2/abc/merged',
  '/dev/loop3     squashfs   89088    89088         0     100% /snap/core/4486',
].join('\n');

describe('filesystems', () => {
  it("raises FS_FULL and FS_HIGH per real filesystem, naming Docker's data root, skipping overlay and snap mounts", () => {
    const found = run(filesystemUsageRule, factsFrom({ df: DF }));
    expect(found.map((f) => [f.code, f.subject])).toEqual([
      ['FS_FULL', '/'],
      ['FS_HIGH', '/var/lib/docker'],
    ]);
    expect(found[1]?.title).toContain("it holds Docker's data root /var/lib/docker");
    expect(found[0]?.evidence).toEqual([{ spec: 'df', line: 2, text: '/dev/sda1      ext4    20000000 19200000    800000      96% /' }]);
  });
});

describe('filesystems mounted more than once', () => {
  it('reports a bind-mounted filesystem once, but two tmpfs of one size each', () => {
    const df = [
      'Filesystem                Size      Used Available Use% Mounted on',
      '/dev/sdb                 64.0G     64.0G     16.0K 100% /etc/resolv.conf',
      '/dev/sdb                 64.0G     64.0G     16.0K 100% /etc/hostname',
      '/dev/sdb                 64.0G     64.0G     16.0K 100% /etc/hosts',
      'tmpfs                     1.0G      1.0G         0 100% /run/a',
      'tmpfs                     1.0G      1.0G         0 100% /run/b',
    ].join('\n');
    expect(run(filesystemUsageRule, factsFrom({ df })).map((f) => f.subject)).toEqual(['/etc/resolv.conf', '/run/a', '/run/b']);
  });
});

describe('container logs', () => {
  it('raises CONTAINER_LOGS_HUGE for a log that is a large share of its filesystem, naming the container', () => {
    const id = ID('7');
    const facts = factsFrom({
      df: DF,
      docker_log_sizes: `${12e9}\t/var/lib/docker/containers/${id}/${id}-json.log\n${1e6}\t/var/lib/docker/containers/${ID('8')}/${ID('8')}-json.log\n`,
      docker_inspect: JSON.stringify([inspectJson({ id, name: 'ad-server', path: 'node', args: ['server.js'] })]),
    });
    const found = run(containerLogsHugeRule, facts);
    expect(found.length).toBe(1);
    expect(found[0]?.title).toBe(`Container ad-server (${id.slice(0, 12)}) json log is 12 GB, 12 % of /var/lib/docker`);
    expect(run(containerLogsHugeRule, facts, { containerLogHugeBytes: 20e9, containerLogHugeFsPct: 20 })).toEqual([]);
  });
});

describe('container log directories', () => {
  it('reads du over container directories and points the fix at the json log inside, under the data root', () => {
    const id = ID('9');
    const facts = factsFrom({ docker_log_sizes: `236G    ${id}\n`, docker_info: 'Docker Root Dir: /data/docker\n' });
    const [f] = run(containerLogsHugeRule, facts);
    expect(f?.title).toBe(`Container ${id.slice(0, 12)} json log directory is 253.4 GB`);
    expect(f?.fixes[0]?.commands).toEqual([`truncate -s 0 /data/docker/containers/${id}/${id}-json.log`]);
  });
});

describe('restart loops', () => {
  it('raises CONTAINER_RESTART_LOOP from RestartCount at the threshold', () => {
    const facts = factsFrom({ docker_inspect: JSON.stringify([inspectJson({ id: ID('1'), name: 'worker', path: 'python', args: ['w.py'], restartCount: 3, exitCode: 1 })], null, 4) });
    const [f] = run(containerRestartLoopRule, facts);
    expect(f?.title).toContain('worker (111111111111) restarted 3 times, last exit 1');
    expect(f?.evidence.some((e) => e.text.includes('"RestartCount": 3'))).toBe(true);
    expect(run(containerRestartLoopRule, facts, { restartLoopMin: 4 })).toEqual([]);
  });

  it('raises it from a Restarting status in docker ps when inspect is missing', () => {
    const ps = `{"ID":"${ID('2')}","Names":"web","Image":"nginx","Command":"\\"nginx\\"","Status":"Restarting (1) 3 seconds ago"}\n`;
    const [f] = run(containerRestartLoopRule, factsFrom({ docker_ps: ps }));
    expect(f?.title).toBe('Container web (222222222222) is restarting (Restarting (1) 3 seconds ago)');
    expect(f?.evidence[0]?.spec).toBe('docker_ps');
  });
});
