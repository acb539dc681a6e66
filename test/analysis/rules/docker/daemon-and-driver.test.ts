import { describe, expect, it } from 'vitest';
import { dockerdAvailabilityRule } from '../../../../src/analysis/rules/docker/dockerd-availability.js';
import { storageDriverRiskRule } from '../../../../src/analysis/rules/docker/storage-driver-risk.js';
import { hungTaskRule } from '../../../../src/analysis/rules/kernel/hung-task.js';
import { factsFrom, run } from './rule-harness.js';

const DOWN = 'Cannot connect to the Docker daemon. Is the docker daemon running on this host?\n';

describe('Docker daemon availability', () => {
  it('raises DOCKERD_DOWN, not DOCKERD_UNRESPONSIVE, when the client cannot connect', () => {
    const facts = factsFrom({ docker_info: DOWN, docker_ps: DOWN }, { steps: { docker_info: { exit: 1 }, docker_ps: { exit: 1 } } });
    const found = run(dockerdAvailabilityRule, facts);
    expect(found.map((f) => f.code)).toEqual(['DOCKERD_DOWN']);
    expect(found[0]?.evidence[0]).toEqual({ spec: 'docker_info', line: 1, text: DOWN.trim() });
  });

  it('raises DOCKERD_UNRESPONSIVE when docker info timed out with an empty file', () => {
    const facts = factsFrom({ docker_info: '', docker_version: '' }, { steps: { docker_info: { exit: null, timed_out: true, duration_ms: 10000 } } });
    const [f] = run(dockerdAvailabilityRule, facts);
    expect(f?.code).toBe('DOCKERD_UNRESPONSIVE');
    expect(f?.evidence[0]).toEqual({ spec: 'meta', text: 'docker info timed out after 10 s with no answer from the daemon' });
  });

  it("names dockerd's pid and where its main thread waits, and how far that says it is not in the kernel", () => {
    const ps = '  PID STAT ELAPSED WCHAN                            COMMAND\n 1593 Ssl  1055535 futex_wait_queue_me              /usr/bin/dockerd -H fd://\n';
    const timedOut = { steps: { docker_info: { exit: null, timed_out: true, duration_ms: 10000 } } };
    const [unlisted] = run(dockerdAvailabilityRule, factsFrom({ docker_info: '', ps }, timedOut));
    expect(unlisted?.fixes[0]?.commands?.slice(0, 2)).toEqual(['cat /proc/1593/stack', 'kill -USR1 1593']);
    expect(unlisted?.fixes[0]?.detail).toMatch(/^dockerd's main thread \(pid 1593\) is not blocked in the kernel \(state Ssl, in futex_wait_queue_me\); its other threads were not listed and may be/);
    // the thread listing shows none of its threads in D: it waits in user space
    const header = '    PID     LWP STAT WCHAN                            COMMAND\n';
    const [listed] = run(dockerdAvailabilityRule, factsFrom({ docker_info: '', ps, blocked_threads: header }, timedOut));
    expect(listed?.fixes[0]?.detail).toMatch(/^dockerd \(pid 1593\) is not blocked in the kernel \(state Ssl, in futex_wait_queue_me, and none of its threads in D\): it waits in user space/);
  });

  describe('with the threads in D listed (blocked_threads)', () => {
    // ps -e shows dockerd's main thread (a futex wait); the threads that serve the API wait on a FUSE
    // daemon, as this machine's kernel shows them (test/integration/real-fuse-hang.test.ts)
    const ps = '  PID STAT ELAPSED WCHAN                            COMMAND\n  811 Ssl    300000 futex_wait_queue                 /usr/bin/dockerd -H fd://\n';
    const threads = [
      '    PID     LWP STAT WCHAN                            COMMAND',
      '    811     907 Dl   request_wait_answer              dockerd',
      '    811     911 Dl   request_wait_answer              dockerd',
      '    811     930 Dl   request_wait_answer              dockerd',
      '',
    ].join('\n');
    const timedOut = { docker_info: { exit: null, timed_out: true, duration_ms: 10000 } };
    // an old report of a dockerd thread, freed since
    const dmesg = '[ 2237.425149] INFO: task dockerd:8562 blocked for more than 122 seconds.\n[ 2237.426310] Call Trace:\n[ 2237.426316]  rpc_wait_bit_killable+0x24/0xb0 [sunrpc]\n';

    it('says dockerd is blocked in the kernel when only its threads are in D, and what they wait in', () => {
      const [f] = run(dockerdAvailabilityRule, factsFrom({ docker_info: '', ps, blocked_threads: threads }, { steps: timedOut }));
      expect(f?.title).toBe('Docker daemon does not answer: docker info timed out, and dockerd (pid 811) is blocked in the kernel (3 threads in D, in request_wait_answer), waiting on the user-space daemon of a FUSE filesystem');
      expect(f?.evidence.map((e) => e.text)).toContain('    811     907 Dl   request_wait_answer              dockerd');
      expect(f?.will_not_help).toEqual(['systemctl restart docker']);
    });

    it('does not call dockerd blocked on the strength of a hung-task report the listing shows is over', () => {
      const [f] = run(dockerdAvailabilityRule, factsFrom({ docker_info: '', ps, dmesg, blocked_threads: threads.split('\n')[0] + '\n' }, { steps: timedOut }));
      expect(f?.title).toBe('Docker daemon does not answer: docker info timed out');
      // without the listing, the report is all there is
      const [old] = run(dockerdAvailabilityRule, factsFrom({ docker_info: '', ps, dmesg }, { steps: timedOut }));
      expect(old?.title).toContain('is blocked in the kernel (hung task)');
    });
  });

  it('without the listing, agrees with HUNG_TASK: a report of a pid ps shows out of D is over for both', () => {
    const ps = '  PID STAT ELAPSED WCHAN                            COMMAND\n  811 Ssl    300000 futex_wait_queue                 /usr/bin/dockerd -H fd://\n';
    const dmesg = '[ 2237.425149] INFO: task dockerd:811 blocked for more than 122 seconds.\n[ 2237.426310] Call Trace:\n[ 2237.426316]  rpc_wait_bit_killable+0x24/0xb0 [sunrpc]\n';
    const facts = factsFrom({ docker_info: '', ps, dmesg }, { steps: { docker_info: { exit: null, timed_out: true, duration_ms: 10000 } } });
    const [f] = run(dockerdAvailabilityRule, facts);
    expect(f?.title).toBe('Docker daemon does not answer: docker info timed out');
    // restarting it is offered again: nothing says it is stuck in the kernel
    expect(f?.will_not_help ?? []).toEqual([]);
    const [hung] = run(hungTaskRule, facts);
    expect(hung?.data?.['blocked_now']).toBe(false);
    // a pid ps does not list may be a thread of dockerd: still counted, for both
    const thread = dmesg.replace('dockerd:811', 'dockerd:8562');
    const factsThread = factsFrom({ docker_info: '', ps, dmesg: thread }, { steps: { docker_info: { exit: null, timed_out: true, duration_ms: 10000 } } });
    expect(run(dockerdAvailabilityRule, factsThread)[0]?.title).toContain('is blocked in the kernel (hung task)');
    expect(run(hungTaskRule, factsThread)[0]?.data?.['blocked_now']).toBeUndefined();
  });

  it("reads Docker 1.2's bare dial error as a daemon that is down", () => {
    const said = 'dial unix /var/run/docker.sock: no such file or directory\n';
    expect(run(dockerdAvailabilityRule, factsFrom({ docker_info: said })).map((f) => f.code)).toEqual(['DOCKERD_DOWN']);
  });

  it('is quiet when docker answered', () => {
    expect(run(dockerdAvailabilityRule, factsFrom({ docker_info: 'Containers: 0\n' }, { steps: { docker_info: { exit: 0 } } }))).toEqual([]);
  });
});

describe('STORAGE_DRIVER_RISK', () => {
  it('flags overlay on a kernel older than 3.18, taking the kernel from uname when docker info lacks it', () => {
    const facts = factsFrom({ docker_info: 'Storage Driver: overlay\n Backing Filesystem: xfs\n' });
    facts.system.kernelRelease = '3.10.0-327.el7.x86_64';
    const [f] = run(storageDriverRiskRule, facts);
    expect(f?.title).toContain('overlay on kernel 3.10.0-327.el7.x86_64');
    facts.system.kernelRelease = '4.9.0-6-amd64';
    expect(run(storageDriverRiskRule, facts)).toEqual([]);
  });

  it('flags devicemapper and leaves overlay2 alone', () => {
    expect(run(storageDriverRiskRule, factsFrom({ docker_info: 'Storage Driver: devicemapper\n' }))[0]?.fixes[0]?.daemon_options).toContain('--storage-driver=overlay2');
    expect(run(storageDriverRiskRule, factsFrom({ docker_info: 'Storage Driver: overlay2\nKernel Version: 3.10.0\n' }))).toEqual([]);
  });
});

describe('DOCKERD_DOWN after a dm.basesize lower than the pool had', () => {
  // The docker unit's journal (ja_JP month names) quoted in uggds/vagrant-docker's README, "docker does
  // not start" (2017-06, Docker 17.x on CentOS 7, loop-lvm), its editor's line numbers left off.
  const journal = [
    '-- Unit docker.service has begun starting up.',
    ' 6月 07 10:03:42 localhost dockerd[3887]: time="2017-06-07T10:03:42.332563149Z" level=info msg="libcontainerd: new containerd process, pid: 3890"',
    ' 6月 07 10:03:43 localhost dockerd[3887]: time="2017-06-07T10:03:43.387532312Z" level=warning msg="devmapper: Base device already exists and has filesystem xfs on it. User specified filesystem  will be ignored."',
    ' 6月 07 10:03:43 localhost dockerd[3887]: time="2017-06-07T10:03:43.392868323Z" level=error msg="[graphdriver] prior storage driver \\"devicemapper\\" failed: devmapper: Base device size cannot be smaller than 26.84 GB"',
    ' 6月 07 10:03:43 localhost dockerd[3887]: time="2017-06-07T10:03:43.393031778Z" level=fatal msg="Error starting daemon: error initializing graphdriver: devmapper: Base device size cannot be smaller than 26.84 GB"',
    ' 6月 07 10:03:43 localhost systemd[1]: docker.service: main process exited, code=exited, status=1/FAILURE',
    ' 6月 07 10:03:43 localhost systemd[1]: Failed to start Docker Application Container Engine.',
    '',
  ].join('\n');

  it("names the pool's base size as the floor, and does not send the reader to a package upgrade", () => {
    const [f] = run(dockerdAvailabilityRule, factsFrom({ docker_info: DOWN, journal_docker: journal }, { steps: { docker_info: { exit: 1 } } }));
    expect(f?.code).toBe('DOCKERD_DOWN');
    expect(f?.title).toContain('Base device size cannot be smaller than 26.84 GB');
    expect(f?.evidence.map((e) => e.text)).toContain(journal.split('\n')[4]);
    const floor = f?.fixes[0];
    // 26.84 GB is the 25 GiB base device Docker made; dm sizes are binary
    expect(floor?.title).toBe('Set dm.basesize back to at least 25G (26.84 GB, the base device this pool has), or remove it, then start Docker');
    expect(floor?.daemon_options).toEqual(['--storage-opt dm.basesize=25G']);
    expect(floor?.detail).toContain('only for a pool made anew');
    expect(f?.fixes.map((x) => x.title)).not.toContain('After a package upgrade, check that the configuration still fits the new release');
  });
});

it("reads Docker's 4-digit decimal floor as the whole GiB it stands for", () => {
  const said = (size: string) =>
    `time="2017-06-07T10:03:43.393031778Z" level=fatal msg="Error starting daemon: error initializing graphdriver: devmapper: Base device size cannot be smaller than ${size}"\n`;
  const option = (size: string) =>
    run(dockerdAvailabilityRule, factsFrom({ docker_info: DOWN, journal_docker: said(size) }, { steps: { docker_info: { exit: 1 } } }))[0]?.fixes[0]?.daemon_options;
  // 10 GiB is printed 10.74 GB (a hair over 10 GiB), 100 GiB 107.4 GB
  expect(option('10.74 GB')).toEqual(['--storage-opt dm.basesize=10G']);
  expect(option('107.4 GB')).toEqual(['--storage-opt dm.basesize=100G']);
  expect(option('26.84 GB')).toEqual(['--storage-opt dm.basesize=25G']);
});
