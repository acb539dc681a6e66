import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { buildClock, clockErrorMs, seenOf } from '../../src/analysis/facts/clock.js';
import { parseHostEpoch, parseLineTime, parseUptimeReading, parseUptimeSeconds } from '../../src/analysis/parsers/log-time.js';
import { bundleFromRecord, seenText } from '../../src/domain/index.js';

const NOW = new Date('2026-11-21T00:00:00Z');

describe('line times', () => {
  it('reads every clock a log line carries', () => {
    expect(parseLineTime('[3701835.390022] XFS (dm-8): Mounting V5 Filesystem')).toEqual({ kind: 'boot', seconds: 3701835.390022 });
    expect(parseLineTime('[Sat Aug 26 10:21:35 2017] INFO: task')).toMatchObject({ kind: 'wall', year: 2017, month: 8, day: 26, hour: 10, format: 'dmesg-T' });
    expect(parseLineTime('[So Nov 15 16:05:41 2020] mysqld')).toMatchObject({ kind: 'wall', year: 2020, month: 11, day: 15 });
    expect(parseLineTime('Aug 25 18:21:35 host kernel: x')).toMatchObject({ kind: 'wall', month: 8, day: 25, hour: 18, format: 'syslog' });
    expect(parseLineTime('2017-08-25T18:21:35+0800 host dockerd[1]: x')).toEqual({ kind: 'instant', ms: Date.parse('2017-08-25T10:21:35Z'), offsetMinutes: 480, format: 'iso' });
    // logrus on a terminal (docker/for-linux#274), and its relative form, which is no clock
    expect(parseLineTime('INFO[2018-04-05T18:19:12.084201563+02:00] libcontainerd: docker-containerd is still running  pid=1682')).toEqual({ kind: 'instant', ms: Date.parse('2018-04-05T16:19:12.084Z'), offsetMinutes: 120, format: 'docker' });
    expect(parseLineTime('INFO[0000] libcontainerd: new containerd process')).toBeUndefined();
    // dockerd's own RFC 3339 time wins over the syslog header's second
    expect(parseLineTime('Jun  3 10:38:24 h dockerd[9]: time="2017-06-03T02:38:24.167Z" level=fatal msg=EOF')).toMatchObject({ kind: 'instant', ms: Date.parse('2017-06-03T02:38:24.167Z'), format: 'docker' });
    expect(parseLineTime('no time here')).toBeUndefined();
  });

  it('reads the uptime of /proc/uptime and of uptime', () => {
    expect(parseUptimeSeconds('5729465.12 11212.34\n')).toBe(5729465.12);
    expect(parseUptimeSeconds(' 18:40:12 up 66 days,  3:27,  1 user,  load average: 2.31, 2.12, 2.05')).toBe(66 * 86400 + 3 * 3600 + 27 * 60);
    expect(parseUptimeSeconds(' 10:01:02 up 5 min,  0 users,  load average: 0.1, 0.2, 0.3')).toBe(300);
    expect(parseUptimeReading('5729465.12 11212.34\n 18:40:12 up 66 days,  7:31')).toEqual({ seconds: 5729465.12, resolutionMs: 10 });
    expect(parseUptimeReading(' 10:01:02 up 5 min,  0 users,  load average: 0.1, 0.2, 0.3')).toEqual({ seconds: 300, resolutionMs: 60_000 });
  });

  it("reads the host's own time beside the uptime: GNU date's nanoseconds, BusyBox's seconds (its %N is printed as is)", () => {
    expect(parseHostEpoch('93641.37 180000.12\n1503657614.250000000\n 18:40:14 up 1 day')).toEqual({ ms: 1503657614250, resolutionMs: 1 });
    expect(parseHostEpoch('93641.37 180000.12\n1503657614.%N\n')).toEqual({ ms: 1503657614000, resolutionMs: 1000 });
    // neither /proc/uptime's two numbers nor uptime's line is a time
    expect(parseHostEpoch('93641.37 180000.12\n 18:40:14 up 1 day,  2:00,  1 user')).toBeUndefined();
  });
});

