import { describe, expect, it } from 'vitest';
import { fsIoErrorRule, fsReadOnlyRemountRule, fsShutdownRule } from '../../../../src/analysis/rules/kernel/filesystem-errors.js';
import { parseKernelLog } from '../../../../src/analysis/parsers/kernel-log.js';
import { smartDiskOf } from '../../../../src/analysis/rules/kernel/support.js';
import { bundleFromRecord, reportProblems, type Finding } from '../../../../src/domain/index.js';
import { analyze } from '../../../../src/analysis/index.js';
import { parseLoopDevices } from '../../../../src/analysis/parsers/loop-devices.js';
import { factsFrom, run } from '../docker/rule-harness.js';

const titles = (f: Finding | undefined) => f?.fixes.map((x) => x.title) ?? [];
const commands = (f: Finding | undefined) => f?.fixes.flatMap((x) => x.commands ?? []) ?? [];

// the kernel's lines for a failing disk under an ext4 data mount and the root filesystem
const DISK = [
  '[ 8812.331041] blk_update_request: I/O error, dev sdb, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0',
  '[ 8812.331101] Buffer I/O error on dev sdb1, logical block 0, lost sync page write',
  '[ 8812.331210] EXT4-fs (sdb1): Remounting filesystem read-only',
  '[ 8815.100301] blk_update_request: I/O error, dev nvme0n1, sector 81920 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0',
  '[ 8815.100322] EXT4-fs (nvme0n1p2): Remounting filesystem read-only',
  '',
].join('\n');
const MOUNTINFO = [
  '25 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro',
  '80 25 8:17 / /srv/data rw,relatime shared:40 - ext4 /dev/sdb1 rw',
  '',
].join('\n');

describe('filesystem error fixes follow the devices the kernel named', () => {
  it('finds the whole disk for SMART and none for device-mapper or virtual disks', () => {
    expect(['sda1', 'sdb', 'sdaa3', 'nvme0n1p2', 'nvme1n1', 'dm-6', 'vda1', 'xvdb', 'md0', 'loop3'].map(smartDiskOf)).toEqual(['sda', 'sdb', 'sdaa', 'nvme0n1', 'nvme1n1', undefined, undefined, undefined, undefined, undefined]);
  });

  it("checks the physical disks' health by name and leaves the thin pool out when no device is a thin device", () => {
    const [f] = run(fsIoErrorRule, factsFrom({ dmesg: DISK }));
    expect(commands(f)).toEqual(['smartctl -a /dev/sdb', 'smartctl -a /dev/nvme0n1', 'dmesg | grep -iE "I/O error|medium error"']);
    expect(titles(f).some((t) => t.includes('devicemapper thin devices'))).toBe(false);
  });

  it('sends I/O errors on a virtio disk to the volume behind it, not to smartctl', () => {
    const [f] = run(fsIoErrorRule, factsFrom({ dmesg: '[  401.220013] blk_update_request: I/O error, dev vda, sector 1234 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0\n' }));
    expect(titles(f)).toContain('vda is a virtual disk: check the volume behind it with the hypervisor or cloud provider');
    expect(commands(f).some((c) => c.startsWith('smartctl'))).toBe(false);
  });

  it('remounts: unmounts, checks and mounts a data filesystem where mountinfo has it, and checks the root one at the next boot', () => {
    const [f] = run(fsReadOnlyRemountRule, factsFrom({ dmesg: DISK, mountinfo: MOUNTINFO }));
    expect(titles(f)).toEqual(['Check /dev/sdb1 unmounted, then mount it again', '/dev/nvme0n1p2 is the root filesystem: check it at the next boot']);
    expect(commands(f)).toEqual(['umount /srv/data', 'fsck -y /dev/sdb1', 'mount /srv/data']);
    // on a host without systemd, its init reads /forcefsck
    const sysv = factsFrom({ dmesg: DISK, mountinfo: MOUNTINFO, journal_docker: 'No journal files were found.\n' });
    expect(run(fsReadOnlyRemountRule, sysv)[0]?.fixes.at(-1)?.commands).toEqual(['touch /forcefsck']);
  });

  it('keeps the thin pool and the container restart for devicemapper thin devices', () => {
    const thin = '[ 1001.000001] Buffer I/O error on device dm-6, logical block 2121102\n[ 1001.000002] EXT4-fs (dm-6): Remounting filesystem read-only\n';
    const [f] = run(fsReadOnlyRemountRule, factsFrom({ dmesg: thin }));
    expect(titles(f)).toEqual([
      'If these are devicemapper thin devices (dm-N), the pool is probably full: free or grow it',
      'After fixing the cause, restart the affected containers so they get writable filesystems again',
    ]);
    expect(commands(f).some((c) => c.startsWith('fsck'))).toBe(false);
  });

  it('says the thin pool is out of space, not maybe, when the writes failed with ENOSPC, and sends nobody to smartctl', () => {
    // ext4's -28 on a container's thin device (the kernel 3.10 line of a loop-lvm pool that filled)
    const enospc = [
      '[189296.933008] Buffer I/O error on device dm-6, logical block 2121102',
      '[189296.933075] EXT4-fs warning (device dm-6): ext4_end_bio:332: I/O error -28 writing to inode 214558 (offset 0 size 4096 starting block 2121870)',
      '',
    ].join('\n');
    const [f] = run(fsIoErrorRule, factsFrom({ dmesg: enospc }));
    expect(titles(f)).toEqual(['The thin pool under these devices is out of data space (the writes failed with ENOSPC): free or grow it']);
    expect(f?.data).toMatchObject({ no_space: true });
    // XFS says it in its own words (error 28), then shuts down with EIO: the pool still, not a disk
    const xfs = ['[3001.1] XFS (dm-4): metadata I/O error: block 0x1e8a40 ("xlog_iodone") error 28 numblks 64', '[3002.1] XFS (dm-4): xfs_log_force: error -5 returned.', ''].join('\n');
    expect(commands(run(fsIoErrorRule, factsFrom({ dmesg: xfs }))[0]).some((c) => c.startsWith('smartctl'))).toBe(false);
    // and the block layer's own words on kernels 4.x and later
    const block = '[ 77.1] blk_update_request: critical space allocation error, dev dm-3, sector 2048 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0\n';
    expect(titles(run(fsIoErrorRule, factsFrom({ dmesg: block }))[0])).toEqual(['The thin pool under these devices is out of data space (the writes failed with ENOSPC): free or grow it']);
  });

  it("names Docker's pool when the host runs devicemapper, and keeps the disk check only where a disk is named or failing", () => {
    const eio = '[2161742.018074] EXT4-fs warning (device dm-3): ext4_end_bio:332: I/O error -5 writing to inode 203354 (offset 0 size 4096 starting block 1847696)\n';
    const docker_info = 'Server Version: 1.13.1\nStorage Driver: devicemapper\n Pool Name: docker-253:0-1234-pool\n';
    const [f] = run(fsIoErrorRule, factsFrom({ dmesg: eio, docker_info }));
    expect(titles(f)).toEqual(["These are devicemapper thin devices of Docker's pool: check the pool first, and free or grow it if it is full"]);
    // the same on a host whose storage driver is not known: maybe a thin device, maybe a disk under LVM
    expect(titles(run(fsIoErrorRule, factsFrom({ dmesg: eio }))[0])).toEqual([
      'If these are devicemapper thin devices (dm-N), the pool is probably full: free or grow it',
      'On a physical disk, check its health before anything else and plan to replace it',
    ]);
    // a medium error under the pool is the disk's, whatever the driver
    const medium = `${eio}[2161743.1] blk_update_request: critical medium error, dev sda, sector 81920\n`;
    expect(commands(run(fsIoErrorRule, factsFrom({ dmesg: medium, docker_info }))[0])).toContain('smartctl -a /dev/sda');
  });
});

