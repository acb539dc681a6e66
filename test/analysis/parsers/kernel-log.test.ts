import { describe, expect, it } from 'vitest';
import { buildKernelFacts } from '../../../src/analysis/facts/kernel.js';
import { containerIdOfCgroup, parseKernelLog } from '../../../src/analysis/parsers/kernel-log.js';
import { bundleFromRecord } from '../../../src/domain/index.js';

const ID = '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60';

const HUNG_BODY = [
  'INFO: task jbd2/dm-20-8:198571 blocked for more than 120 seconds.',
  '      Not tainted 2.6.32-431.29.2.el6.x86_64 #1',
  '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
  'jbd2/dm-20-8  D 0000000000000009     0 198571      2 0x00000080',
  'Call Trace:',
  ' [<ffffffffa000169d>] ? __map_bio+0xad/0x140 [dm_mod]',
  ' [<ffffffff81529c73>] io_schedule+0x73/0xc0',
  ' [<ffffffffa00c5e59>] jbd2_journal_commit_transaction+0x7e9/0x1500 [jbd2]',
  ' [<ffffffffa00cba48>] kjournald2+0xb8/0x220 [jbd2]',
  'EXT4-fs (dm-3): mounted filesystem with ordered data mode. Opts: (null)',
];

/** The same kernel lines under each prefix the kernel log can carry. */
const PREFIXES: Record<string, (i: number) => string> = {
  'raw dmesg': (i) => `[${1554 + i}.834403] `,
  'raw dmesg with padded seconds': (i) => `[  ${10 + i}.000001] `,
  'dmesg -T': (i) => `[Sat Aug 26 10:21:${String(10 + i).padStart(2, '0')} 2017] `,
  syslog: () => 'Aug 25 18:21:35 test-a3-60-17 kernel: ',
  'syslog with a kernel timestamp': (i) => `Dec  1 10:41:47 test-a1-60-36 kernel: [${6 + i}.112000] `,
  'ISO 8601 journalctl -k': () => '2017-08-25T18:21:35+0800 test-a3-60-17 kernel: ',
  'an IRC nick': (i) => `<caiqian> [ ${1560 + i}.557408] `,
  'no prefix (CentOS 6 dmesg)': () => '',
};

