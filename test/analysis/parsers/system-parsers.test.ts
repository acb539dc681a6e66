import { describe, expect, it } from 'vitest';
import { buildSystemFacts } from '../../../src/analysis/facts/system.js';
import { parseMeminfo } from '../../../src/analysis/parsers/meminfo.js';
import { parseNproc } from '../../../src/analysis/parsers/nproc.js';
import { parsePs } from '../../../src/analysis/parsers/ps.js';
import { parseUname } from '../../../src/analysis/parsers/uname.js';
import { parseUptime } from '../../../src/analysis/parsers/uptime.js';
import { bundleFromRecord } from '../../../src/domain/index.js';

describe('parseUname', () => {
  it('reads the kernel release and host from uname -a, and a bare uname -r', () => {
    expect(parseUname('Linux redis-docker-07 2.6.32-431.29.2.el6.x86_64 #1 SMP Tue Sep 9 21:36:05 UTC 2014 x86_64 GNU/Linux\n')).toEqual({
      hostname: 'redis-docker-07',
      kernelRelease: '2.6.32-431.29.2.el6.x86_64',
    });
    expect(parseUname('4.4.0-98-generic\n')).toEqual({ kernelRelease: '4.4.0-98-generic' });
    expect(parseUname('uname: command not found')).toEqual({});
  });
});

describe('parseNproc', () => {
  it('reads one positive integer and nothing else', () => {
    expect([parseNproc('32\n'), parseNproc('0'), parseNproc('nproc: not found'), parseNproc('')]).toEqual([32, undefined, undefined, undefined]);
  });
});

describe('parseUptime', () => {
  it('reads uptime, /proc/loadavg and the comma-decimal locale form', () => {
    expect(parseUptime(' 14:32:11 up 211 days, 19:05,  4 users,  load average: 5126.47, 5109.32, 5071.85\n')).toMatchObject({ one: 5126.47, five: 5109.32, fifteen: 5071.85, lineNumber: 1 });
    expect(parseUptime('0.82 0.97 1.04 2/345 12345\n')).toMatchObject({ one: 0.82, five: 0.97, fifteen: 1.04 });
    expect(parseUptime(' 10:00  up 3 days, load average: 1,37, 1,52, 1,49')).toMatchObject({ one: 1.37, five: 1.52, fifteen: 1.49 });
    expect(parseUptime('no load here')).toBeUndefined();
  });
});

describe('parseMeminfo', () => {
  it('reads every kB field', () => {
    const mem = parseMeminfo('MemTotal:       98795728 kB\nMemFree:         1234 kB\nMemAvailable:   5678 kB\nHugePages_Total:       0\n');
    expect([mem.get('MemTotal'), mem.get('MemAvailable'), mem.get('HugePages_Total')]).toEqual([98795728, 5678, 0]);
  });
});