// What kernel 6.18 logged here when the tmpfs that holds a sparse 64 MiB image filled up under an
// ext4 mounted from it with errors=remount-ro (loop device, 8 MiB tmpfs, 20 MiB written)
const LOOP_FULL = [
  '[  864.465816] critical space allocation error, dev loop0, sector 55810 op 0x1:(WRITE) flags 0x800 phys_seg 12 prio class 2',
  '[  864.468537] EXT4-fs warning (device loop0): ext4_end_bio:368: I/O error 3 writing to inode 12 starting block 27905)',
  '[  864.483008] EXT4-fs (loop0): failed to convert unwritten extents to written extents -- potential data loss!  (inode 12, error -5)',
  '[  864.486173] Buffer I/O error on device loop0, logical block 22529',
  '[  865.024552] Aborting journal on device loop0-8.',
  '[  865.872909] EXT4-fs error (device loop0): ext4_journal_check_start:87: comm ext4lazyinit: Detected aborted journal',
  '[  865.875731] EXT4-fs (loop0): Remounting filesystem read-only',
  '',
].join('\n');
// ext4 of kernel 6.x marks the filesystem emergency_ro and leaves its flags rw
const LOOP_MOUNTINFO = [
  '25 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro',
  '30 25 0:40 / /var/lib/images rw,relatime shared:12 - tmpfs tmpfs rw,size=8192k',
  '46 25 7:0 / /srv/cache rw,relatime shared:30 - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro',
  '',
].join('\n');
const LOOP_DF = [
  'Filesystem     Type 1024-blocks     Used Available Capacity Mounted on',
  '/dev/nvme0n1p2 ext4    102626232 40123456  57243220      42% /',
  'tmpfs          tmpfs        8192     8192         0     100% /var/lib/images',
  '/dev/loop0     ext4        56037    20495     30956      40% /srv/cache',
  '',
].join('\n');
const LOOPS = '/sys/block/loop0/loop/backing_file:/var/lib/images/cache.img\n';
const LOOP_HOST = { dmesg: LOOP_FULL, mountinfo: LOOP_MOUNTINFO, df: LOOP_DF, loop_devices: LOOPS };

