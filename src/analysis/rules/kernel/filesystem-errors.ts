import { seenOf } from '../../facts/clock.js';
import type { Facts } from '../../facts/index.js';
import type { Rule } from '../rule.js';
import { storageDriverOf } from '../docker/docker-context.js';
import { plural, shellArg, type Fix } from '../../../domain/index.js';
import { byNamedFirst, listSome, quote, smartDiskOf } from './support.js';

const UNKNOWN_DEVICE = 'unknown device';
/** A device-mapper device: a container's thin device on a devicemapper host. */
const isThinDevice = (device: string): boolean => /^dm-\d+$/.test(device);

const THIN_POOL_WHAT_TO_DO = "Check `docker info` Data Space Available; remove unused images and containers, grow the pool, or move to overlay2.";
const THIN_POOL_COMMANDS = ['docker info | grep -i "space"', 'docker system prune'];

/** What the errors say of a thin pool under dm-N devices: out of space for certain, or one to check first. */
type ThinPoolSign = 'out-of-space' | 'devicemapper' | 'maybe';

/**
 * How sure the thin pool is to blame: the block layer refused writes for lack of space (ENOSPC on
 * a block device is thin provisioning out of data space, whoever made the pool); the host runs
 * devicemapper and the devices are dm-N; or a device may be one.
 */
function thinPoolSign(facts: Facts, devices: readonly string[]): ThinPoolSign | undefined {
  const thin = devices.some(isThinDevice);
  if (thin && facts.kernel.ioErrors.some((e) => e.reason === 'no-space' && e.device !== undefined && isThinDevice(e.device))) return 'out-of-space';
  if (thin && storageDriverOf(facts)?.driver === 'devicemapper') return 'devicemapper';
  return devices.length === 0 || thin || devices.includes(UNKNOWN_DEVICE) ? 'maybe' : undefined;
}

/** The thin pool's fix, worded as surely as the errors allow. */
function thinPoolFixes(sign: ThinPoolSign | undefined): Fix[] {
  switch (sign) {
    case 'out-of-space':
      return [
        {
          title: 'The thin pool under these devices is out of data space (the writes failed with ENOSPC): free or grow it',
          detail: `ENOSPC from a block device is thin provisioning out of space, not a failing disk: the container filesystems on the pool then go read-only. ${THIN_POOL_WHAT_TO_DO}`,
          commands: THIN_POOL_COMMANDS,
        },
      ];
    case 'devicemapper':
      return [
        {
          title: "These are devicemapper thin devices of Docker's pool: check the pool first, and free or grow it if it is full",
          detail: `A full thin pool fails writes with EIO/ENOSPC and the container filesystems go read-only. ${THIN_POOL_WHAT_TO_DO}`,
          commands: THIN_POOL_COMMANDS,
        },
      ];
    case 'maybe':
      return [
        {
          title: 'If these are devicemapper thin devices (dm-N), the pool is probably full: free or grow it',
          detail: `A full thin pool fails writes with EIO/ENOSPC and the container filesystems go read-only. ${THIN_POOL_WHAT_TO_DO}`,
          commands: THIN_POOL_COMMANDS,
        },
      ];
    case undefined:
      return [];
  }
}

/**
 * Getting writable filesystems back: containers on thin devices are restarted; a named filesystem
 * is unmounted, checked and mounted again where mountinfo says it is mounted, and the root one is
 * checked at the next boot (it cannot be unmounted).
 */
function recoverFixes(facts: Facts, devices: readonly string[]): Fix[] {
  const detail = 'A filesystem the kernel made read-only stays read-only until it is unmounted and checked.';
  const thin = devices.some(isThinDevice);
  const named = devices.filter((d) => d !== UNKNOWN_DEVICE && !isThinDevice(d));
  const fixes: Fix[] = [];
  if (thin || named.length === 0) {
    fixes.push({
      title: 'After fixing the cause, restart the affected containers so they get writable filesystems again',
      detail: `${detail} A container's thin device is checked and mounted afresh when the container starts.`,
      commands: ["docker ps --format '{{.ID}} {{.Names}} {{.Status}}'", 'docker restart <container>'],
    });
  }
  const mounts = named.slice(0, 3).map((d) => ({ device: `/dev/${d}`, mount: facts.disks.mounts.find((m) => m.source === `/dev/${d}`)?.mount }));
  const root = mounts.filter((m) => m.mount === '/');
  const others = mounts.filter((m) => m.mount !== '/');
  if (others.length) {
    fixes.push({
      title: `Check ${listSome(others.map((m) => m.device), 3)} unmounted, then mount ${others.length === 1 ? 'it' : 'them'} again`,
      detail: `${detail} Stop what writes there first (containers with volumes on it too); fsck on a mounted filesystem damages it.`,
      commands: others.flatMap((m) => [...(m.mount ? [`umount ${shellArg(m.mount)}`] : []), `fsck -y ${shellArg(m.device)}`, ...(m.mount ? [`mount ${shellArg(m.mount)}`] : [])]),
    });
  }
  if (root.length) {
    // without systemd, init checks the root filesystem at boot when /forcefsck is there
    const forcefsck = facts.system.serviceManager?.kind === 'service';
    fixes.push({
      title: `${root[0]?.device ?? ''} is the root filesystem: check it at the next boot`,
      detail:
        `${detail} The root filesystem cannot be unmounted while the host runs: drain the host, then reboot with a forced check ` +
        (forcefsck ? '(touch /forcefsck: its init checks the root filesystem when that file is there).' : '(add fsck.mode=force to the kernel command line for that boot, in the boot menu).'),
      ...(forcefsck ? { commands: ['touch /forcefsck'] } : {}),
    });
  }
  return fixes;
}