describe('parseKernelLog', () => {
  for (const [format, prefix] of Object.entries(PREFIXES)) {
    it(`reads a hung task, its pid and its reliable frames from ${format} lines`, () => {
      const text = HUNG_BODY.map((l, i) => prefix(i) + l).join('\n');
      const { hungTasks } = parseKernelLog(text, 'dmesg');
      expect(hungTasks).toHaveLength(1);
      expect(hungTasks[0]).toMatchObject({
        name: 'jbd2/dm-20-8',
        pid: 198571,
        blockedSeconds: 120,
        frames: ['io_schedule', 'jbd2_journal_commit_transaction', 'kjournald2'],
      });
      expect(hungTasks[0]?.evidence[0]?.line).toBe(1);
      expect(hungTasks[0]?.frameLines.map((l) => l.line)).toEqual([7, 8, 9]);
    });
  }

  it('keeps the longest wait of a task the kernel reports again, with the line that says it', () => {
    const text = ['[ 2235.425149] INFO: task stat:10544 blocked for more than 3 seconds.', '[ 2238.497150] INFO: task stat:10544 blocked for more than 6 seconds.', '[ 2241.573185] INFO: task stat:10544 blocked for more than 9 seconds.'].join('\n');
    const [task, ...rest] = parseKernelLog(text).hungTasks;
    expect(rest).toEqual([]);
    expect([task?.blockedSeconds, task?.occurrences, task?.evidence.map((e) => e.line)]).toEqual([9, 3, [1, 3]]);
  });

  it('keeps a task name that holds colons (flush-253:20) apart from its pid', () => {
    const { hungTasks } = parseKernelLog('INFO: task flush-253:20:198640 blocked for more than 120 seconds.\n');
    expect(hungTasks.map((t) => [t.name, t.pid])).toEqual([['flush-253:20', 198640]]);
  });

  it('skips other programs\' syslog lines that interleave with a call trace', () => {
    const text = [
      'May 15 21:58:11 liubei kernel: INFO: task dockerd-current:8562 blocked for more than 120 seconds.',
      'May 15 21:58:11 liubei kernel: Call Trace:',
      'May 15 21:58:11 liubei systemd: Started Session 1 of user root.',
      'May 15 21:58:11 liubei kernel: [<ffffffffa02debb1>] xfs_ail_push_all_sync+0xc1/0x110 [xfs]',
    ].join('\n');
    expect(parseKernelLog(text, 'messages').hungTasks[0]?.frames).toEqual(['xfs_ail_push_all_sync']);
  });

  it('names the killed pid from "Killed process", not from "Kill process" (old memcg format)', () => {
    const text = [
      '[5713722.102507] java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0',
      '[5713722.102794] Call Trace:',
      '[5713722.102958]  [<ffffffff8118476e>] oom_kill_process+0x24e/0x3c0',
      '[5713722.103081]  [<ffffffff81184ff4>] pagefault_out_of_memory+0x14/0x90',
      `[5713722.103368] Task in /docker/${ID} killed as a result of limit of /docker/${ID}`,
      '[5713722.103409] memory: usage 4194304kB, limit 4194304kB, failcnt 25581',
      '[5713722.103410] memory+swap: usage 4194304kB, limit 8388608kB, failcnt 0',
      '[5713722.103655] Memory cgroup out of memory: Kill process 76756 (java) score 1001 or sacrifice child',
      '[5713722.103696] Killed process 76513 (java) total-vm:26212772kB, anon-rss:4189536kB, file-rss:0kB',
    ].join('\n');
    const { oomKills } = parseKernelLog(text);
    expect(oomKills).toEqual([
      expect.objectContaining({ kind: 'memcg', pid: 76513, process: 'java', containerId: ID, limitKb: 4194304, usageKb: 4194304 }),
    ]);
    expect(oomKills[0]?.evidence.map((l) => l.line)).toEqual([1, 5, 6, 8, 9]);
  });

  it('reads the new oom-kill format with a systemd docker-ID.scope cgroup', () => {
    const text = [
      'Aug 25 18:21:35 h kernel: java invoked oom-killer: gfp_mask=0x6000c0(GFP_KERNEL), order=0, oom_score_adj=0',
      'Aug 25 18:21:35 h kernel: memory: usage 2097152kB, limit 2097152kB, failcnt 112',
      `Aug 25 18:21:35 h kernel: oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=docker-${ID}.scope,mems_allowed=0,oom_memcg=/system.slice/docker-${ID}.scope,task_memcg=/system.slice/docker-${ID}.scope,task=java,pid=4242,uid=0`,
      'Aug 25 18:21:35 h kernel: Memory cgroup out of memory: Killed process 4242 (java) total-vm:5000000kB, anon-rss:2090000kB',
    ].join('\n');
    expect(parseKernelLog(text, 'messages').oomKills).toEqual([
      expect.objectContaining({ kind: 'memcg', pid: 4242, process: 'java', containerId: ID, limitKb: 2097152 }),
    ]);
  });

  it('tells a global OOM kill from a cgroup one, in the old and the new format', () => {
    const text = [
      '[100.1] mysqld invoked oom-killer: gfp_mask=0x201da, order=0, oom_score_adj=0',
      '[100.2] Out of memory: Kill process 1234 (mysqld) score 912 or sacrifice child',
      '[100.3] Killed process 1234 (mysqld) total-vm:9000000kB, anon-rss:8000000kB, file-rss:0kB',
      '[200.1] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=node,pid=777,uid=1000',
      '[200.2] Out of memory: Killed process 777 (node) total-vm:3000000kB, anon-rss:2500000kB',
    ].join('\n');
    const kills = parseKernelLog(text).oomKills;
    expect(kills.map((k) => [k.kind, k.pid, k.process, k.containerId])).toEqual([
      ['global', 1234, 'mysqld', undefined],
      ['global', 777, 'node', undefined],
    ]);
  });

  it('reads I/O errors with their device and filesystem, and read-only remounts', () => {
    const text = [
      '[1.0] Buffer I/O error on device dm-6, logical block 2121102',
      '[1.1] EXT4-fs warning (device dm-6): ext4_end_bio:332: I/O error -28 writing to inode 214558',
      '[1.2] XFS (dm-4): xfs_log_force: error -5 returned.',
      '[1.3] blk_update_request: I/O error, dev sdb, sector 1234',
      '[1.4] EXT4-fs (dm-6): Remounting filesystem read-only',
      '[1.5] usb 1-1: new high-speed USB device number 2 using ehci-pci',
    ].join('\n');
    const log = parseKernelLog(text);
    expect(log.ioErrors.map((e) => [e.device, e.filesystem, e.line.line])).toEqual([
      ['dm-6', undefined, 1],
      ['dm-6', 'ext4', 2],
      ['dm-4', 'xfs', 3],
      ['sdb', undefined, 4],
    ]);
    expect(log.readOnlyRemounts.map((r) => [r.device, r.line.line])).toEqual([['dm-6', 5]]);
  });

  it('folds repeated veth waits into one leak per device with the latest usage count', () => {
    const lines = [1, 1, 2, 1].map((n, i) => `[${1027605 + i * 10}.5] unregister_netdevice: waiting for veth54a2de6 to become free. Usage count = ${n}`);
    const [leak] = parseKernelLog(lines.join('\n')).vethLeaks;
    expect(leak).toMatchObject({ device: 'veth54a2de6', occurrences: 4, usageCount: 1 });
    expect(leak?.lines.map((l) => l.line)).toEqual([1, 2, 4]);
  });

  it('ignores the same words in non-kernel syslog lines', () => {
    const text = 'Aug 25 18:21:35 h java[42]: INFO: task foo:12 blocked for more than 120 seconds.\nAug 25 18:21:36 h app: Buffer I/O error on device x';
    const log = parseKernelLog(text, 'messages');
    expect([log.hungTasks.length, log.ioErrors.length]).toEqual([0, 0]);
  });

  it('counts line numbers across CRLF and blank lines', () => {
    const text = 'a\r\n\r\nb\r\n[3.0] EXT4-fs (sda1): Remounting filesystem read-only\r\n';
    const [r] = parseKernelLog(text).readOnlyRemounts;
    expect(r?.line).toEqual({ spec: 'dmesg', line: 4, text: '[3.0] EXT4-fs (sda1): Remounting filesystem read-only' });
  });
});