describe('errors of a loop device come from the file behind it', () => {
  it('reads the backing file of each loop device from sysfs, losetup -a and losetup -l, and marks a removed one', () => {
    expect(parseLoopDevices('/sys/block/loop0/loop/backing_file:/var/lib/images/cache.img\n/sys/block/loop3/loop/backing_file:/tmp/x.img (deleted)\n').map(({ device, backingFile, deleted }) => ({ device, backingFile, deleted }))).toEqual([
      { device: 'loop0', backingFile: '/var/lib/images/cache.img', deleted: false },
      { device: 'loop3', backingFile: '/tmp/x.img', deleted: true },
    ]);
    // losetup -a, as sosreport keeps it: the devicemapper loop-lvm pair
    expect(parseLoopDevices('/dev/loop0: [64769]:1311202 (/var/lib/docker/devicemapper/devicemapper/data)\n/dev/loop1: [64769]:1311203 (/var/lib/docker/devicemapper/devicemapper/metadata)\n').map((l) => `${l.device}=${l.backingFile}`)).toEqual([
      'loop0=/var/lib/docker/devicemapper/devicemapper/data',
      'loop1=/var/lib/docker/devicemapper/devicemapper/metadata',
    ]);
    expect(parseLoopDevices('NAME       SIZELIMIT OFFSET AUTOCLEAR RO BACK-FILE                  DIO LOG-SEC\n/dev/loop0         0      0         0  0 /var/lib/images/cache.img   0     512\n').map((l) => `${l.device}=${l.backingFile}`)).toEqual(['loop0=/var/lib/images/cache.img']);
    expect(parseLoopDevices('')).toEqual([]);
  });

  it('names the file and how full its filesystem is, sends the reader there and not to smartctl', () => {
    const [f] = run(fsIoErrorRule, factsFrom(LOOP_HOST));
    expect(f?.title).toMatch(/^kernel I\/O errors on 1 device \(loop0\) \[ext4\]: \d+ error lines; loop0 is the file \/var\/lib\/images\/cache\.img, on \/var\/lib\/images \(100 % used, 0 B free\)$/);
    const quoted = f?.evidence.map((e) => e.text) ?? [];
    expect(quoted).toEqual(expect.arrayContaining([LOOPS.trim(), expect.stringMatching(/^tmpfs\s+tmpfs\s+8192\s+8192\s+0\s+100% \/var\/lib\/images$/), expect.stringContaining('critical space allocation error, dev loop0')]));
    expect(titles(f)[0]).toBe("Free space on /var/lib/images: loop0's file cannot grow there, so every write to loop0 that needs new space fails");
    expect(commands(f)).toEqual(['df -h /var/lib/images', 'du -xh --max-depth=2 /var/lib/images | sort -h | tail -20', 'ls -ls /var/lib/images/cache.img', 'losetup -a']);
    expect(commands(f).some((c) => c.startsWith('smartctl'))).toBe(false);
  });

  it('without the file behind it, a loop device still gets the general checks', () => {
    const [f] = run(fsIoErrorRule, factsFrom({ dmesg: LOOP_FULL }));
    expect(f?.title).toMatch(/^kernel I\/O errors on 1 device \(loop0\) \[ext4\]: \d+ error lines$/);
  });

  it("says where the remounted filesystem is and whether it is still read-only, ext4's emergency_ro included", () => {
    const titleWith = (mountinfo: string, loops = LOOPS) => run(fsReadOnlyRemountRule, factsFrom({ ...LOOP_HOST, mountinfo, loop_devices: loops }))[0];
    const still = titleWith(LOOP_MOUNTINFO);
    expect(still?.title).toBe('1 filesystem remounted read-only by the kernel: loop0 on /srv/cache, still read-only');
    expect(still?.evidence.map((e) => e.text)).toContain('46 25 7:0 / /srv/cache rw,relatime shared:30 - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro');
    expect(still?.data?.['read_only_now']).toBe(true);
    // older kernels: the filesystem's own options say ro
    expect(titleWith(LOOP_MOUNTINFO.replace('rw,errors=remount-ro,emergency_ro', 'ro,errors=remount-ro'))?.title).toBe('1 filesystem remounted read-only by the kernel: loop0 on /srv/cache, still read-only');
    const again = titleWith(LOOP_MOUNTINFO.replace('rw,errors=remount-ro,emergency_ro', 'rw,errors=remount-ro'));
    expect(again?.title).toBe('1 filesystem remounted read-only by the kernel: loop0 on /srv/cache, read-write again');
    expect(again?.data?.['read_only_now']).toBe(false);
    const gone = titleWith(LOOP_MOUNTINFO.split('\n').filter((l) => !l.includes('/dev/loop0')).join('\n'), '');
    expect(gone?.title).toBe('1 filesystem remounted read-only by the kernel: loop0 (not mounted now)');
    // a disk's filesystem missing from the table may be listed as /dev/root: not known to be gone
    const disk = run(fsReadOnlyRemountRule, factsFrom({ dmesg: '[ 8812.331210] EXT4-fs (sda1): Remounting filesystem read-only\n', mountinfo: '25 1 8:1 / / rw,relatime - ext4 /dev/root rw\n' }))[0];
    expect(disk?.title).toBe('1 filesystem remounted read-only by the kernel: sda1');
    expect(disk?.data?.['read_only_now']).toBeUndefined();
  });

  it("finds a filesystem the kernel made read-only where its log has no remount line: kernel 6.x's ext4 after a journal abort", () => {
    // what kernel 6.18 logged here when the journal could not be written: no "Remounting" line follows
    const aborted = [
      '[ 2890.696420] Buffer I/O error on dev loop0, logical block 8451, lost async page write',
      '[ 2890.805951] Aborting journal on device loop0-8.',
      '[ 2890.807270] EXT4-fs error (device loop0) in __ext4_new_inode:1181: IO failure',
      '',
    ].join('\n');
    const [f] = run(fsReadOnlyRemountRule, factsFrom({ ...LOOP_HOST, dmesg: aborted, uptime: '3000.00 100.00\n' }, { collected_at: '2026-01-01T00:00:00Z' }));
    expect(f?.title).toBe('1 filesystem remounted read-only by the kernel: loop0 on /srv/cache, still read-only');
    expect(f?.evidence.map((e) => e.text)).toEqual(['[ 2890.805951] Aborting journal on device loop0-8.', expect.stringMatching(/ - ext4 \/dev\/loop0 rw,errors=remount-ro,emergency_ro$/)]);
    // dated by the journal's abort
    expect(f?.seen?.last?.ago_seconds).toBe(109);
    // older kernels: the superblock read-only under a read-write mount, with no log at all
    const sbOnly = run(fsReadOnlyRemountRule, factsFrom({ mountinfo: '46 25 8:33 / /srv/data rw,relatime shared:30 - ext4 /dev/sdc1 ro,errors=remount-ro\n' }))[0];
    expect(sbOnly?.title).toBe('1 filesystem remounted read-only by the kernel: sdc1 on /srv/data, still read-only');
    // mounted read-only on purpose: both read-only, nothing to report
    expect(run(fsReadOnlyRemountRule, factsFrom({ mountinfo: '46 25 8:33 / /srv/data ro,relatime shared:30 - ext4 /dev/sdc1 ro\n' }))).toEqual([]);
  });

  it('files the file filling its filesystem as the cause of the errors and the read-only remount, a full filesystem elsewhere as a problem of its own', () => {
    const report = analyze(bundleFromRecord(LOOP_HOST, { host: 'h' }), { now: new Date('2026-01-01T00:00:00Z') });
    const problems = reportProblems(report);
    expect(problems[0]).toMatchObject({ code: 'FS_FULL', explains: ['FS_FULL', 'FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT'] });
    expect(problems[0]?.title).toContain('/var/lib/images');
    // the full filesystem says whose file fills it, and where that is mounted
    expect(report.findings.find((f) => f.code === 'FS_FULL')?.fixes.map((f) => f.title)).toContain("loop0's file lives here (/var/lib/images/cache.img): writes to /srv/cache fail");
    // the same errors with the image on the root filesystem, and a full /boot beside it: /boot explains nothing
    const elsewhere = {
      ...LOOP_HOST,
      loop_devices: '/sys/block/loop0/loop/backing_file:/srv/images/cache.img\n',
      df: LOOP_DF.replace('/var/lib/images', '/boot'),
    };
    const other = reportProblems(analyze(bundleFromRecord(elsewhere, { host: 'h' }), { now: new Date('2026-01-01T00:00:00Z') }));
    expect(other.find((p) => p.code === 'FS_FULL')?.explains).toEqual(['FS_FULL']);
    expect(other.find((p) => p.code === 'FS_IO_ERROR')?.explains).toEqual(['FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT']);
  });

  it('puts a read-only remount that is over under earlier', () => {
    const mountinfo = LOOP_MOUNTINFO.replace('rw,errors=remount-ro,emergency_ro', 'rw,errors=remount-ro');
    const report = analyze(bundleFromRecord({ ...LOOP_HOST, mountinfo }, { host: 'h' }), { now: new Date('2026-01-01T00:00:00Z') });
    expect(report.findings.find((f) => f.code === 'FS_READ_ONLY_REMOUNT')?.earlier).toMatch(/^no longer read-only/);
  });
});

