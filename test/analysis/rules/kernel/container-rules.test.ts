import { describe, expect, it } from 'vitest';
import { buildFacts, DEFAULT_THRESHOLDS, resolveThresholds, type Facts } from '../../../../src/analysis/index.js';
import type { ContainerRecord, OomKill } from '../../../../src/analysis/facts/index.js';
import { containerKilled137Rule } from '../../../../src/analysis/rules/kernel/container-killed-137.js';
import { containerOomKilledRule } from '../../../../src/analysis/rules/kernel/container-oom-killed.js';
import { containerStopTimeoutRule } from '../../../../src/analysis/rules/kernel/container-stop-timeout.js';
import { dStatePileupRule } from '../../../../src/analysis/rules/kernel/d-state-pileup.js';
import { kernelOomKillRule } from '../../../../src/analysis/rules/kernel/kernel-oom-kill.js';
import { loadExtremeRule } from '../../../../src/analysis/rules/kernel/load-extreme.js';
import { bundleFromRecord } from '../../../../src/domain/index.js';

const ID = '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60';
const OTHER = 'b3ceef33f21e8ee2bcf50003d08b78a836e0e42e0f0111ea80d09a85a9a98009';
const ctx = { now: new Date('2017-08-25T12:00:00Z'), thresholds: DEFAULT_THRESHOLDS };

function factsWith(patch: { containers?: ContainerRecord[]; oomKills?: OomKill[]; stopFailures?: Facts['dockerd']['stopFailures'] }): Facts {
  const base = buildFacts(bundleFromRecord({}));
  return {
    ...base,
    docker: { ...base.docker, containers: patch.containers ?? [] },
    kernel: { ...base.kernel, oomKills: patch.oomKills ?? [] },
    dockerd: { ...base.dockerd, stopFailures: patch.stopFailures ?? [] },
  };
}

const memcgKill: OomKill = {
  kind: 'memcg',
  pid: 76513,
  process: 'java',
  containerId: ID,
  cgroup: `/docker/${ID}`,
  limitKb: 4194304,
  usageKb: 4194304,
  evidence: [{ spec: 'messages', line: 201, text: 'Aug 25 18:21:35 test-a3-60-17 kernel: Killed process 76513 (java) total-vm:26212772kB' }],
};

describe('CONTAINER_OOM_KILLED', () => {
  it('names the container, the killed process and pid, and the usage against the limit', () => {
    const facts = factsWith({ oomKills: [memcgKill], containers: [{ id: ID, name: 'business-product-rpc', exitCode: 137, oomKilled: true }] });
    const [finding, ...rest] = containerOomKilledRule.run(facts, ctx);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      code: 'CONTAINER_OOM_KILLED',
      subject: ID,
      title: 'java (pid 76513) in container business-product-rpc 812c82c5a7a5 killed by the memory cgroup at its 4.0 GiB limit',
      evidence: [{ spec: 'messages', line: 201 }],
      data: { limit_bytes: 4294967296, pid: 76513, container_name: 'business-product-rpc' },
    });
  });

  it('gives both figures only when the usage at the kill was short of the limit', () => {
    const short = { ...memcgKill, usageKb: 3 * 1024 * 1024 };
    const [finding] = containerOomKilledRule.run(factsWith({ oomKills: [short] }), ctx);
    expect(finding?.title).toMatch(/killed by the memory cgroup: 3\.0 GiB of 4\.0 GiB limit$/);
  });

  it('is raised from docker inspect alone when the kernel log has rotated', () => {
    const facts = factsWith({ containers: [{ id: OTHER, name: 'api', oomKilled: true, memoryLimitBytes: 2 * 1024 ** 3 }] });
    expect(containerOomKilledRule.run(facts, ctx).map((f) => [f.subject, f.title])).toEqual([
      [OTHER, 'container api b3ceef33f21e was killed for running out of memory (limit 2.0 GiB)'],
    ]);
  });

  it('does not call a global OOM kill a container kill, and KERNEL_OOM_KILL does', () => {
    const global: OomKill = { kind: 'global', pid: 1234, process: 'mysqld', evidence: [{ spec: 'dmesg', line: 3, text: 'Killed process 1234 (mysqld)' }] };
    const facts = factsWith({ oomKills: [global] });
    expect(containerOomKilledRule.run(facts, ctx)).toEqual([]);
    expect(kernelOomKillRule.run(facts, ctx).map((f) => f.title)).toEqual(['the kernel ran out of memory and killed mysqld (pid 1234)']);
    expect(kernelOomKillRule.run(factsWith({ oomKills: [memcgKill] }), ctx)).toEqual([]);
  });
});