describe('the host clock', () => {
  const bundle = bundleFromRecord(
    { uptime: ' 18:40:12 up 1 day,  2:00,  1 user,  load average: 0.1, 0.1, 0.1\n' },
    { host: 'h', collected_at: '2017-08-25T10:40:12Z' },
  );
  const clock = buildClock(bundle);

  it("takes the host's offset from uptime and its boot time from the uptime", () => {
    expect(clock.offsetMinutes).toBe(480);
    expect(clock.bootAt?.toISOString()).toBe('2017-08-24T08:40:12.000Z');
  });

  it("reads an offset only where some time zone has one, to within 7.5 minutes, and leaves it unknown elsewhere", () => {
    const offsetAt = (wall: string, collected: string) =>
      buildClock(bundleFromRecord({ uptime: ` ${wall} up 1 day,  2:00,  1 user,  load average: 0.1, 0.1, 0.1\n` }, { host: 'h', collected_at: collected })).offsetMinutes;
    expect(offsetAt('16:25:12', '2017-08-25T10:40:12Z')).toBe(345); // Nepal, +05:45
    expect(offsetAt('07:10:12', '2017-08-25T10:40:12Z')).toBe(-210); // Newfoundland, -03:30
    expect(offsetAt('10:46:40', '2017-08-25T10:40:12Z')).toBe(0); // a host clock 6.5 min fast is still UTC
    // 6 h 15 min ahead is no zone's offset: a host clock that is off, or an uptime that ran another day
    expect(offsetAt('16:55:12', '2017-08-25T10:40:12Z')).toBeUndefined();
    expect(offsetAt('10:50:12', '2017-08-25T10:40:12Z')).toBeUndefined();
  });

  it('says when in the host\'s time and UTC, and UTC once when the host\'s offset is unknown', () => {
    const line = { spec: 'messages' as const, line: 1, text: 'Aug 25 18:20:12 h kernel: Memory cgroup out of memory: Kill process 2 (java)' };
    expect(seenText(seenOf(clock, [line]))).toBe('seen 2017-08-25 18:20:12 +08:00 (2017-08-25T10:20:12Z UTC, 20 min ago)');
    const unknown = buildClock(bundleFromRecord({}, { host: 'h', collected_at: '2017-08-25T18:40:12Z' }));
    expect(seenText(seenOf(unknown, [line]))).toBe('seen 2017-08-25T18:20:12Z UTC (host offset unknown, 20 min ago)');
  });

  it('takes the boot time to the hundredth from /proc/uptime before the uptime line, and the offset from that line', () => {
    // the canonical uptime step: `cat /proc/uptime 2>/dev/null; uptime` (uptime alone says "2:00", to the minute)
    const exact = buildClock(
      bundleFromRecord(
        { uptime: '93641.37 180000.12\n 18:40:12 up 1 day,  2:00,  1 user,  load average: 0.1, 0.1, 0.1\n' },
        { host: 'h', collected_at: '2017-08-25T10:40:12Z' },
      ),
    );
    expect(exact.offsetMinutes).toBe(480);
    expect(exact.bootAt?.toISOString()).toBe('2017-08-24T08:39:30.630Z');
    // an OOM kill 5 s before the collection: 5 s ago, where the minute-wide boot time would put it 36 s in the future
    const seen = seenOf(exact, [{ spec: 'dmesg', line: 1, text: '[93636.37] Memory cgroup out of memory: Killed process 1 (java)' }]);
    expect(seen.last?.ago_seconds).toBe(5);
  });

  it("places boot by the host's own time read beside the uptime, not by the collection's start, and says how far it may be off", () => {
    const proc = '93641.37 180000.12\n';
    const line = ' 18:40:14 up 1 day,  2:00,  1 user,  load average: 0.1, 0.1, 0.1\n';
    const at = { host: 'h', collected_at: '2017-08-25T10:40:12Z' };
    // the step ran 2.25 s after the collection began (a slow login): the host's time says so
    const hosted = buildClock(bundleFromRecord({ uptime: `${proc}1503657614.250000000\n${line}` }, at));
    expect(hosted.bootAt?.toISOString()).toBe('2017-08-24T08:39:32.880Z');
    // /proc/uptime's hundredth, date's nanosecond, and 100 ppm of a day's uptime for printk's clock
    expect(hosted.bootErrorMs).toBe(10 + 1 + 9364);
    expect(clockErrorMs('dmesg-uptime', hosted)).toBe(9375);
    expect(clockErrorMs('dmesg-T', hosted)).toBe(1000 + 9364);
    expect(clockErrorMs('docker', hosted)).toBe(0);
    expect(clockErrorMs('journal', hosted)).toBe(1000);
    // BusyBox's date: to the second
    expect(buildClock(bundleFromRecord({ uptime: `${proc}1503657614.%N\n${line}` }, at)).bootErrorMs).toBe(10 + 1000 + 9364);
    // without the host's time: the collection's start, off by the wait and any skew between the clocks
    const untimed = buildClock(bundleFromRecord({ uptime: `${proc}${line}` }, at));
    expect(untimed.bootAt?.toISOString()).toBe('2017-08-24T08:39:30.630Z');
    expect(untimed.bootErrorMs).toBe(10 + 5000 + 9364);
    // uptime alone: to the minute
    expect(buildClock(bundleFromRecord({ uptime: line }, at)).bootErrorMs).toBe(60_000 + 5000 + 9360);
    // a host up for minutes is trusted to half a second, the least a kill's report is placed to
    expect(buildClock(bundleFromRecord({ uptime: `300.00 500.00\n1503657614.250000000\n` }, at)).bootErrorMs).toBe(500);
    // no uptime: no kernel time is placed at all
    expect(clockErrorMs('dmesg-uptime', buildClock(bundleFromRecord({}, at)))).toBe(Number.POSITIVE_INFINITY);
  });

  it("counts ago on the host's clock where it is off from the worker's by a minute or more, and says by how much", () => {
    // the host's clock is 12 minutes ahead: its uptime's wall-clock time and its date agree with each other, not with the worker
    const at = { host: 'h', collected_at: '2017-08-25T10:40:12Z' };
    const ahead = bundleFromRecord({ uptime: '93641.37 180000.12\n1503658334.250000000\n 18:52:14 up 1 day,  2:00,  1 user,  load average: 0.1, 0.1, 0.1\n' }, at);
    const skewed = buildClock(ahead);
    expect(skewed.skewMs).toBe(722_250);
    // the offset comes from the host's own time: +08:00, not an offset 12 minutes off that no zone has
    expect(skewed.offsetMinutes).toBe(480);
    // a kill the host logged 5 minutes before its own now is 5 minutes ago, not 7 minutes in the future
    const seen = seenOf(skewed, [{ spec: 'messages', line: 1, text: 'Aug 25 18:47:14 h kernel: Memory cgroup out of memory: Kill process 2 (java)' }]);
    expect(seen.last).toMatchObject({ utc: '2017-08-25T10:47:14Z', ago_seconds: 300 });
    expect(seen.last_hour).toBe(1);
    const report = analyze(bundleFromRecord({ uptime: ahead.files.get('uptime') ?? '' }, at), { now: new Date('2017-08-25T10:40:12Z') });
    expect(report.host_clock_skew_seconds).toBe(722);
    expect(seenText(seen)).toContain('5 min ago');
    // half a minute apart (a slow login shell before the step, or a little drift) is no skew worth a word
    const close = buildClock(bundleFromRecord({ uptime: '93641.37 180000.12\n1503657642.000000000\n' }, at));
    expect(close.skewMs).toBeUndefined();
    expect(analyze(bundleFromRecord({ uptime: '93641.37 180000.12\n1503657642.000000000\n' }, at), { now: new Date('2017-08-25T10:40:12Z') }).host_clock_skew_seconds).toBeUndefined();
    // behind: the worker's clock is the later one
    expect(buildClock(bundleFromRecord({ uptime: '93641.37 180000.12\n1503650000.000000000\n' }, at)).skewMs).toBe(-7_612_000);
  });

  it('places dmesg seconds, syslog and dmesg -T lines on one UTC axis, with ago and the last hour', () => {
    const seen = seenOf(clock, [
      { spec: 'dmesg', line: 1, text: '[3600.5] Memory cgroup out of memory: Kill process 1 (java)' },
      { spec: 'messages', line: 2, text: 'Aug 25 18:20:12 h kernel: Memory cgroup out of memory: Kill process 2 (java)' },
    ]);
    expect(seen).toMatchObject({
      count: 2,
      first: { utc: '2017-08-24T09:40:12.500Z', host: '2017-08-24 17:40:12 +08:00' },
      last: { utc: '2017-08-25T10:20:12Z', host: '2017-08-25 18:20:12 +08:00', ago_seconds: 1200 },
      last_hour: 1,
      clock: 'syslog',
    });
  });
});