describe('what I/O errors and full disks explain', () => {
  // a task hung on an NFS server that does not answer, on the same host as the loop device's errors
  const NFS_HUNG = [
    '[  900.120001] INFO: task df:4242 blocked for more than 120 seconds.',
    '[  900.120002]       Not tainted 6.18.0 #1',
    '[  900.120003] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    '[  900.120004] task:df              state:D stack:0     pid:4242  tgid:4242  ppid:4100   flags:0x00004002',
    '[  900.120005] Call Trace:',
    '[  900.120006]  <TASK>',
    '[  900.120007]  __schedule+0x3f6/0xc50',
    '[  900.120008]  schedule+0x27/0xf0',
    '[  900.120009]  rpc_wait_bit_killable+0x11/0x70 [sunrpc]',
    '[  900.120010]  __rpc_execute+0x114/0x3e0 [sunrpc]',
    '[  900.120011]  rpc_run_task+0x14a/0x190 [sunrpc]',
    '[  900.120012]  nfs4_proc_getattr+0x8d/0xf0 [nfsv4]',
    '[  900.120013]  </TASK>',
    '',
  ].join('\n');

  it('leaves a task hung on an NFS server out of the I/O errors of a disk and of a full filesystem', () => {
    const report = analyze(bundleFromRecord({ ...LOOP_HOST, dmesg: `${LOOP_FULL}${NFS_HUNG}` }, { host: 'h' }), { now: new Date('2026-01-01T00:00:00Z') });
    expect(report.findings.find((f) => f.code === 'HUNG_TASK')?.data?.['io_class']).toBe('nfs');
    const problems = reportProblems(report);
    expect(problems.find((p) => p.code === 'FS_FULL')?.explains).toEqual(['FS_FULL', 'FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT']);
    expect(problems.find((p) => p.code === 'HUNG_TASK')?.explains[0]).toBe('HUNG_TASK');
  });
});

/** docker inspect of a container that exited 1, with one bind or volume. */
function exitedWithVolume(id: string, name: string, mount: Record<string, string>): string {
  return JSON.stringify([
    {
      Id: id,
      Name: `/${name}`,
      Path: 'sh',
      Args: [],
      RestartCount: 0,
      State: { Status: 'exited', Running: false, OOMKilled: false, ExitCode: 1, StartedAt: '2025-12-31T23:59:00Z', FinishedAt: '2025-12-31T23:59:30Z' },
      HostConfig: { Memory: 0 },
      Mounts: [{ ...mount, RW: true }],
      Config: { Image: 'busybox', Env: [] },
    },
  ]);
}

describe('a service that died writing to a read-only filesystem', () => {
  const id = 'c'.repeat(64);
  const inspect = (source: string) => exitedWithVolume(id, 'cache-writer', { Type: 'bind', Source: source, Destination: '/cache' });
  const tail = `# container ${id.slice(0, 12)}\n2025-12-31T23:59:30.000000000Z sh: can't create /cache/state: Read-only file system\n`;
  const problemsWith = (source: string) =>
    reportProblems(analyze(bundleFromRecord({ ...LOOP_HOST, docker_inspect: inspect(source), container_log_tail: tail }, { host: 'h', collected_at: '2026-01-01T00:00:00Z' }), { now: new Date('2026-01-01T00:00:00Z') }));

  it('is explained by the read-only remount when its volume is on the remounted filesystem, and only then', () => {
    expect(problemsWith('/srv/cache/state').find((p) => p.code === 'FS_FULL')?.explains).toEqual(['FS_FULL', 'FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT', 'CONTAINER_EXITED']);
    // its volume is on the root filesystem, which nothing made read-only: the remount explains nothing of it
    const apart = problemsWith('/var/lib/app/state');
    expect(apart.find((p) => p.code === 'FS_FULL')?.explains).toEqual(['FS_FULL', 'FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT']);
    expect(apart.flatMap((p) => p.explains)).not.toContain('CONTAINER_EXITED');
  });
});

