import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { classifyFrames, classifyWaitChannel } from '../../../../src/analysis/rules/kernel/blocked-io.js';
import { remediationsFor } from '../../../../src/remediation/plan-from-playbook.js';
import { loadPlaybooks } from '../../../../src/playbooks/index.js';
import { bundleFromRecord, reportProblems } from '../../../../src/domain/index.js';

const NOW = new Date('2026-11-21T00:00:00Z');

describe('blocked I/O by its kernel stack', () => {
  // Frame names as the kernel prints them in hung-task traces of public reports: NFS clients
  // (raspberrypi/linux#2482: nfs_file_fsync), jbd2 (logrotate#232), XFS (nixpkgs#144787), nfsd (openzfs/zfs#2828).
  it.each([
    [['rpc_wait_bit_killable', '__rpc_execute', 'rpc_run_task', 'nfs4_call_sync_sequence'], 'nfs'],
    [['io_schedule', 'wait_on_page_bit', '__filemap_fdatawait_range', 'filemap_write_and_wait_range', 'nfs_file_fsync'], 'nfs'],
    [['jbd2_log_wait_commit', 'jbd2_complete_transaction', 'ext4_sync_file'], 'jbd2'],
    [['__wait_for_common', 'flush_work', 'xlog_cil_force_lsn'], 'xfs'],
    [['dm_thin_find_block', 'thin_map'], 'dm-thin'],
    // ZFS under an NFS server (openzfs/zfs#4923: nfsd and txg_sync in D), an fsync through the ZIL
    [['cv_wait_common', '__cv_wait', 'txg_wait_synced', 'zil_commit', 'zfs_fsync', 'nfsd_commit', 'svc_process'], 'zfs'],
    [['txg_sync'], 'zfs'],
    // btrfs (concourse#1285 and #1035: btrfs-transacti in D beside the workers' processes)
    [['wait_current_trans', 'start_transaction', 'btrfs_start_transaction', 'btrfs_create'], 'btrfs'],
    [['btrfs-transacti'], 'btrfs'],
    [['io_schedule', 'blk_mq_get_tag', 'submit_bio'], 'block'],
    [['__refrigerator', 'get_signal'], 'freezer'],
    [['__mutex_lock_slowpath', 'mutex_lock', 'nfs4_lock_state', 'nfsd4_renew', 'svc_process'], 'unknown'],
    // network device teardown (moby#44552: dockerd in unregister_netdevice_many; a namespace
    // created while the rtnl lock is held waits in copy_net_ns < rtnl_lock)
    [['__flush_work', 'rollback_registered_many', 'unregister_netdevice_many'], 'netdev'],
    [['__mutex_lock_slowpath', 'mutex_lock', 'rtnl_lock', 'copy_net_ns'], 'netdev'],
    // a FUSE daemon that read a request and never answered: kernel 6.x (a stopped sftp-server under
    // sshfs, made real in test/integration/real-fuse-hang.test.ts) and 3.10 (lxc/lxcfs#185)
    [['request_wait_answer', '__fuse_simple_request', 'fuse_lookup_name', 'fuse_lookup', '__lookup_slow'], 'fuse'],
    [['__fuse_request_send', 'fuse_request_send', 'fuse_flush', 'filp_close'], 'fuse'],
    // a write waiting for the lock only a freeze holds: kernel 6.18 here (touch on an XFS left
    // frozen by fsfreeze -f), and sb_start_write where it is not inlined; a percpu rwsem alone is
    // not a freeze (cgroup migration waits on one too)
    [['percpu_rwsem_wait', '__percpu_down_read', 'mnt_want_write', 'path_openat', 'do_filp_open'], 'fs-frozen'],
    [['percpu_rwsem_wait', '__percpu_down_read', '__sb_start_write', 'xfs_file_buffered_write', 'xfs_file_write_iter'], 'fs-frozen'],
    [['percpu_rwsem_wait', '__percpu_down_read', 'cgroup_procs_write_start'], 'unknown'],
    [[], 'unknown'],
  ])('%j is %s', (frames, cls) => {
    expect(classifyFrames(frames)).toBe(cls);
  });

  // A D-state process's wait channel. A frozen task on kernel 6.x shows D where it slept
  // interruptibly (a paused container's sleep in hrtimer_nanosleep, captured in
  // test/fixtures/incidents/debian12-docker20-paused-container); an I/O wait names its layer.
  it.each([
    ['hrtimer_nanosleep', 'freezer'],
    ['futex_wait_queue', 'freezer'],
    ['ep_poll', 'freezer'],
    ['anon_pipe_read', 'freezer'],
    ['__refrigerator', 'freezer'],
    ['rpc_wait_bit_killable', 'nfs'],
    ['jbd2_log_wait_commit', 'jbd2'],
    ['io_schedule', 'block'],
    ['request_wait_answer', 'fuse'],
    ['msleep', 'unknown'],
    ['-', 'unknown'],
    [undefined, 'unknown'],
  ])('a D-state process waiting in %s is %s', (wchan, cls) => {
    expect(classifyWaitChannel(wchan)).toBe(cls);
  });

  it('puts a hung task that ps lists in another state under Earlier, and keeps one ps lists in D or does not list (a thread)', () => {
    const dmesg = ['[ 2235.425149] INFO: task stat:10544 blocked for more than 3 seconds.', '[ 2235.426316]  request_wait_answer+0x1d8/0x280', '[ 2236.425149] INFO: task stat:12898 blocked for more than 3 seconds.', '[ 2236.426316]  request_wait_answer+0x1d8/0x280', '[ 2237.425149] INFO: task dockerd:8562 blocked for more than 3 seconds.', '[ 2237.426316]  request_wait_answer+0x1d8/0x280'].join('\n');
    const ps = ['  PID STAT ELAPSED WCHAN                            COMMAND', '10544 S         900 do_sys_poll                      stat /mnt/x', '12898 D         600 request_wait_answer              stat /mnt/gone', '  811 Ssl      9000 futex_wait_queue                 /usr/bin/dockerd'].join('\n');
    const report = analyze(bundleFromRecord({ dmesg: `${dmesg}\n`, ps: `${ps}\n` }, { host: 'h', collected_at: NOW.toISOString() }), { now: NOW });
    const hung = report.findings.filter((f) => f.code === 'HUNG_TASK').map((f) => [f.data?.['pids'], f.earlier ?? 'current']);
    expect(hung).toEqual(expect.arrayContaining([['12898', 'current'], ['8562', 'current'], ['10544', 'no longer blocked: ps lists its pids in another state']]));
    expect(hung).toHaveLength(3);
  });

  describe('with the threads in D listed (blocked_threads)', () => {
    // dockerd's hung thread 8562 is not a process, so ps -e cannot tell; the listing of threads can.
    // Its report is three days old: the kernel stops reporting a task after hung_task_warnings (10).
    const dmesg = ['[ 2235.425149] INFO: task stat:12898 blocked for more than 122 seconds.', '[ 2235.426310] Call Trace:', '[ 2235.426316]  request_wait_answer+0x1d8/0x280', '[ 2237.425149] INFO: task dockerd:8562 blocked for more than 122 seconds.', '[ 2237.426310] Call Trace:', '[ 2237.426316]  request_wait_answer+0x1d8/0x280', ''].join('\n');
    const ps = '  PID STAT ELAPSED WCHAN                            COMMAND\n  811 Ssl    300000 futex_wait_queue                 /usr/bin/dockerd\n';
    const uptime = '261000.00 500000.00\n 00:00:00 up 3 days, 0:30,  1 user,  load average: 0.00, 0.00, 0.00\n';
    const threads = (rows: string) => `    PID     LWP STAT WCHAN                            COMMAND\n${rows}`;
    const hungOf = (blocked_threads: string, steps = {}) =>
      analyze(bundleFromRecord({ dmesg, ps, uptime, blocked_threads }, { host: 'h', collected_at: NOW.toISOString(), steps }), { now: NOW })
        .findings.filter((f) => f.code === 'HUNG_TASK')
        .map((f) => ({ task: f.subject, title: f.title, earlier: f.earlier ?? 'current', now: f.data?.['blocked_now'], evidence: f.evidence.map((e) => e.text) }));

    it('keeps a task the listing shows in D current, however old its report, and quotes its row', () => {
      const row = '    811    8562 Dsl  request_wait_answer              dockerd';
      const hung = hungOf(threads(`${row}\n`));
      expect(hung.find((h) => h.task === 'dockerd')).toMatchObject({ earlier: 'current', now: true });
      expect(hung.find((h) => h.task === 'dockerd')?.evidence).toContain(row);
      expect(hung.find((h) => h.task === 'dockerd')?.title).toMatch(/^dockerd \(thread 8562 of pid 811\) blocked for more than 122 s .*; still in D state$/);
      expect(hung.find((h) => h.task === 'stat')?.title).not.toContain('still in D state');
      expect(hung.find((h) => h.task === 'stat')).toMatchObject({ earlier: 'no longer blocked: none of its threads is in D state now', now: false });
    });

    it('puts a task missing from the listing under Earlier, a thread of a listed process as well', () => {
      const hung = hungOf(threads(''));
      expect(hung.map((h) => [h.task, h.earlier])).toEqual(expect.arrayContaining([['dockerd', 'no longer blocked: none of its threads is in D state now'], ['stat', 'no longer blocked: none of its threads is in D state now']]));
    });

    it('without an answer (BusyBox ps has no -L: no header), decides as before: an old report is history, a thread ps cannot see is not over', () => {
      const hung = hungOf('', { blocked_threads: { exit: 0, timed_out: false, duration_ms: 5 } });
      expect(hung.map((h) => [h.task, h.now])).toEqual(expect.arrayContaining([['dockerd', undefined], ['stat', undefined]]));
      expect(hung.every((h) => /^last seen 2 days before collection/.test(h.earlier))).toBe(true);
    });

    it('reads sosreport\'s ps -elfL, every thread with its S column, keeping those in D', () => {
      // procps ps -elfL header; rows as it prints them
      const sos = [
        'F S UID          PID    PPID     LWP  C NLWP PRI  NI ADDR SZ WCHAN  STIME TTY          TIME CMD',
        '4 S root         811       1     811  0   40  80   0 - 412345 futex_ Dec03 ?       00:10:12 /usr/bin/dockerd -H fd://',
        '1 D root         811       1    8562  0   40  80   0 - 412345 reques Dec03 ?       00:00:03 /usr/bin/dockerd -H fd://',
        '',
      ].join('\n');
      const hung = hungOf(sos);
      expect(hung.find((h) => h.task === 'dockerd')).toMatchObject({ earlier: 'current', now: true });
      expect(hung.find((h) => h.task === 'stat')?.now).toBe(false);
    });
  });

  // Kernel message formats: hung_task.c ("INFO: task %s:%d blocked for more than %ld seconds."),
  // fs/nfs ("nfs: server %s not responding, still trying"), df -PT.
  const nfsHost = bundleFromRecord(
    {
      dmesg: [
        '[ 6066.656127] nfs: server files.example.org not responding, still trying',
        '[ 6120.052092] INFO: task dockerd:2138 blocked for more than 120 seconds.',
        '[ 6120.052228] Call Trace:',
        '[ 6120.052258]  [<ffffffff81531ddf>] schedule+0x2f/0x70',
        '[ 6120.052259]  [<ffffffff8153483a>] rpc_wait_bit_killable+0x24/0xb0 [sunrpc]',
        '[ 6120.052260]  [<ffffffff8153483b>] __rpc_execute+0x1ab/0x430 [sunrpc]',
        '[ 6120.052261]  [<ffffffff8153483c>] nfs4_proc_getattr+0x70/0x90 [nfsv4]',
        '',
      ].join('\n'),
      df: 'Filesystem Type 1024-blocks Used Available Capacity Mounted on\nfiles.example.org:/export nfs4 1000000 10 999990 1% /mnt/shared\n',
      ps: '  PID STAT ELAPSED WCHAN                            COMMAND\n 2138 Dsl     900 rpc_wait_bit_killable            /usr/bin/dockerd -H fd://\n',
    },
    { host: 'h', steps: { docker_info: { exit: null, timed_out: true, duration_ms: 10000 }, docker_ps: { exit: null, timed_out: true, duration_ms: 10000 } } },
  );

  it('names the NFS server and mount, the soft/timeo options, and that restarting dockerd will not help', () => {
    const report = analyze(nfsHost, { now: NOW });
    const hung = report.findings.find((f) => f.code === 'HUNG_TASK');
    expect(hung?.title).toContain('waiting on NFS server files.example.org (sunrpc)');
    const fix = hung?.fixes.map((f) => `${f.title} ${f.detail ?? ''}`).join(' ') ?? '';
    expect(fix).toContain('/mnt/shared from files.example.org:/export');
    expect(fix).toMatch(/soft.*timeo/);
    expect(fix).toContain('Restarting dockerd will not help');
    expect(fix).not.toMatch(/thin pool|Redis|devicemapper/);
    const daemon = report.findings.find((f) => f.code === 'DOCKERD_UNRESPONSIVE');
    expect(daemon?.title).toContain('blocked in the kernel');
    expect(daemon?.fixes.flatMap((f) => f.commands ?? [])).not.toContain('systemctl restart docker');
    expect(daemon?.will_not_help).toEqual(['systemctl restart docker']);
  });

  it('reads the NFS mount from mountinfo when df hung on it: its hard/timeo options, and commands for that mount', () => {
    const files = Object.fromEntries(['dmesg', 'ps'].map((spec) => [spec, nfsHost.files.get(spec) as string]));
    const report = analyze(
      bundleFromRecord(
        {
          ...files,
          mountinfo: [
            '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
            '88 27 0:61 / /mnt/shared rw,relatime shared:40 - nfs4 files.example.org:/export rw,vers=4.2,rsize=1048576,hard,proto=tcp,timeo=600,retrans=2,sec=sys',
            '',
          ].join('\n'),
        },
        { host: 'h', steps: { df: { exit: null, timed_out: true, duration_ms: 10000 } } },
      ),
      { now: NOW },
    );
    const hung = report.findings.find((f) => f.code === 'HUNG_TASK');
    const fix = hung?.fixes[0];
    expect(fix?.title).toContain('/mnt/shared from files.example.org:/export, hard timeo=600 retrans=2');
    expect(fix?.commands).toContain('umount -f -l /mnt/shared');
    expect(fix?.commands).not.toContain('umount -f -l <mount>');
    // the kernel refuses a remount that changes hard/soft, timeo or retrans (nfs_compare_remount_data):
    // they are given to a new mount of the same share, as the kernel's table names it
    expect(fix?.commands?.some((c) => c.includes('remount'))).toBe(false);
    expect(fix?.commands).toContain('mount -t nfs4 -o soft,timeo=100,retrans=3 files.example.org:/export /mnt/shared');
    expect(fix?.commands?.indexOf('umount -f -l /mnt/shared')).toBeLessThan(fix?.commands?.indexOf('mount -t nfs4 -o soft,timeo=100,retrans=3 files.example.org:/export /mnt/shared') ?? -1);
    expect(hung?.evidence.map((e) => e.spec)).toContain('mountinfo');
  });

  it('offers no restart of a daemon its own finding says is stuck in the kernel', async () => {
    const playbooks = await loadPlaybooks(new URL('../../../../playbooks/', import.meta.url).pathname);
    const daemon = analyze(nfsHost, { now: NOW }).findings.find((f) => f.code === 'DOCKERD_UNRESPONSIVE');
    if (!daemon) throw new Error('no DOCKERD_UNRESPONSIVE');
    expect(remediationsFor(daemon, playbooks).map((o) => o.remediation.id)).not.toContain('restart_docker');
    const { will_not_help: _, ...plain } = daemon;
    expect(remediationsFor(plain, playbooks).map((o) => o.remediation.id)).toContain('restart_docker');
  });
});