describe('earlier on this host', () => {
  const oomFor = (id: string) =>
    [
      `Aug 22 10:00:00 h kernel: Task in /docker/${id} killed as a result of limit of /docker/${id}`,
      'Aug 22 10:00:00 h kernel: memory: usage 32768kB, limit 32768kB, failcnt 5',
      'Aug 22 10:00:00 h kernel: Memory cgroup out of memory: Kill process 4242 (java) score 1000 or sacrifice child',
    ].join('\n');
  const id = 'bb8efa844fd039b8d6be4235fb503abe6a818c073ab6e71019bcae6bf5ecf302';

  it('puts an OOM kill from days before collection under earlier, never as the root cause', () => {
    const report = analyze(bundleFromRecord({ messages: oomFor(id) }, { host: 'h', collected_at: '2017-08-25T10:40:12Z' }), { now: NOW });
    const oom = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED');
    expect(oom?.earlier).toMatch(/^last seen 3 days before collection, outside the 24 h window$/);
    expect(report.root_cause).toBeNull();
  });

  it('follows a configured window', () => {
    const report = analyze(bundleFromRecord({ messages: oomFor(id) }, { host: 'h', collected_at: '2017-08-25T10:40:12Z' }), { now: NOW, thresholds: { eventWindowHours: 96 } });
    expect(report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.earlier).toBeUndefined();
    expect(report.root_cause?.code).toBe('CONTAINER_OOM_KILLED');
  });

  it('puts a kill of a container docker ps no longer lists under earlier', () => {
    const ps = 'CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES\n0123456789ab   busybox   "sh"   1 h ago   Up 1 h      other\n';
    const report = analyze(bundleFromRecord({ messages: oomFor(id), docker_ps: ps }, { host: 'h', collected_at: '2017-08-22T10:10:00Z' }), { now: NOW });
    expect(report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.earlier).toBe('the container no longer exists');
  });

  it("puts the kill of a container started again since, and running, under earlier; not while it keeps restarting", () => {
    // Docker keeps OOMKilled true after a restart: what dockerd 20.10 shows after `docker restart`
    const inspect = (state: { running: boolean; status: string; restarts: number; started: string }) =>
      JSON.stringify([
        {
          Id: id,
          Name: '/worker',
          RestartCount: state.restarts,
          State: { Status: state.status, Running: state.running, OOMKilled: true, ExitCode: 0, StartedAt: state.started, FinishedAt: '2017-08-22T10:00:00.5Z' },
          HostConfig: { Memory: 33554432 },
        },
      ]);
    const earlierOf = (state: Parameters<typeof inspect>[0]) =>
      analyze(bundleFromRecord({ messages: oomFor(id), docker_inspect: inspect(state) }, { host: 'h', collected_at: '2017-08-22T10:10:00Z' }), { now: NOW })
        .findings.filter((f) => f.code === 'CONTAINER_OOM_KILLED')
        .map((f) => f.earlier);
    expect(earlierOf({ running: true, status: 'running', restarts: 0, started: '2017-08-22T10:05:00Z' })).toEqual([expect.stringMatching(/^the container was started again after it \(2017-08-22T10:05:00Z\) and runs$/)]);
    // still running the run that was killed (a process other than its main one), restarting, or in a restart loop: current
    expect(earlierOf({ running: true, status: 'running', restarts: 0, started: '2017-08-22T09:00:00Z' })).toEqual([undefined]);
    expect(earlierOf({ running: true, status: 'restarting', restarts: 1, started: '2017-08-22T10:05:00Z' })).toEqual([undefined]);
    expect(earlierOf({ running: true, status: 'running', restarts: 5, started: '2017-08-22T10:05:00Z' })).toEqual([undefined]);
  });

  it("tells a kill that ended the last run from one in this run when they are closer than the kernel's clock tells, by Docker's end of the last run", () => {
    // booted 1000 s before the host's own time at collection (2017-08-22T10:10:00Z): [400.3] is 10:00:00.3,
    // trusted to half a second
    const uptime = '1000.00 1900.00\n1503396600.000000000\n 10:10:00 up 16 min,  0 users,  load average: 0.1, 0.1, 0.1\n';
    const kernelOom = (at: string) =>
      [
        `[${at}] Task in /docker/${id} killed as a result of limit of /docker/${id}`,
        `[${at}] memory: usage 32768kB, limit 32768kB, failcnt 5`,
        `[${at}] Memory cgroup out of memory: Kill process 4242 (tail) score 1000 or sacrifice child`,
      ].join('\n');
    const inspect = (started: string, finished: string, restarts: number) =>
      JSON.stringify([{ Id: id, Name: '/worker', RestartCount: restarts, State: { Status: 'running', Running: true, OOMKilled: true, ExitCode: 0, StartedAt: started, FinishedAt: finished }, HostConfig: { Memory: 33554432 } }]);
    const earlierOf = (killAt: string, started: string, finished: string, restarts = 1) =>
      analyze(bundleFromRecord({ uptime, dmesg: kernelOom(killAt), docker_inspect: inspect(started, finished, restarts) }, { host: 'h', collected_at: '2017-08-22T10:09:59Z' }), { now: NOW })
        .findings.filter((f) => f.code === 'CONTAINER_OOM_KILLED')
        .map((f) => f.earlier);
    const again = [expect.stringMatching(/^the container was started again after it \(2017-08-22T10:00:00\.15Z\) and runs$/)];
    // a restart policy started it again 0.15 s after its main process was killed, and the kernel's
    // time of the kill reads 0.15 s after that start: Docker ended the last run at the kill
    expect(earlierOf('400.300000', '2017-08-22T10:00:00.15Z', '2017-08-22T10:00:00.04Z')).toEqual(again);
    // a worker killed 0.35 s into the only run the container has had (it never finished), read
    // 0.15 s before its start: this run's kill
    expect(earlierOf('399.850000', '2017-08-22T10:00:00.15Z', '0001-01-01T00:00:00Z', 0)).toEqual([undefined]);
    // as close, but the last run ended a day before: the kill came in this run
    expect(earlierOf('399.850000', '2017-08-22T10:00:00.15Z', '2017-08-21T10:00:00Z')).toEqual([undefined]);
    // started well after the kill, beyond what the clock can be off: a past run's, whatever Docker says of it
    expect(earlierOf('394.000000', '2017-08-22T10:00:00.15Z', '2017-08-21T10:00:00Z')).toEqual(again);
    // killed well after the start: this run's
    expect(earlierOf('401.000000', '2017-08-22T10:00:00.15Z', '2017-08-22T10:00:00.04Z')).toEqual([undefined]);
  });
});