describe('a service that died writing to a full volume', () => {
  const id = 'd'.repeat(64);
  const inspect = (source: string) => exitedWithVolume(id, 'ingest', { Type: 'volume', Name: 'spool', Source: source, Destination: '/spool' });
  const tail = `# container ${id.slice(0, 12)}\n2025-12-31T23:59:30.000000000Z touch: /spool/batch-0420: No space left on device\n`;
  const df = [
    'Filesystem     Type 1024-blocks     Used Available Capacity Mounted on',
    '/dev/nvme0n1p2 ext4    102626232 40123456  57243220      42% /',
    '/dev/sdb1      ext4     51474912 51474912         0     100% /data',
    '',
  ].join('\n');
  const dfi = ['Filesystem     Type    Inodes  IUsed   IFree IUse% Mounted on', '/dev/nvme0n1p2 ext4   6553600 312345 6241255    5% /', '/dev/sdb1      ext4      3276800 3276800  0  100% /data', ''].join('\n');
  const problemsWith = (files: Record<string, string>, source: string) =>
    reportProblems(analyze(bundleFromRecord({ ...files, docker_inspect: inspect(source), container_log_tail: tail }, { host: 'h', collected_at: '2026-01-01T00:00:00Z' }), { now: new Date('2026-01-01T00:00:00Z') }));

  it('is explained by the full filesystem its volume is on, of space or of inodes, and not by another', () => {
    expect(problemsWith({ df }, '/data/docker/volumes/spool/_data').find((p) => p.code === 'FS_FULL')?.explains).toEqual(['FS_FULL', 'CONTAINER_EXITED']);
    expect(problemsWith({ df: df.replace('51474912         0     100%', '31474912  20000000      62%'), df_inodes: dfi }, '/data/docker/volumes/spool/_data').find((p) => p.code === 'FS_INODES_FULL')?.explains).toEqual(['FS_INODES_FULL', 'CONTAINER_EXITED']);
    // its volume is on the root filesystem, which has room: the full /data explains nothing of it
    expect(problemsWith({ df }, '/var/lib/docker/volumes/spool/_data').find((p) => p.code === 'FS_FULL')?.explains).toEqual(['FS_FULL']);
  });

  it("puts a write outside its volumes on its writable layer: the full data root's filesystem, not its volume's", () => {
    // the root filesystem, which holds Docker's default data root, is full; /data, its volume's, is not
    const rootFull = df.replace('102626232 40123456  57243220      42% /', '102626232 102626232        0     100% /').replace('51474912 51474912         0     100% /data', '51474912 31474912  20000000      62% /data');
    const withPath = (path: string) =>
      reportProblems(
        analyze(bundleFromRecord({ df: rootFull, docker_inspect: inspect('/data/docker/volumes/spool/_data'), container_log_tail: `# container ${id.slice(0, 12)}\n2025-12-31T23:59:30.000000000Z touch: ${path}: No space left on device\n` }, { host: 'h', collected_at: '2026-01-01T00:00:00Z' }), {
          now: new Date('2026-01-01T00:00:00Z'),
        }),
      ).find((p) => p.code === 'FS_FULL')?.explains;
    expect(withPath('/spool/batch-0420')).toEqual(['FS_FULL']);
    expect(withPath('/tmp/batch-0420')).toEqual(['FS_FULL', 'CONTAINER_EXITED']);
  });
});

// What kernel 6.18 logged here when an XFS on a loop device could not write its metadata: the file
// behind loop0 sits on a full tmpfs, and XFS (max_retries 0 for ENOSPC) shut the filesystem down.
const XFS_LOOP = [
  '[  213.190889] critical space allocation error, dev loop0, sector 227920 op 0x1:(WRITE) flags 0x4800 phys_seg 20 prio class 2',
  '[  213.212909] loop0: writeback error on inode 131, offset 0, sector 153680',
  '[  753.566187] XFS (loop0): metadata I/O error in "__xfs_buf_ioend+0x1e0/0x590" at daddr 0x1980 len 32 error 28',
  '[  753.569664] XFS (loop0): Metadata I/O Error (0x1) detected at __xfs_buf_ioend+0x523/0x590 (fs/xfs/xfs_buf.c:1134).  Shutting down filesystem.',
  '[  753.572186] XFS (loop0): Please unmount the filesystem and rectify the problem(s)',
  '',
].join('\n');
const XFS_UNMOUNTED = `${XFS_LOOP}[  749.967037] XFS (loop0): Unmounting Filesystem dbc72c57-7c06-491d-831e-009a168be1aa\n`.replace('[  749.', '[  799.');
const XFS_MOUNTINFO = [
  '25 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro',
  '30 25 0:40 / /var/lib/images rw,relatime shared:12 - tmpfs tmpfs rw,size=102400k',
  '46 25 7:0 / /srv/scratch rw,relatime shared:30 - xfs /dev/loop0 rw,inode64,logbufs=8,logbsize=32k,noquota',
  '',
].join('\n');
const XFS_HOST = { dmesg: XFS_LOOP, mountinfo: XFS_MOUNTINFO, df: LOOP_DF.replace('8192     8192         0     100% /var/lib/images', '102400   102400         0     100% /var/lib/images').replace('/dev/loop0     ext4        56037    20495     30956      40% /srv/cache', '/dev/loop0     xfs        241664   179984     61680      75% /srv/scratch'), loop_devices: '/sys/block/loop0/loop/backing_file:/var/lib/images/scratch.img\n' };
const NOW = new Date('2026-01-01T00:00:00Z');