describe('CONTAINER_KILLED_137', () => {
  it('flags an exit 137 with no OOM evidence, and not one the memory cgroup explains', () => {
    const containers: ContainerRecord[] = [
      { id: ID, name: 'business-product-rpc', exitCode: 137, oomKilled: false },
      { id: OTHER, name: 'api', statusText: 'Exited (137) 5 hours ago' },
    ];
    const withOom = containerKilled137Rule.run(factsWith({ containers, oomKills: [memcgKill] }), ctx);
    expect(withOom.map((f) => f.subject)).toEqual([OTHER]);
    const without = containerKilled137Rule.run(factsWith({ containers }), ctx);
    expect(without.map((f) => f.subject)).toEqual([ID, OTHER]);
  });

  it('leads its advice with what the container printed last before the kill, where the container playbook read it', () => {
    // a Spring Boot service asked to stop (the scheduler's SIGTERM) that had not finished when SIGKILL came
    const tail = `# container ${ID.slice(0, 12)}\n2017-08-25T10:21:50.102Z Commencing graceful shutdown. Waiting for active requests to complete\n`;
    const base = buildFacts(bundleFromRecord({ container_log_tail: tail }));
    const facts = { ...base, docker: { ...base.docker, containers: [{ id: ID, name: 'business-product-rpc', exitCode: 137, oomKilled: false }] } };
    const [f] = containerKilled137Rule.run(facts, ctx);
    expect(f?.evidence.at(-1)?.text).toBe('2017-08-25T10:21:50.102Z Commencing graceful shutdown. Waiting for active requests to complete');
    expect(f?.fixes[0]?.detail).toContain('Its last line (2017-08-25T10:21:50.102Z): "Commencing graceful shutdown. Waiting for active requests to complete".');
  });

  it('ignores other exit codes and containers docker says were OOM-killed', () => {
    const containers: ContainerRecord[] = [
      { id: ID, exitCode: 143 },
      { id: OTHER, exitCode: 137, oomKilled: true },
    ];
    expect(containerKilled137Rule.run(factsWith({ containers }), ctx)).toEqual([]);
  });
});