describe('containerIdOfCgroup', () => {
  it('finds the container id in cgroupfs, systemd and kubepods paths, and nothing elsewhere', () => {
    expect(containerIdOfCgroup(`/docker/${ID}`)).toBe(ID);
    expect(containerIdOfCgroup(`/system.slice/docker-${ID}.scope`)).toBe(ID);
    expect(containerIdOfCgroup(`/kubepods/burstable/pod1234/${ID}`)).toBe(ID);
    expect(containerIdOfCgroup('/system.slice/mysqld.service')).toBeUndefined();
  });
});

describe('buildKernelFacts', () => {
  it('reports an event found in both dmesg and messages once', () => {
    const dmesg = [
      '[5713722.1] java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0',
      `[5713722.2] Task in /docker/${ID} killed as a result of limit of /docker/${ID}`,
      '[5713722.3] Killed process 76513 (java) total-vm:26212772kB',
      '[5713723.0] INFO: task dockerd:88 blocked for more than 120 seconds.',
      '[5713724.0] XFS (dm-4): xfs_log_force: error -5 returned.',
      '[5713725.0] EXT4-fs (dm-6): Remounting filesystem read-only',
    ].join('\n');
    const messages = dmesg.replace(/^\[[\d.]+\] /gm, 'Aug 25 18:21:35 h kernel: ');
    const facts = buildKernelFacts(bundleFromRecord({ dmesg, messages }));
    expect(facts.oomKills).toHaveLength(1);
    expect(facts.hungTasks).toHaveLength(1);
    expect(facts.ioErrors).toHaveLength(1);
    expect(facts.readOnlyRemounts).toHaveLength(1);
    expect(facts.oomKills[0]?.evidence[0]?.spec).toBe('dmesg');
  });

  it('still reports what only messages holds when dmesg has rotated', () => {
    const messages = 'Aug 25 18:21:35 h kernel: unregister_netdevice: waiting for veth1 to become free. Usage count = 1';
    const facts = buildKernelFacts(bundleFromRecord({ dmesg: '[1.0] usb 1-1: new device', messages }));
    expect(facts.vethLeaks.map((v) => [v.device, v.lines[0]?.spec])).toEqual([['veth1', 'messages']]);
  });
});

