import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { bundleFromRecord } from '../../../../src/domain/index.js';

const NOW = new Date('2026-11-21T00:00:00Z');

describe('DOCKERD_DOWN from a live collection', () => {
  it('is raised when the docker client said it cannot connect on stderr, kept in meta.json', () => {
    // given: what collectBundle writes when `docker info` fails: empty stdout, stderr in the step's meta
    const bundle = bundleFromRecord(
      { docker_info: '', docker_version: 'Client:\n Version:      17.09.0-ce\n' },
      {
        host: 'web-1',
        steps: {
          docker_info: {
            exit: 1,
            timed_out: false,
            stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
          },
        },
      },
    );
    // when
    const report = analyze(bundle, { now: NOW });
    // then
    const down = report.findings.find((f) => f.code === 'DOCKERD_DOWN');
    expect(down?.evidence[0]).toMatchObject({ spec: 'docker_info', text: expect.stringContaining('Cannot connect to the Docker daemon') });
    expect(down?.evidence[0]?.line).toBeUndefined();
  });

  it('is not raised when stderr holds something else', () => {
    const bundle = bundleFromRecord(
      { docker_info: '' },
      { host: 'web-1', steps: { docker_info: { exit: 1, stderr: 'permission denied while trying to connect' } } },
    );
    expect(analyze(bundle, { now: NOW }).findings.map((f) => f.code)).not.toContain('DOCKERD_DOWN');
  });
});

describe('how the fixes drive the docker service', () => {
  const cannotConnect = { exit: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' };
  const downOn = (files: Record<string, string>, steps: Record<string, object> = {}) => {
    const report = analyze(bundleFromRecord({ docker_info: '', ...files }, { host: 'web-1', steps: { docker_info: cannotConnect, ...steps } }), { now: NOW });
    return report.findings.find((f) => f.code === 'DOCKERD_DOWN')?.fixes[0];
  };
  const ps = (init: string) => `  PID STAT ELAPSED WCHAN COMMAND\n    1 Ss 100 ep_poll ${init}\n`;

  it('uses systemctl and the journal where PID 1 is systemd or the docker unit has a journal', () => {
    expect(downOn({ ps: ps('/usr/lib/systemd/systemd --switched-root --system --deserialize 22') })?.commands).toEqual([
      'systemctl status docker',
      'journalctl -u docker --no-pager -n 100',
      'systemctl start docker',
    ]);
    const journal = 'Aug 25 18:21:35 web-1 dockerd[812]: time="2017-08-25T18:21:35Z" level=info msg="API listen on /var/run/docker.sock"\n';
    expect(downOn({ ps: ps('/sbin/init'), journal_docker: journal }, { journal_docker: { exit: 0 } })?.commands?.[0]).toBe('systemctl status docker');
  });

  it('uses service and the init script logs where the bundle shows no systemd, and says why', () => {
    const cases: [Record<string, string>, Record<string, object>, string][] = [
      [{ ps: ps('/sbin/init') }, { journal_docker: { exit: 127, stderr: 'sh: 1: journalctl: not found' } }, 'journalctl is not installed'],
      [{ journal_docker: 'No journal files were found.\n-- No entries --\n' }, { journal_docker: { exit: 0 } }, 'journald keeps no journal here'],
      [{ uname: 'Linux web-1 2.6.32-431.29.2.el6.x86_64 #1 SMP Tue Sep 9 21:36:05 UTC 2014 x86_64 x86_64 x86_64 GNU/Linux\n' }, {}, 'kernel 2.6.32-431.29.2.el6.x86_64'],
    ];
    for (const [files, steps, because] of cases) {
      const fix = downOn(files, steps);
      expect(fix?.commands).toEqual(['service docker status', 'tail -n 100 /var/log/docker 2>/dev/null || tail -n 100 /var/log/upstart/docker.log', 'service docker start']);
      expect(fix?.detail).toContain(because);
    }
  });

  it('keeps systemctl when the bundle does not say (a Debian PID 1 reads /sbin/init under systemd too)', () => {
    expect(downOn({ ps: ps('/sbin/init') })?.commands?.[2]).toBe('systemctl start docker');
  });
});