/** SMART for the physical disks the errors name (sda for sda1); a virtual disk's health is its hypervisor's to tell. */
function diskHealthFix(devices: readonly string[]): Fix {
  const disks = [...new Set(devices.flatMap((d) => smartDiskOf(d) ?? []))];
  const virtual = devices.filter((d) => /^x?vd[a-z]+\d*$/.test(d));
  const grep = 'dmesg | grep -iE "I/O error|medium error"';
  if (disks.length === 0 && virtual.length > 0) {
    return {
      title: `${listSome(virtual, 3)} ${virtual.length === 1 ? 'is a virtual disk' : 'are virtual disks'}: check the volume behind it with the hypervisor or cloud provider`,
      detail: 'A virtio or Xen disk has no SMART of its own; I/O errors on it come from the storage behind the VM (a detached or throttled cloud volume, a full or failed datastore).',
      commands: [grep],
    };
  }
  return {
    title: `On a physical disk, check its health before anything else and plan to replace it${disks.length ? `: ${listSome(disks, 3)}` : ''}`,
    commands: [...(disks.length ? disks.slice(0, 3).map((d) => `smartctl -a /dev/${shellArg(d)}`) : ['smartctl -a /dev/sdX']), grep],
  };
}

/** FS_IO_ERROR: the kernel logged I/O errors (Buffer I/O error, EXT4-fs ... I/O error, XFS ... error -5...). */
export const fsIoErrorRule: Rule = {
  codes: ['FS_IO_ERROR'],
  run(facts) {
    const errors = facts.kernel.ioErrors;
    if (errors.length === 0) return [];
    const devices = [...new Set(errors.map((e) => e.device).filter((d): d is string => !!d))];
    const fs = [...new Set(errors.map((e) => e.filesystem).filter((f): f is string => !!f))];
    const lines = Math.max(facts.kernel.ioErrorLines, errors.length);
    const sign = thinPoolSign(facts, devices);
    // Errors on Docker's thin devices alone point at the pool, not a disk: a disk that fails logs
    // errors of its own device (sda) too, and the EIO after an ENOSPC (XFS shutting down, ext4
    // aborting its journal) follows from it. A medium error, a device that is not a thin one, or
    // dm-N devices of a host not known to run devicemapper still send the reader to the disk.
    const pool = sign === 'out-of-space' || sign === 'devicemapper';
    const diskAtFault = !pool || errors.some((e) => e.reason === 'medium') || devices.some((d) => !isThinDevice(d));
    return [
      {
        code: 'FS_IO_ERROR',
        severity: 'critical',
        title:
          `kernel I/O errors${devices.length ? ` on ${plural(devices.length, 'device')} (${listSome(devices, 4)})` : ''}` +
          `${fs.length ? ` [${fs.join(', ')}]` : ''}: ${plural(lines, 'error line')}`,
        // a line for each device the title names first, then the rest
        evidence: quote(byNamedFirst(byNamedFirst(errors, devices.slice(0, 4), (e) => e.device), fs, (e) => e.filesystem).map((e) => e.line), 6),
        fixes: [...thinPoolFixes(sign), ...(diskAtFault ? [diskHealthFix(devices)] : [])],
        seen: seenOf(facts.clock, errors.flatMap((e) => [e.line, ...(e.lastLine ? [e.lastLine] : [])]), lines),
        data: { devices: devices.join(','), error_lines: lines, ...(sign === 'out-of-space' ? { no_space: true } : {}) },
      },
    ];
  },
};

/** FS_READ_ONLY_REMOUNT: the kernel remounted filesystems read-only after errors. */
export const fsReadOnlyRemountRule: Rule = {
  codes: ['FS_READ_ONLY_REMOUNT'],
  run(facts) {
    const remounts = facts.kernel.readOnlyRemounts;
    if (remounts.length === 0) return [];
    const devices = remounts.map((r) => r.device ?? UNKNOWN_DEVICE);
    return [
      {
        code: 'FS_READ_ONLY_REMOUNT',
        severity: 'critical',
        title: `${plural(remounts.length, 'filesystem')} remounted read-only by the kernel: ${listSome(devices, 5)}`,
        evidence: quote(remounts.map((r) => r.line), 6),
        fixes: [...thinPoolFixes(thinPoolSign(facts, devices)), ...recoverFixes(facts, devices)],
        seen: seenOf(facts.clock, remounts.flatMap((r) => [r.line, ...(r.lastLine ? [r.lastLine] : [])]), remounts.reduce((n, r) => n + r.occurrences, 0)),
        data: { devices: devices.join(',') },
      },
    ];
  },
};
