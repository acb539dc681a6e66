import { describe, expect, it } from 'vitest';
import { fsIoErrorRule, fsReadOnlyRemountRule } from '../../../../src/analysis/rules/kernel/filesystem-errors.js';
import { smartDiskOf } from '../../../../src/analysis/rules/kernel/support.js';
import type { Finding } from '../../../../src/domain/index.js';
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