describe('CONTAINER_STOP_TIMEOUT', () => {
  const stop = {
    containerId: ID,
    firstTime: '2017-12-05T10:14:01.066063275+08:00',
    lines: [
      { spec: 'journal_docker' as const, line: 25, text: `time="2017-12-05T10:14:01.066063275+08:00" level=info msg="Container ${ID} failed to exit within 120 seconds of signal 15 - using the force"` },
      { spec: 'journal_docker' as const, line: 26, text: `level=warning msg="container kill failed because of 'container not found' or 'no such process': Cannot kill container ${ID}"` },
    ],
  };

  it('flags a container that failed to stop and that docker ps still lists', () => {
    const facts = factsWith({ stopFailures: [stop], containers: [{ id: ID, name: 'album-facade', status: 'running', statusText: 'Up 6 days', startedAt: '2017-11-29T02:21:07.90004747Z' }] });
    const [finding] = containerStopTimeoutRule.run(facts, ctx);
    expect(finding?.title).toBe('container album-facade 812c82c5a7a5 did not stop within 120 s of SIGTERM and the kill failed, yet docker ps still lists it (Up 6 days)');
    expect(finding?.evidence.map((e) => e.line)).toEqual([25, 26]);
    // the container is named, and given twice the 120 s it had
    expect(finding?.fixes.at(-1)).toEqual({ title: 'Give slow-stopping apps more time instead of relying on the kill path (it had 120 s)', commands: ['docker stop -t 240 812c82c5a7a5'] });
  });

  it('CONTAINER_KILLED_137 names the container and a stop timeout longer than the one it had', () => {
    const first = stop.lines[0] as (typeof stop.lines)[number];
    const forced = { ...stop, lines: [{ ...first, text: first.text.replace('120 seconds', '10 seconds') }] };
    const exited = [{ id: ID, name: 'album-facade', status: 'exited', exitCode: 137, oomKilled: false }] satisfies ContainerRecord[];
    const [f] = containerKilled137Rule.run(factsWith({ stopFailures: [forced], containers: exited }), ctx);
    expect(f?.fixes[1]?.title).toBe('If the app needs longer to stop than the 10 s it had, raise the stop timeout instead of letting it be killed');
    expect(f?.fixes[1]?.commands).toEqual(['docker stop -t 60 812c82c5a7a5', 'docker run --stop-timeout 60 ...']);
    // without dockerd's line, a minute
    expect(containerKilled137Rule.run(factsWith({ containers: exited }), ctx)[0]?.fixes[1]?.commands?.[0]).toBe('docker stop -t 60 812c82c5a7a5');
  });

  it('stays quiet for containers that are gone, exited, or were started again after the failed stop', () => {
    const gone = factsWith({ stopFailures: [stop], containers: [{ id: OTHER, status: 'running' }] });
    const exited = factsWith({ stopFailures: [stop], containers: [{ id: ID, status: 'exited', statusText: 'Exited (137) 2 days ago' }] });
    const restarted = factsWith({ stopFailures: [stop], containers: [{ id: ID, status: 'running', startedAt: '2017-12-05T03:00:00Z' }] });
    for (const facts of [gone, exited, restarted]) expect(containerStopTimeoutRule.run(facts, ctx)).toEqual([]);
  });
});

describe('CONTAINER_STOP_TIMEOUT without docker ps', () => {
  const line = (n: number, msg: string) => ({ spec: 'journal_docker' as const, line: n, text: `level=info msg="${msg}"` });

  it('reports a stop whose kill failed or whose SIGKILL was ignored, saying docker ps was not there to check', () => {
    const killFailed = { containerId: ID, firstTime: 't', lines: [line(3, `Container ${ID} failed to exit within 10 seconds of signal 15 - using the force`), line(4, `Cannot kill container ${ID}: rpc error`)] };
    const ignored = { containerId: OTHER, firstTime: 't', lines: [line(7, `Container ${OTHER} failed to exit within 10 seconds of kill - trying direct SIGKILL`)] };
    const titles = containerStopTimeoutRule.run(factsWith({ stopFailures: [killFailed, ignored] }), ctx).map((f) => f.title);
    expect(titles).toEqual([
      `container ${ID.slice(0, 12)} did not stop within 10 s of SIGTERM and the kill failed (docker ps was not there to check whether it is still listed)`,
      `container ${OTHER.slice(0, 12)} did not stop and SIGKILL did not end it (docker ps was not there to check whether it is still listed)`,
    ]);
  });

  it('leaves a routine forced stop alone when it cannot check, and a failed kill alone once docker ps answered without it', () => {
    const forced = { containerId: ID, firstTime: 't', lines: [line(3, `Container ${ID} failed to exit within 10 seconds of signal 15 - using the force`)] };
    expect(containerStopTimeoutRule.run(factsWith({ stopFailures: [forced] }), ctx)).toEqual([]);
    const killFailed = { ...forced, lines: [...forced.lines, line(4, `Cannot kill container ${ID}: rpc error`)] };
    const answeredEmpty = buildFacts(bundleFromRecord({ docker_ps: '' }, { host: 'h', steps: { docker_ps: { exit: 0 } } }));
    const facts = { ...answeredEmpty, dockerd: { ...answeredEmpty.dockerd, stopFailures: [killFailed] } };
    expect(facts.docker.containersListed).toBe(true);
    expect(containerStopTimeoutRule.run(facts, ctx)).toEqual([]);
  });
});