describe('fixes built from shared parts', () => {
  it('give each command once in a finding', () => {
    // ps -A -o state,pid,comm: five tasks in D with no wait channel, so the class is unknown and its
    // advice repeats the D-state listing the pile-up's own fix already gives
    const ps = ['S   PID COMMAND', ...[11, 12, 13, 14, 15].map((pid) => `D ${pid} worker`), ''].join('\n');
    const report = analyze(bundleFromRecord({ ps }, { host: 'h' }), { now: NOW });
    const pileup = report.findings.find((f) => f.code === 'D_STATE_PILEUP');
    const commands = pileup?.fixes.flatMap((f) => f.commands ?? []) ?? [];
    expect(commands.length).toBeGreaterThan(2);
    expect(commands).toEqual([...new Set(commands)]);
  });
});

describe('a task waiting on a FUSE daemon', () => {
  // hung_task.c's report of a stat on an sshfs mount whose sftp-server is stopped (kernel 6.18,
  // made real in test/integration/real-fuse-hang.test.ts), with the mounts in mountinfo's shape
  const dmesg = ['[ 2235.425149] INFO: task stat:12898 blocked for more than 122 seconds.', '[ 2235.426310] Call Trace:', '[ 2235.426312]  <TASK>', '[ 2235.426316]  request_wait_answer+0x1d8/0x280', '[ 2235.426320]  __fuse_simple_request+0xd4/0x2b0', ''].join('\n');
  const ps = '  PID STAT ELAPSED WCHAN                            COMMAND\n12898 D         600 request_wait_answer              stat /mnt/remote copy\n';
  const sshfs = '112 27 0:52 / /mnt/remote\\040copy rw,nosuid,nodev,relatime - fuse.sshfs me@files.example.org:/srv rw,user_id=0,group_id=0';
  const lxcfs = '98 27 0:47 / /var/lib/lxcfs rw,nosuid,nodev,relatime shared:41 - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other';
  const hungOn = (mountinfo: string) => analyze(bundleFromRecord({ dmesg, ps, mountinfo }, { host: 'h' }), { now: NOW }).findings.find((f) => f.code === 'HUNG_TASK');

  it('with one FUSE mount, names it and its daemon, and aborts that connection', () => {
    const hung = hungOn(`${sshfs}\n`);
    expect(hung?.title).toContain('waiting on the daemon of FUSE mount /mnt/remote copy (sshfs me@files.example.org:/srv)');
    expect(hung?.evidence.map((e) => e.text)).toContain(sshfs);
    const commands = hung?.fixes.flatMap((f) => f.commands ?? []) ?? [];
    expect(commands).toContain('echo 1 > /sys/fs/fuse/connections/52/abort');
    expect(commands).toContain("umount -l '/mnt/remote copy'");
    expect(commands).toContain('ps -o pid,stat,wchan:32,args -p "$(pgrep -d, -x sshfs)"');
    expect(commands.join('\n')).not.toContain('<N>');
  });

  it('with several, lists them all and says which number is which mount', () => {
    const hung = hungOn(`${lxcfs}\n${sshfs}\n`);
    expect(hung?.title).toContain('waiting on the user-space daemon of a FUSE filesystem');
    const [find, abort] = hung?.fixes ?? [];
    expect(find?.title).toContain('one of /var/lib/lxcfs (lxcfs), /mnt/remote copy (sshfs me@files.example.org:/srv)');
    expect(find?.commands).toContain('ps -o pid,stat,wchan:32,args -p "$(pgrep -d, -x \'lxcfs|sshfs\')"');
    expect(abort?.detail).toContain('47 is /var/lib/lxcfs, 52 is /mnt/remote copy');
    expect(abort?.commands).toEqual(expect.arrayContaining(['echo 1 > /sys/fs/fuse/connections/47/abort', 'echo 1 > /sys/fs/fuse/connections/52/abort']));
  });

  it("with several, names the one whose connection has requests waiting (fuse_connections), and aborts only that one", () => {
    const fusectl = '30 22 0:26 / /sys/fs/fuse/connections rw,nosuid,nodev,noexec,relatime shared:13 - fusectl fusectl rw';
    const fuse_connections = '/sys/fs/fuse/connections/47/waiting:0\n/sys/fs/fuse/connections/52/waiting:7\n';
    const report = analyze(bundleFromRecord({ dmesg, ps, mountinfo: `${fusectl}\n${lxcfs}\n${sshfs}\n`, fuse_connections }, { host: 'h' }), { now: NOW });
    const hung = report.findings.find((f) => f.code === 'HUNG_TASK');
    expect(hung?.title).toContain('waiting on the daemon of FUSE mount /mnt/remote copy (sshfs me@files.example.org:/srv)');
    expect(hung?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([sshfs, '/sys/fs/fuse/connections/52/waiting:7']));
    const [find, abort] = hung?.fixes ?? [];
    expect(find?.detail).toContain('Connection 52 (/mnt/remote copy) had 7 requests waiting on its daemon when this was collected.');
    expect(abort?.commands).toEqual(['echo 1 > /sys/fs/fuse/connections/52/abort', "umount -l '/mnt/remote copy'"]);
    // the same listing where fusectl is not mounted says nothing: all mounts stay candidates
    const unmounted = analyze(bundleFromRecord({ dmesg, ps, mountinfo: `${lxcfs}\n${sshfs}\n`, fuse_connections: '' }, { host: 'h' }), { now: NOW });
    expect(unmounted.findings.find((f) => f.code === 'HUNG_TASK')?.title).toContain('waiting on the user-space daemon of a FUSE filesystem');
  });

  it('without mountinfo, tells how to find the mount', () => {
    const report = analyze(bundleFromRecord({ dmesg, ps }, { host: 'h' }), { now: NOW });
    const commands = report.findings.find((f) => f.code === 'HUNG_TASK')?.fixes.flatMap((f) => f.commands ?? []) ?? [];
    expect(commands).toEqual(expect.arrayContaining(["grep ' - fuse' /proc/self/mountinfo", 'echo 1 > /sys/fs/fuse/connections/<N>/abort']));
  });

  it('names no mount for a task that is over: the mount it waited on may be gone, and one mounted since is another', () => {
    const freed = '  PID STAT ELAPSED WCHAN                            COMMAND\n12898 S         600 do_sys_poll                      stat /mnt/remote copy\n';
    const hung = analyze(bundleFromRecord({ dmesg, ps: freed, mountinfo: `${sshfs}\n` }, { host: 'h' }), { now: NOW }).findings.find((f) => f.code === 'HUNG_TASK');
    expect(hung?.earlier).toBe('no longer blocked: ps lists its pids in another state');
    expect(hung?.title).toContain('waiting on the user-space daemon of a FUSE filesystem');
    expect(JSON.stringify(hung)).not.toContain('/mnt/remote copy (sshfs');
    expect(hung?.fixes.flatMap((f) => f.commands ?? [])).not.toContain('echo 1 > /sys/fs/fuse/connections/52/abort');
  });
});