describe('parseKernelLog on other kernels and tools', () => {
  it('takes the cgroup from "Memory cgroup stats for" when the report has no "Task in" line, and keeps a comm in parentheses', () => {
    const text = [
      `[ 1.0] Memory cgroup stats for /kubepods/burstable/pod6c1/${ID}: cache:0KB rss:524288KB`,
      '[ 1.1] Memory cgroup out of memory: Kill process 9117 ((resolved)) score 1000 or sacrifice child',
      '[ 1.2] Killed process 9117 ((resolved)) total-vm:45000kB, anon-rss:1200kB, file-rss:0kB',
    ].join('\n');
    expect(parseKernelLog(text).oomKills).toMatchObject([{ kind: 'memcg', pid: 9117, process: '(resolved)', containerId: ID }]);
  });

  it('counts back-to-back summarised reports (grep kept only their summary lines) as separate kills', () => {
    const other = ID.replace(/^8/, '9');
    const text = [
      `Task in /docker/${ID} killed as a result of limit of /docker/${ID}`,
      'Memory cgroup out of memory: Kill process 101 (python) score 990 or sacrifice child',
      'Killed process 101 (python) total-vm:2000000kB, anon-rss:1000000kB, file-rss:0kB',
      `Task in /docker/${other} killed as a result of limit of /docker/${other}`,
      'Memory cgroup out of memory: Kill process 202 (python) score 990 or sacrifice child',
      'Killed process 202 (python) total-vm:2000000kB, anon-rss:1000000kB, file-rss:0kB',
    ].join('\n');
    expect(parseKernelLog(text).oomKills.map((k) => [k.pid, k.containerId])).toEqual([
      [101, ID],
      [202, other],
    ]);
  });

  it("reads XFS's capitalised \"Log I/O Error\" and medium errors, and leaves a VM's phantom floppy alone", () => {
    const text = [
      '[ 9.0] XFS (sdb1): Log I/O Error Detected. Shutting down filesystem',
      '[ 9.1] sd 2:0:0:0: [sdc] critical medium error, dev sdc, sector 1634282',
      '[ 9.2] blk_update_request: I/O error, dev fd0, sector 0',
      '[ 9.3] Buffer I/O error on dev fd0, logical block 0, async page read',
    ].join('\n');
    const log = parseKernelLog(text);
    expect(log.ioErrors.map((e) => [e.device, e.filesystem])).toEqual([
      ['sdb1', 'xfs'],
      ['sdc', undefined],
    ]);
    expect(log.ioErrorLines).toBe(2);
  });

  it("reads a thin pool running out in the kernel's words, and LVM dmeventd's fill level from syslog", () => {
    const kernel = [
      '[ 2.0] device-mapper: thin: 253:4: switching pool to out-of-data-space (queue IO) mode',
      '[ 2.1] device-mapper: space map metadata: unable to allocate new metadata block',
      "[ 2.2] device-mapper: thin: 253:5: metadata operation 'dm_thin_insert_block' failed: error = -28",
    ].join('\n');
    expect(parseKernelLog(kernel).thinPool.map((e) => [e.space, e.pool])).toEqual([
      ['data', '253:4'],
      ['metadata', undefined],
      ['metadata', '253:5'],
    ]);
    const syslog = [
      'Mar 12 11:02:24 h lvm[10316]: Monitoring thin pool dockervg-docker--pool.',
      'Mar 12 11:04:24 h lvm[18416]: WARNING: Thin pool dockervg-docker--pool data is now 92.42% full.',
      'Mar 12 11:05:24 h dmeventd[18416]: WARNING: Thin pool dockervg-docker--pool metadata is now 81.00% full.',
      'Mar 12 11:06:24 h someapp[1]: WARNING: Thin pool fake data is now 99.00% full.',
    ].join('\n');
    expect(parseKernelLog(syslog, 'messages').thinPool.map((e) => [e.space, e.pool, e.usedPct, e.line.line])).toEqual([
      ['data', 'dockervg-docker--pool', 92.42, 2],
      ['metadata', 'dockervg-docker--pool', 81, 3],
    ]);
  });
});