describe('a filesystem XFS shut down', () => {
  it("reads XFS's shutdown in each kernel's words, why it happened, and its unmount after", () => {
    const shutdowns = (text: string) => parseKernelLog(text).fsShutdowns.map(({ device, reason, endedBy, causeLine }) => ({ device, reason, ended: endedBy !== undefined, cause: causeLine?.line }));
    expect(shutdowns(XFS_LOOP)).toEqual([{ device: 'loop0', reason: 'no-space', ended: false, cause: 3 }]);
    expect(shutdowns(XFS_UNMOUNTED)).toEqual([{ device: 'loop0', reason: 'no-space', ended: true, cause: 3 }]);
    // 4.x: the words before "Detected" say why
    expect(shutdowns('[ 1.0] XFS (xvdb): Log I/O Error Detected.  Shutting down filesystem\n')).toEqual([{ device: 'xvdb', reason: 'log-io', ended: false, cause: undefined }]);
    expect(shutdowns('[ 1.0] XFS (sdc): Corruption of in-memory data detected.  Shutting down filesystem\n')[0]?.reason).toBe('corruption');
    // xfs_io's shutdown on kernel 6.18 here: the words say "Log I/O Error", the flags (0x6: forced unmount and log) say it was asked for
    expect(shutdowns('[ 3411.870897] XFS (loop1): User initiated shutdown received.\n[ 3411.872088] XFS (loop1): Log I/O Error (0x6) detected at xfs_fs_goingdown+0x63/0xb0 (fs/xfs/xfs_fsops.c:475).  Shutting down filesystem.\n')[0]?.reason).toBe('user');
    expect(shutdowns('[ 1.1] XFS (sdc): Corruption of on-disk metadata (0x10) detected at xfs_btree_check_block+0x1/0x2 (fs/xfs/libxfs/xfs_btree.c:1).  Shutting down filesystem.\n')[0]?.reason).toBe('corruption');
    // "I/O Error Detected" after the filesystem found its metadata corrupt is a shutdown for corruption
    expect(shutdowns('kernel: XFS (dm-4): Corruption detected. Unmount and run xfs_repair\nkernel: XFS (dm-4): I/O Error Detected. Shutting down filesystem\n')).toEqual([{ device: 'dm-4', reason: 'corruption', ended: false, cause: 1 }]);
    // 2.6: the device is named in quotes
    expect(shutdowns('kernel: Filesystem "dm-1": I/O Error Detected.  Shutting down filesystem: dm-1\n')).toEqual([{ device: 'dm-1', reason: 'io', ended: false, cause: undefined }]);
    // the same device mounted again and failing the same write (the same words: a repeat of a line seen before) says why again
    const again = `${XFS_UNMOUNTED}[  850.000001] XFS (loop0): metadata I/O error in "__xfs_buf_ioend+0x1e0/0x590" at daddr 0x1980 len 32 error 28\n[  850.000002] XFS (loop0): Metadata I/O Error (0x1) detected at __xfs_buf_ioend+0x523/0x590 (fs/xfs/xfs_buf.c:1134).  Shutting down filesystem.\n`;
    expect(shutdowns(again)).toEqual([{ device: 'loop0', reason: 'no-space', ended: false, cause: 7 }]);
    // a device mounted again after its unmount and shut down once more: the latest shutdown counts
    expect(shutdowns(`${XFS_UNMOUNTED}[  900.000001] XFS (loop0): Log I/O Error (0x2) detected at xlog_ioend_work+0x6e/0x70 [xfs] (fs/xfs/xfs_log.c:1378). Shutting down filesystem.\n`)).toEqual([{ device: 'loop0', reason: 'log-io', ended: false, cause: undefined }]);
  });

  it('says where it is mounted, that it is still down, why, and how to get it back', () => {
    const [f] = run(fsShutdownRule, factsFrom(XFS_HOST));
    expect(f?.title).toBe('XFS shut down loop0 on /srv/scratch after its device refused a write for want of space, still mounted: every read and write there fails');
    expect(f?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringContaining('error 28'), expect.stringContaining('Shutting down filesystem.'), XFS_MOUNTINFO.split('\n')[2]]));
    expect(f?.data).toMatchObject({ devices: 'loop0', reasons: 'no-space', shut_down_now: true });
    expect(titles(f)).toEqual(['Unmount, repair with xfs_repair and mount again /srv/scratch: a shut-down XFS stays down until it is unmounted']);
    expect(commands(f)).toEqual(['umount /srv/scratch', 'xfs_repair /dev/loop0', 'mount /dev/loop0 /srv/scratch']);
  });

  it('puts one that XFS has unmounted since, or whose loop device is mounted nowhere, under earlier', () => {
    const unmounted = analyze(bundleFromRecord({ ...XFS_HOST, dmesg: XFS_UNMOUNTED }, { host: 'h' }), { now: NOW }).findings.find((f) => f.code === 'FS_SHUTDOWN');
    expect(unmounted?.title).toBe('XFS shut down loop0 after its device refused a write for want of space, unmounted since');
    expect(unmounted?.earlier).toMatch(/^no longer shut down/);
    expect(unmounted?.fixes).toEqual([]);
    const gone = analyze(bundleFromRecord({ ...XFS_HOST, mountinfo: XFS_MOUNTINFO.split('\n').filter((l) => !l.includes('loop0')).join('\n') }, { host: 'h' }), { now: NOW }).findings.find((f) => f.code === 'FS_SHUTDOWN');
    expect(gone?.title).toBe('XFS shut down loop0 after its device refused a write for want of space, not mounted now');
    expect(gone?.earlier).toMatch(/^no longer shut down/);
  });

  it("stops Docker first when its data root is there, restarts containers on a devicemapper thin device, reboots for the root, and repairs nothing shut down on request", () => {
    const dataRoot = run(fsShutdownRule, factsFrom({ dmesg: '[ 5.0] XFS (xvdb): Log I/O Error Detected.  Shutting down filesystem\n', mountinfo: '123 98 202:16 / /var/lib/docker rw,relatime shared:74 - xfs /dev/xvdb rw,seclabel,attr2,inode64,noquota\n' }))[0];
    expect(commands(dataRoot)).toEqual(['systemctl stop docker', 'umount /var/lib/docker', 'xfs_repair /dev/xvdb', 'mount /dev/xvdb /var/lib/docker']);
    expect(dataRoot?.fixes[0]?.detail).toContain("Docker's data root (/var/lib/docker) is there: stop Docker first.");
    // /var shut down, but the data root is a filesystem of its own mounted inside it: Docker is not stopped for it
    const deeper = run(fsShutdownRule, factsFrom({ dmesg: '[ 5.0] XFS (xvdb): Log I/O Error Detected.  Shutting down filesystem\n', mountinfo: '123 98 202:16 / /var rw,relatime - xfs /dev/xvdb rw\n124 123 202:32 / /var/lib/docker rw,relatime - xfs /dev/xvdc rw\n' }))[0];
    expect(commands(deeper)).toEqual(['umount /var', 'xfs_repair /dev/xvdb', 'mount /dev/xvdb /var']);
    const thin = run(fsShutdownRule, factsFrom({ dmesg: '[ 5.0] XFS (dm-4): Log I/O Error Detected.  Shutting down filesystem\n', docker_info: 'Storage Driver: devicemapper\n' }))[0];
    expect(titles(thin)).toEqual(["dm-4 is a container's thin device: once the pool has room again, restart the containers whose filesystem fails"]);
    expect(commands(thin).some((c) => c.startsWith('xfs_repair'))).toBe(false);
    const root = run(fsShutdownRule, factsFrom({ dmesg: '[ 5.0] XFS (sda2): Log I/O Error Detected.  Shutting down filesystem\n', mountinfo: '25 1 8:2 / / rw,relatime shared:1 - xfs /dev/sda2 rw,attr2,inode64\n' }))[0];
    expect(titles(root)).toEqual(['/dev/sda2 is the root filesystem: reboot the host (drain it first); if the root will not mount, run xfs_repair on it from rescue media']);
    const asked = run(fsShutdownRule, factsFrom({ dmesg: '[ 5.0] XFS (sdc): User initiated shutdown (0x4) detected at xfs_fs_goingdown+0x4e/0x90 (fs/xfs/xfs_fsops.c:484).  Shutting down filesystem.\n', mountinfo: '46 25 8:32 / /srv/x rw,relatime - xfs /dev/sdc rw\n' }))[0];
    expect(commands(asked)).toEqual(['umount /srv/x', 'mount /dev/sdc /srv/x']);
  });

  it('follows the full filesystem under its file to the errors and the shutdown; a shutdown for corruption explains its own errors and blames no pool', () => {
    const problems = reportProblems(analyze(bundleFromRecord(XFS_HOST, { host: 'h' }), { now: NOW }));
    expect(problems[0]).toMatchObject({ code: 'FS_FULL', explains: ['FS_FULL', 'FS_IO_ERROR', 'FS_SHUTDOWN'] });
    const corrupt = analyze(bundleFromRecord({ dmesg: '[ 5.0] XFS (dm-8): metadata I/O error: block 0x5e070348 ("xfs_trans_read_buf_map") error 117 numblks 8\n[ 5.1] XFS (dm-8): I/O Error Detected. Shutting down filesystem\n' }, { host: 'h' }), { now: NOW });
    expect(reportProblems(corrupt)[0]).toMatchObject({ code: 'FS_SHUTDOWN', explains: ['FS_SHUTDOWN', 'FS_IO_ERROR'] });
    expect(corrupt.findings.find((f) => f.code === 'FS_IO_ERROR')?.fixes.map((f) => f.title).some((t) => /thin (?:pool|devices)/.test(t))).toBe(false);
  });

  it('explains a service that died of an I/O error on its volume there, and only there', () => {
    const id = 'e'.repeat(64);
    const tail = `# container ${id.slice(0, 12)}\n2025-12-31T23:59:30.000000000Z sh: can't create /data/state: Input/output error\n`;
    const problemsWith = (source: string) =>
      reportProblems(
        analyze(bundleFromRecord({ ...XFS_HOST, docker_inspect: exitedWithVolume(id, 'xfs-writer', { Type: 'bind', Source: source, Destination: '/data' }), container_log_tail: tail }, { host: 'h', collected_at: '2026-01-01T00:00:00Z' }), { now: NOW }),
      );
    expect(problemsWith('/srv/scratch/app')[0]?.explains).toEqual(['FS_FULL', 'FS_IO_ERROR', 'FS_SHUTDOWN', 'CONTAINER_EXITED']);
    expect(problemsWith('/var/lib/app')[0]?.explains).toEqual(['FS_FULL', 'FS_IO_ERROR', 'FS_SHUTDOWN']);
  });
});