describe('a task waiting on a frozen filesystem', () => {
  // kernel 6.18 here: touch on an XFS frozen with fsfreeze -f, which the kernel then reported for 20 minutes
  const FROZEN = [
    '[ 1934.561982] INFO: task touch:15963 blocked for more than 1087 seconds.',
    '[ 1934.563420]       Not tainted 6.18.44-fc-v1300 #1',
    '[ 1934.564408] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    '[ 1934.566030] task:touch           state:D stack:0     pid:15963 tgid:15963 ppid:15927  task_flags:0x400000 flags:0x00080003',
    '[ 1934.566035] Call Trace:',
    '[ 1934.566037]  <TASK>',
    '[ 1934.566057]  __schedule+0x3dc/0xf60',
    '[ 1934.566270]  schedule+0x23/0xa0',
    '[ 1934.566273]  percpu_rwsem_wait+0x15f/0x1d0',
    '[ 1934.566281]  ? __pfx_percpu_rwsem_wake_function+0x10/0x10',
    '[ 1934.566284]  __percpu_down_read+0x88/0x150',
    '[ 1934.566288]  mnt_want_write+0x96/0xc0',
    '[ 1934.566423]  path_openat+0x4cc/0x1320',
    '[ 1934.566431]  do_filp_open+0x106/0x1c0',
    '[ 1934.566505]  </TASK>',
    '',
  ].join('\n');
  // and an ext4 on a loop device that failed its writes a little before
  const IO = '[ 1900.000001] Buffer I/O error on dev loop1, logical block 8451, lost async page write\n';

  it('says it waits for a thaw, tells how to thaw and what froze it, and is not put down to failing storage', () => {
    const report = analyze(bundleFromRecord({ dmesg: `${IO}${FROZEN}`, uptime: '2000.00 100.00\n' }, { host: 'h', collected_at: '2026-01-01T00:00:00Z' }), { now: new Date('2026-01-01T00:00:00Z') });
    const hung = report.findings.find((f) => f.code === 'HUNG_TASK');
    expect(hung?.title).toBe('touch (pid 15963) blocked for more than 1087 s in percpu_rwsem_wait < __percpu_down_read < mnt_want_write, waiting for a frozen filesystem to be thawed (fsfreeze)');
    expect(hung?.data?.['io_class']).toBe('fs-frozen');
    expect(hung?.fixes[0]?.title).toBe("Thaw the frozen filesystem (fsfreeze -u), and find what froze it: a backup or snapshot job, or the hypervisor's guest agent");
    expect(hung?.fixes[0]?.commands).toContain('fsfreeze -u <mount>');
    // the loop device's errors explain nothing of it: two problems
    const problems = reportProblems(report);
    expect(problems.map((p) => p.code).sort()).toEqual(['FS_IO_ERROR', 'HUNG_TASK']);
    expect(problems.find((p) => p.code === 'FS_IO_ERROR')?.explains).toEqual(['FS_IO_ERROR']);
  });
});
