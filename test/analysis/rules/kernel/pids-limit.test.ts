import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { parseKernelLog } from '../../../../src/analysis/parsers/kernel-log.js';
import { pidsLimitRule } from '../../../../src/analysis/rules/kernel/pids-limit.js';
import { bundleFromRecord, reportProblems } from '../../../../src/domain/index.js';
import { factsFrom, ID, inspectJson, run } from '../docker/rule-harness.js';

const ID_A = ID('a');
const SHORT = ID_A.slice(0, 12);
const rejected = (path: string, at = '1014.428685') => `[ ${at}] cgroup: fork rejected by pids controller in ${path}\n`;

/** The container, running with main pid 100 (inspectJson's), and what --pids-limit gives it. */
function inspectWithLimit(limit: number | null): string {
  const c = inspectJson({ id: ID_A, name: 'forker', path: 'sh', args: ['-c', 'run'] }) as { HostConfig: Record<string, unknown> };
  c.HostConfig.PidsLimit = limit;
  return JSON.stringify([c], null, 4);
}

/** ps of the host with the container's PID 1 (pid 100) and `zombies` defunct children of it. */
function psWith(zombies: number): string {
  const rows = ['    PID    PPID STAT  ELAPSED WCHAN                            COMMAND', '      1       0 Ss     90000 -                                /sbin/init', '    100      90 Ss       600 -                                sleep 3600'];
  for (let i = 0; i < zombies; i++) rows.push(`    ${200 + i}     100 Z        590 -                                [sleep] <defunct>`);
  return `${rows.join('\n')}\n`;
}