describe('a device-mapper device the kernel names dm-N', () => {
  // RHEL: an XFS on an LVM volume, which the kernel names dm-8 and the table /dev/mapper/rhel-pulp (253:8)
  const RHEL_MOUNTINFO = [
    '64 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/rhel-root rw,seclabel,attr2,inode64,noquota',
    '98 64 253:8 / /var/lib/pulp rw,relatime shared:50 - xfs /dev/mapper/rhel-pulp rw,seclabel,attr2,inode64,noquota',
    '',
  ].join('\n');
  const CORRUPT = '[ 5.0] XFS (dm-8): Metadata corruption detected at xfs_dir3_data_read_verify+0x5e/0x110 [xfs], xfs_dir3_data block 0x5e070348\n[ 5.1] XFS (dm-8): I/O Error Detected. Shutting down filesystem\n';

  it('is found in the table by its minor number under /dev/mapper, and its fix names it so', () => {
    const [f] = run(fsShutdownRule, factsFrom({ dmesg: CORRUPT, mountinfo: RHEL_MOUNTINFO }));
    expect(f?.title).toBe('XFS shut down dm-8 on /var/lib/pulp after it found its metadata corrupt, still mounted: every read and write there fails');
    expect(f?.evidence.map((e) => e.text)).toContain(RHEL_MOUNTINFO.split('\n')[1]);
    expect(commands(f)).toEqual(['umount /var/lib/pulp', 'xfs_repair /dev/mapper/rhel-pulp', 'mount /dev/mapper/rhel-pulp /var/lib/pulp']);
    // /proc/mounts has no device numbers: where it is mounted is then not known
    const mounts = run(fsShutdownRule, factsFrom({ dmesg: CORRUPT, mountinfo: '/dev/mapper/rhel-pulp /var/lib/pulp xfs rw,seclabel,attr2,inode64,noquota 0 0\n' }))[0];
    expect(mounts?.title).toBe('XFS shut down dm-8 after it found its metadata corrupt');
  });

  it("does not send I/O errors of an LVM volume to Docker's thin pool; those of a container's thin device still are", () => {
    const eio = '[ 5.0] Buffer I/O error on dev dm-8, logical block 2121102, lost async page write\n';
    const [lvm] = run(fsIoErrorRule, factsFrom({ dmesg: eio, mountinfo: RHEL_MOUNTINFO }));
    expect(titles(lvm).some((t) => /thin (?:pool|devices)/.test(t))).toBe(false);
    expect(titles(lvm)).toContain('On a physical disk, check its health before anything else and plan to replace it');
    const [docker] = run(fsIoErrorRule, factsFrom({ dmesg: eio, mountinfo: '312 26 253:8 / /var/lib/docker/devicemapper/mnt/9f1c2a rw,relatime - xfs /dev/mapper/docker-202:1-263183-9f1c2a rw\n' }));
    expect(titles(docker)[0]).toBe('If these are devicemapper thin devices (dm-N), the pool is probably full: free or grow it');
  });

  it("says whether a container's thin device the kernel made read-only still is", () => {
    const thin = '[ 1001.000001] Buffer I/O error on device dm-6, logical block 2121102\n[ 1001.000002] EXT4-fs (dm-6): Remounting filesystem read-only\n';
    const mountinfo = '312 26 253:6 / /var/lib/docker/devicemapper/mnt/9f1c2a rw,relatime shared:150 - ext4 /dev/mapper/docker-202:1-263183-9f1c2a ro,stripe=16,data=ordered\n';
    const [f] = run(fsReadOnlyRemountRule, factsFrom({ dmesg: thin, mountinfo }));
    expect(f?.title).toBe('1 filesystem remounted read-only by the kernel: dm-6 on /var/lib/docker/devicemapper/mnt/9f1c2a, still read-only');
    expect(f?.data?.['read_only_now']).toBe(true);
  });
});