describe('LOAD_EXTREME and D_STATE_PILEUP', () => {
  it('raise load at 4 × CPUs and D-state at 5 processes, and respect overrides', () => {
    const base = buildFacts(
      bundleFromRecord({
        nproc: '2\n',
        uptime: ' 10:00 up 1 day,  load average: 8.00, 7.00, 6.00\n',
        ps: ['  PID STAT ELAPSED WCHAN COMMAND', ...[1, 2, 3, 4, 5].map((i) => `  ${i} D 10 jbd2_log_wait_commit redis-server *:70${i}`)].join('\n'),
      }),
    );
    expect(loadExtremeRule.run(base, ctx).map((f) => f.title)).toEqual(['load average 8 on 2 CPUs (4.0 per CPU, limit 4 per CPU)']);
    expect(dStatePileupRule.run(base, ctx).map((f) => f.title)).toEqual(['5 processes in uninterruptible sleep (D), waiting on the ext4 journal (jbd2): redis-server ×5']);
    const stricter = { now: ctx.now, thresholds: resolveThresholds({ loadPerCpu: 5, dStateMinProcesses: 6 }) };
    const comm = buildFacts(bundleFromRecord({ ps: ['S   PID COMMAND', ...[1, 2, 3, 4, 5].map((i) => `D ${i} jbd2/dm-17-8`)].join('\n') }));
    expect(dStatePileupRule.run(comm, ctx).map((f) => f.title)).toEqual(['5 processes in uninterruptible sleep (D), waiting on the ext4 journal (jbd2): jbd2/dm-17-8 ×5']);
    expect([...loadExtremeRule.run(base, stricter), ...dStatePileupRule.run(base, stricter)]).toEqual([]);
  });

  it('counts the worker threads in D the listing shows, which ps -e cannot (their process is in S), and no main thread twice', () => {
    // a JVM whose main thread waits in a futex while five workers wait on an NFS server, and a
    // single-threaded cp in D: the listing has cp's own row too (LWP = PID), which ps -e already counts
    const ps = ['  PID STAT ELAPSED WCHAN                            COMMAND', ' 4810 Sl     9000 futex_wait_queue                 java -jar app.jar', ' 5120 D        60 rpc_wait_bit_killable            cp big /mnt/shared/'].join('\n');
    const blocked_threads = [
      '    PID     LWP STAT WCHAN                            COMMAND',
      ...[4833, 4834, 4835, 4836, 4837].map((tid) => `   4810    ${tid} Dl   rpc_wait_bit_killable            pool-1-thread-1`),
      '   5120    5120 D    rpc_wait_bit_killable            cp',
      '',
    ].join('\n');
    const [pileup] = dStatePileupRule.run(buildFacts(bundleFromRecord({ ps, blocked_threads })), ctx);
    expect(pileup?.title).toBe('1 process and 5 threads in uninterruptible sleep (D), waiting on an NFS server (sunrpc): java ×5, cp');
    expect(pileup?.data).toMatchObject({ d_state_processes: 1, d_state_threads: 5 });
    expect(pileup?.evidence.map((e) => e.text)).toContain('   4810    4833 Dl   rpc_wait_bit_killable            pool-1-thread-1');
    // without the listing, one process in D is no pile-up
    expect(dStatePileupRule.run(buildFacts(bundleFromRecord({ ps })), ctx)).toEqual([]);
    // and the load they make is I/O wait: six tasks, listed by thread
    const uptime = ' 10:00 up 1 day,  load average: 12.00, 7.00, 6.00\n';
    const [load] = loadExtremeRule.run(buildFacts(bundleFromRecord({ nproc: '2\n', uptime, ps, blocked_threads })), ctx);
    expect(load?.fixes[0]?.title).toBe('Look at the 6 tasks in uninterruptible sleep: the load is I/O wait, not CPU');
    expect(load?.fixes[0]?.commands?.[0]).toBe("ps -eLo pid,lwp,stat,wchan:32,comm | awk '$3 ~ /^D/'");
  });

  it('reads /proc/loadavg as well as uptime, and counts one CPU as one', () => {
    const single = buildFacts(bundleFromRecord({ nproc: '1\n', uptime: '10.75 10.45 10.70 2/836 3336\n' }));
    expect(loadExtremeRule.run(single, ctx).map((f) => f.title)).toEqual(['load average 10.75 on 1 CPU (10.8 per CPU, limit 4 per CPU)']);
  });

  it('points the fix at what the load is made of: blocked tasks, runnable tasks, or both when no process list was collected', () => {
    const uptime = ' 10:00 up 1 day,  load average: 12.00, 7.00, 6.00\n';
    const fixOf = (record: Record<string, string>) => loadExtremeRule.run(buildFacts(bundleFromRecord({ nproc: '2\n', uptime, ...record })), ctx)[0]?.fixes[0];
    const blocked = fixOf({ ps: ['  PID STAT ELAPSED WCHAN COMMAND', '  7 D 10 rpc_wait_bit_killable df -h', '  8 R 10 - gzip big.log'].join('\n') });
    expect(blocked?.title).toBe('Look at the 1 task in uninterruptible sleep: the load is I/O wait, not CPU');
    expect(blocked?.commands?.[0]).toContain('wchan');
    const runnable = fixOf({ ps: ['  PID STAT ELAPSED WCHAN COMMAND', '  8 R 10 - gzip big.log', '  9 R 10 - gzip other.log'].join('\n') });
    expect(runnable?.title).toMatch(/^Find what is using the CPUs/);
    expect(runnable?.commands?.[0]).toContain('--sort=-pcpu');
    const unknown = fixOf({});
    expect(unknown?.title).toBe('Find what is running or waiting');
    expect(unknown?.commands).toHaveLength(2);
  });

  it("does not count a shell's moment of vfork wait (D in kernel_clone, as dash shows while starting a command) as stuck", () => {
    // four redis-server stuck on the journal, and the shells the collection itself runs at that moment
    const ps = [
      '  PID STAT ELAPSED WCHAN                            COMMAND',
      ...[1, 2, 3, 4].map((i) => `  ${i} D 10 jbd2_log_wait_commit redis-server *:70${i}`),
      '  91 D 0 kernel_clone sh -c cat /proc/uptime 2>/dev/null; uptime',
      '  92 D 0 wait_for_vfork_done sh -c docker inspect $(docker ps -aq)',
    ].join('\n');
    const facts = buildFacts(bundleFromRecord({ ps, nproc: '1\n', uptime: ' 10:00 up 1 day,  load average: 6.00, 5.00, 4.00\n' }));
    expect(dStatePileupRule.run(facts, ctx)).toEqual([]);
    expect(loadExtremeRule.run(facts, ctx)[0]?.data).toMatchObject({ d_state_processes: 4 });
    // a fifth process really stuck makes the pile-up, which names only the stuck ones
    const more = buildFacts(bundleFromRecord({ ps: `${ps}\n  5 D 10 jbd2_log_wait_commit redis-server *:7005` }));
    expect(dStatePileupRule.run(more, ctx).map((f) => f.title)).toEqual(['5 processes in uninterruptible sleep (D), waiting on the ext4 journal (jbd2): redis-server ×5']);
  });
});

describe('CONTAINER_KILLED_137 after a global OOM kill', () => {
  it('lets a global OOM kill of the container\'s own program explain the 137, but not a kill of another program', () => {
    const kill = (process: string): OomKill => ({ kind: 'global', pid: 1, process, evidence: [{ spec: 'dmesg', line: 1, text: `Killed process 1 (${process})` }] });
    const containers: ContainerRecord[] = [{ id: ID, exitCode: 137, oomKilled: false, command: 'java -jar /opt/app/report-export.jar' }];
    expect(containerKilled137Rule.run(factsWith({ containers, oomKills: [kill('java')] }), ctx)).toEqual([]);
    expect(containerKilled137Rule.run(factsWith({ containers, oomKills: [kill('mysqld')] }), ctx).map((f) => f.subject)).toEqual([ID]);
  });
});