describe('PIDS_LIMIT_REACHED', () => {
  it('reads the kernel line in dmesg, syslog and a syslog line quoted without its date, once per cgroup', () => {
    const log = parseKernelLog(
      [
        rejected(`/docker/${ID_A}`),
        `Sep 02 21:39:57 pi kernel: cgroup: fork rejected by pids controller in /system.slice/docker-${ID('b')}.scope/system.slice/app.service\n`,
        `Sep 02 21:40:06 pi kernel: cgroup: fork rejected by pids controller in /system.slice/docker-${ID('b')}.scope/system.slice/app.service\n`,
        'kernel: [  743.772608] cgroup: fork rejected by pids controller in /system.slice/docker.service\n',
      ].join(''),
      'messages',
    );
    expect(log.pidsLimits.map((e) => [e.cgroup, e.containerId, e.occurrences])).toEqual([
      [`/docker/${ID_A}`, ID_A, 1],
      [`/system.slice/docker-${ID('b')}.scope/system.slice/app.service`, ID('b'), 2],
      ['/system.slice/docker.service', undefined, 1],
    ]);
  });

  it("names the container, its --pids-limit, and the defunct processes its PID 1 leaves, and says to run it with an init", () => {
    const [f] = run(pidsLimitRule, factsFrom({ dmesg: rejected(`/docker/${ID_A}`), docker_inspect: inspectWithLimit(12), ps: psWith(10) }));
    expect(f?.title).toBe(`Container forker (${SHORT}) hit its pids limit of 12: the kernel refused it a new process or thread`);
    expect(f?.severity).toBe('warning');
    const evidence = f?.evidence.map((e) => e.text) ?? [];
    expect(evidence).toEqual(expect.arrayContaining([expect.stringContaining('fork rejected by pids controller'), expect.stringContaining('"PidsLimit": 12'), expect.stringContaining('[sleep] <defunct>')]));
    expect(evidence.filter((t) => t.includes('<defunct>'))).toHaveLength(3);
    expect(f?.fixes.map((x) => x.title)).toEqual([
      '10 defunct processes in it: its PID 1 does not reap the children that end, and each still takes a pid',
      'Its --pids-limit is 12: find what takes so many tasks, or raise it',
      'Read how many tasks the cgroup holds against its limit, and how often it was refused',
    ]);
    expect(f?.fixes[1]?.commands).toEqual([`docker update --pids-limit 24 ${SHORT}`]);
    expect(f?.fixes[2]?.commands).toEqual([`cd /sys/fs/cgroup/pids/docker/${ID_A} 2>/dev/null || cd /sys/fs/cgroup/docker/${ID_A}; grep -H . pids.current pids.max pids.events`]);
    expect(f?.data).toMatchObject({ container_id: ID_A, pids_limit: 12, defunct: 10 });
    // a few defunct processes are noise, not the cause
    const [few] = run(pidsLimitRule, factsFrom({ dmesg: rejected(`/docker/${ID_A}`), docker_inspect: inspectWithLimit(12), ps: psWith(2) }));
    expect(few?.fixes[0]?.title).toBe('Its --pids-limit is 12: find what takes so many tasks, or raise it');
  });

  it('says where the limit comes from when the container sets none: its systemd scope, the kubelet, or the daemon', () => {
    const scope = run(pidsLimitRule, factsFrom({ messages: `Dec 27 10:27:03 host kernel: cgroup: fork rejected by pids controller in /system.slice/docker-${ID_A}.scope\n`, docker_inspect: inspectWithLimit(null) }))[0];
    expect(scope?.title).toBe(`Container forker (${SHORT}) hit its pids limit: the kernel refused it a new process or thread`);
    expect(scope?.fixes[0]?.commands).toEqual([`systemctl show -p TasksMax docker-${ID_A}.scope`, `systemctl set-property --runtime docker-${ID_A}.scope TasksMax=infinity`]);
    const pod = run(pidsLimitRule, factsFrom({ dmesg: rejected(`/kubepods/burstable/pod22612ffb-4523-4958-b6dd-a80bd35fd325/${ID_A}`) }))[0];
    expect(pod?.fixes[0]?.title).toMatch(/^The pod's pids limit is the kubelet's podPidsLimit/);
    // not in docker inspect: its limit is not known, and nothing is said of it that was not read
    const unknown = run(pidsLimitRule, factsFrom({ dmesg: rejected(`/docker/${ID_A}`) }))[0];
    expect(unknown?.fixes[0]?.title).toMatch(/^Its limit was its own --pids-limit, the daemon's default-pids-limit or a parent cgroup's/);
    const plain = run(pidsLimitRule, factsFrom({ dmesg: rejected(`/docker/${ID_A}`), docker_inspect: inspectWithLimit(0) }))[0];
    expect(plain?.fixes[0]?.title).toMatch(/default-pids-limit or a parent cgroup's$/);
    const unit = run(pidsLimitRule, factsFrom({ dmesg: rejected(`/system.slice/docker-${ID_A}.scope/system.slice/unifi-protect.service`) }))[0];
    expect(unit?.title).toBe(`unifi-protect.service in container ${SHORT} hit its pids limit: the kernel refused it a new process or thread`);
    expect(unit?.fixes[0]?.commands).toEqual([`docker exec ${SHORT} systemctl show -p TasksMax unifi-protect.service`, `docker exec ${SHORT} systemctl set-property unifi-protect.service TasksMax=infinity`]);
  });

  it("is critical for dockerd's own unit, lifts its TasksMax, and explains the daemon that does not answer", () => {
    const [f] = run(pidsLimitRule, factsFrom({ dmesg: rejected('/system.slice/docker.service') }));
    expect(f).toMatchObject({ severity: 'critical', title: 'docker.service hit its pids limit: the kernel refused dockerd a new process or thread' });
    expect(f?.fixes[0]?.commands).toEqual(['systemctl show -p TasksMax docker.service', 'systemctl set-property docker.service TasksMax=infinity']);
    const report = analyze(bundleFromRecord({ dmesg: rejected('/system.slice/docker.service') }, { host: 'h', steps: { docker_info: { exit: null, timed_out: true, duration_ms: 15000 } } }), { now: new Date('2026-01-01T00:00:00Z') });
    const problems = reportProblems(report);
    expect(problems[0]).toMatchObject({ code: 'PIDS_LIMIT_REACHED', explains: ['PIDS_LIMIT_REACHED', 'DOCKERD_UNRESPONSIVE'] });
  });

  it('names another cgroup as it is, and never puts a path a shell would read into a command', () => {
    const [f] = run(pidsLimitRule, factsFrom({ dmesg: rejected('/user.slice/user-1000.slice/session-3.scope') }));
    expect(f?.title).toBe('cgroup /user.slice/user-1000.slice/session-3.scope hit its pids limit: the kernel refused it a new process or thread');
    const [odd] = run(pidsLimitRule, factsFrom({ dmesg: rejected('/weird/$(reboot)') }));
    expect(odd?.fixes.flatMap((x) => x.commands ?? [])).toEqual([]);
  });
});