describe('parsePs', () => {
  it('reads the thread id of ps -L layouts (LWP, TID, SPID), a thread name with a space last', () => {
    const lwp = '    PID     LWP STAT WCHAN                            COMMAND\n   4810    4833 Dl   xlog_cil_force_lsn               GC Thread#0\n';
    expect(parsePs(lwp)?.map((p) => [p.pid, p.tid, p.state, p.wchan, p.command])).toEqual([[4810, 4833, 'Dl', 'xlog_cil_force_lsn', 'GC Thread#0']]);
    const tid = '  PID   TID S COMMAND\n  811   812 D dockerd\n';
    expect(parsePs(tid)?.[0]?.tid).toBe(812);
    // ps -e has no thread column: no tid
    expect(parsePs('  PID STAT COMMAND\n  811 Ssl dockerd\n')?.[0]?.tid).toBeUndefined();
  });

  it('reads ps -eo pid,stat,etimes,wchan:32,args with commands that hold spaces', () => {
    const text = [
      '  PID STAT ELAPSED WCHAN                            COMMAND',
      '    1 Ss    193460 ep_poll                          /usr/lib/systemd/systemd --switched-root --system',
      ' 8562 Dl      1962 xfs_ail_push_all_sync            /usr/bin/dockerd-current --add-runtime docker-runc',
      '   99 R         12 -                                ps -eo pid,stat,etimes,wchan:32,args',
    ].join('\n');
    const ps = parsePs(text);
    expect(ps?.map((p) => [p.pid, p.state, p.elapsedSeconds, p.wchan, p.command, p.lineNumber])).toEqual([
      [1, 'Ss', 193460, 'ep_poll', '/usr/lib/systemd/systemd --switched-root --system', 2],
      [8562, 'Dl', 1962, 'xfs_ail_push_all_sync', '/usr/bin/dockerd-current --add-runtime docker-runc', 3],
      [99, 'R', 12, undefined, 'ps -eo pid,stat,etimes,wchan:32,args', 4],
    ]);
  });

  it('reads the parent of ps -eo pid,ppid,stat,etimes,wchan:32,args as procps 4 prints it, and none where ps has no PPID column', () => {
    const text = [
      '  PID  PPID STAT ELAPSED WCHAN                            COMMAND',
      '    2     0 S       7403 kthreadd                         [kthreadd]',
      '    3     2 S       7403 kthread_worker_fn                [pool_workqueue_release]',
      ' 4810  4790 Ssl      120 futex_wait_queue                 java -Xmx1g -jar /app.jar',
    ].join('\n');
    expect(parsePs(text)?.map((p) => [p.pid, p.ppid, p.state, p.command])).toEqual([
      [2, 0, 'S', '[kthreadd]'],
      [3, 2, 'S', '[pool_workqueue_release]'],
      [4810, 4790, 'Ssl', 'java -Xmx1g -jar /app.jar'],
    ]);
    expect(parsePs('  PID STAT COMMAND\n  811 Ssl dockerd\n')?.[0]?.ppid).toBeUndefined();
  });

  it("reads the step's fallbacks: etime's [[dd-]hh:]mm:ss where procps has no etimes, and BusyBox's columns", () => {
    const etime = [
      '  PID  PPID STAT     ELAPSED WCHAN                            COMMAND',
      '    2     0 S       02:15:49 kthreadd                         [kthreadd]',
      ' 8562     1 Dl    3-04:05:06 xfs_ail_push_all_sync            /usr/bin/dockerd-current',
      '   99    98 R          00:01 -                                ps -eo pid,ppid,stat,etime,wchan:32,args',
    ].join('\n');
    expect(parsePs(etime)?.map((p) => [p.pid, p.ppid, p.elapsedSeconds, p.wchan])).toEqual([
      [2, 0, 2 * 3600 + 15 * 60 + 49, 'kthreadd'],
      [8562, 1, 3 * 86400 + 4 * 3600 + 5 * 60 + 6, 'xfs_ail_push_all_sync'],
      [99, 98, 1, undefined],
    ]);
    // BusyBox 1.35's ps -eo pid,ppid,stat,args
    const busybox = ['PID   PPID  STAT COMMAND', '    1     0 S    sleep 3600', '    2     0 SW   [kthreadd]', '   10     0 R    {ps} sh -c ps -eo pid,ppid,stat,args'].join('\n');
    expect(parsePs(busybox)?.map((p) => [p.pid, p.ppid, p.state, p.command])).toEqual([
      [1, 0, 'S', 'sleep 3600'],
      [2, 0, 'SW', '[kthreadd]'],
      [10, 0, 'R', '{ps} sh -c ps -eo pid,ppid,stat,args'],
    ]);
  });

  it('reads ps aux as CentOS 6 prints it', () => {
    const text = [
      'USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
      'root      2788 14.8  1.0 46113420 1382412 ?        Dsl   2015 48231:55 /usr/bin/docker -d --storage-opt dm.basesize=100G',
      'root    188911  0.0  0.0      0     0 ?        D    Feb17   0:46 [jbd2/dm-17-8]',
    ].join('\n');
    expect(parsePs(text)?.map((p) => [p.pid, p.state, p.command])).toEqual([
      [2788, 'Dsl', '/usr/bin/docker -d --storage-opt dm.basesize=100G'],
      [188911, 'D', '[jbd2/dm-17-8]'],
    ]);
  });

  it('reads a layout whose command column is not the last one (ps -eLo ...,comm,state,wchan)', () => {
    const text = [
      '    PID     TID    PPID USER        COMMAND         S WCHAN',
      '   8521    8521       2 root        xfsaild/loop0   D io_schedule',
      '    900     901       1 root        Web Content     D futex_wait',
    ].join('\n');
    expect(parsePs(text)?.map((p) => [p.pid, p.command, p.state, p.wchan])).toEqual([
      [8521, 'xfsaild/loop0', 'D', 'io_schedule'],
      [900, 'Web Content', 'D', 'futex_wait'],
    ]);
  });

  it('reads ps axf without the process tree it draws in front of each command', () => {
    // rows of concourse/concourse#1285
    const text = [
      '  PID TTY      STAT   TIME COMMAND',
      ' 2726 ?        D      4:38  \\_ [btrfs-transacti]',
      '  381 pts/0    D+     0:00      |       |   |           \\_ cp web/bundles/hyspafrontend/css/picons.css web/bundles/hyspafrontend/css/picons.css.tmp',
      '  457 ?        D      0:00      |       |   |       \\_ /bin/bash /opt/resource/check',
    ].join('\n');
    expect(parsePs(text)?.map((p) => [p.pid, p.state, p.command])).toEqual([
      [2726, 'D', '[btrfs-transacti]'],
      [381, 'D+', 'cp web/bundles/hyspafrontend/css/picons.css web/bundles/hyspafrontend/css/picons.css.tmp'],
      [457, 'D', '/bin/bash /opt/resource/check'],
    ]);
  });

  it("reads top -b's task list below its summary lines", () => {
    // concourse/concourse#1035
    const text = [
      'top - 18:25:22 up 13 days, 15:17,  1 user,  load average: 170.00, 170.00, 168.03',
      'Tasks: 294 total,   1 running, 285 sleeping,   0 stopped,   8 zombie',
      '',
      '    PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND',
      '   5689 root      10 -10 5224752  32920   3900 D   0.0  0.1 177:23.03 baggageclaim',
      '  18947 root      10 -10       0      0      0 D   0.0  0.0   0:00.15 runc:[2:INIT]',
    ].join('\n');
    expect(parsePs(text)?.map((p) => [p.pid, p.state, p.command, p.lineNumber])).toEqual([
      [5689, 'D', 'baggageclaim', 5],
      [18947, 'D', 'runc:[2:INIT]', 6],
    ]);
  });

  it('returns null without a ps header', () => {
    expect(parsePs('bash: ps: command not found')).toBeNull();
  });
});

describe('buildSystemFacts', () => {
  it('keeps processes null when ps was not collected, and fills what was', () => {
    const facts = buildSystemFacts(bundleFromRecord({ nproc: '2\n', uptime: ' up 1 day, load average: 9.00, 1.00, 1.00', meminfo: 'MemTotal: 2048 kB\n' }));
    expect(facts).toMatchObject({ processes: null, cpuCount: 2, memTotalKb: 2048, load: { one: 9, line: { spec: 'uptime', line: 1 } } });
  });
});