// What kernel 6.18 logged here for a btrfs on a loop device whose file sits on a full tmpfs: the
// block layer refused the writes, btrfs aborted its transaction and forced itself read-only
const BTRFS_LOOP = [
  '[ 5886.289831] critical space allocation error, dev loop1, sector 346112 op 0x1:(WRITE) flags 0x4000 phys_seg 128 prio class 2',
  '[ 5886.298752] BTRFS error (device loop1 state A): Transaction aborted (error -5)',
  '[ 5886.300054] BTRFS: error (device loop1 state A) in __btrfs_free_extent:3233: errno=-5 IO failure',
  '[ 5886.301562] BTRFS info (device loop1 state EA): forced readonly',
  '[ 5886.301565] BTRFS error (device loop1 state EA): failed to run delayed ref for logical 22036480 num_bytes 16384 type 176 action 2 ref_mod 1: -5',
  '[ 5886.303874] BTRFS: error (device loop1 state EA) in btrfs_run_delayed_refs:2162: errno=-5 IO failure',
  '',
].join('\n');
// its mount still rw, its superblock read-only
const BTRFS_MOUNTINFO = [
  '25 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro',
  '47 25 0:41 / /srv/images rw,relatime - tmpfs tmpfs rw,size=65536k',
  '49 25 0:42 / /srv/vol rw,relatime - btrfs /dev/loop1 ro,ssd,discard=async,space_cache=v2,subvolid=5,subvol=/',
  '',
].join('\n');

describe('a btrfs forced read-only', () => {
  it("reads btrfs's forced readonly as the kernel making it read-only, with the mount, and its errors as I/O errors", () => {
    const [ro] = run(fsReadOnlyRemountRule, factsFrom({ dmesg: BTRFS_LOOP, mountinfo: BTRFS_MOUNTINFO }));
    expect(ro?.title).toBe('1 filesystem remounted read-only by the kernel: loop1 on /srv/vol, still read-only');
    expect(ro?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringContaining('forced readonly'), BTRFS_MOUNTINFO.split('\n')[2]]));
    expect(commands(ro)).toEqual(['umount /srv/vol', 'btrfs check --readonly /dev/loop1', 'mount /srv/vol']);
    const [io] = run(fsIoErrorRule, factsFrom({ dmesg: BTRFS_LOOP, mountinfo: BTRFS_MOUNTINFO }));
    expect(io?.title).toMatch(/^kernel I\/O errors on 1 device \(loop1\) \[btrfs\]: \d+ error lines$/);
    // 3.x's words, and the superblock alone read-only in the table
    expect(parseKernelLog('[ 100.0] btrfs is forced readonly\n').readOnlyRemounts).toHaveLength(1);
    expect(run(fsReadOnlyRemountRule, factsFrom({ mountinfo: BTRFS_MOUNTINFO }))[0]?.title).toBe('1 filesystem remounted read-only by the kernel: loop1 on /srv/vol, still read-only');
  });
});
