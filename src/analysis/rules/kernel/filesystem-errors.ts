import { seenOf } from '../../facts/clock.js';
import { filesystemOf, mountsOfDevice, type Filesystem, type LoopDevice, type Mount } from '../../facts/disks.js';
import type { Facts } from '../../facts/index.js';
import { distinctEvidence, toEvidence, type LogLine } from '../../parsers/log-line.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { dockerRootOf, dockerService, storageDriverOf } from '../docker/docker-context.js';
import type { FsShutdown, FsShutdownReason } from '../../facts/kernel.js';
import { plural, shellArg, type Evidence, type Fix } from '../../../domain/index.js';
import { byNamedFirst, listSome, quote, smartDiskOf } from './support.js';

const UNKNOWN_DEVICE = 'unknown device';
/** A device-mapper device: a container's thin device on a devicemapper host. */
const isThinDevice = (device: string): boolean => /^dm-\d+$/.test(device);
const isLoopDevice = (device: string): boolean => /^loop\d+$/.test(device);

/** A loop device the errors name, the file behind it, and the filesystem that holds the file (df's, else the kernel's mount). */
interface LoopBacking {
  loop: LoopDevice;
  filesystem?: Filesystem;
  mount?: Mount;
  /** Its writes were refused for want of space (the block layer's ENOSPC), or df shows the filesystem under it with nothing free. */
  outOfSpace: boolean;
}

export function loopBackings(facts: Facts, devices: readonly string[]): LoopBacking[] {
  return devices.filter(isLoopDevice).flatMap((device) => {
    const loop = facts.disks.loopDevices.find((l) => l.device === device);
    if (!loop) return [];
    const filesystem = filesystemOf(loop.backingFile, facts.disks.filesystems);
    const mount = filesystemOf(loop.backingFile, facts.disks.mounts);
    const refused = facts.kernel.ioErrors.some((e) => e.device === device && e.reason === 'no-space');
    return [{ loop, ...(filesystem ? { filesystem } : {}), ...(mount ? { mount } : {}), outOfSpace: refused || filesystem?.availableBytes === 0 }];
  });
}

/** The filesystems that hold the files behind these loop devices. */
export function backingMounts(facts: Facts, devices: readonly string[]): string[] {
  return [...new Set(loopBackings(facts, devices).flatMap((b) => b.filesystem?.mount ?? b.mount?.mount ?? []))];
}

/** Where a loop device's file is: "loop0 is the file /srv/disk.img, on /srv (100 % full)". */
function backingText(b: LoopBacking): string {
  const where = b.filesystem?.mount ?? b.mount?.mount;
  const file = `${b.loop.device} is the file ${b.loop.backingFile}${b.loop.deleted ? ' (deleted)' : ''}`;
  if (!where) return file;
  const usage = b.filesystem ? ` (${b.filesystem.usePct} % used, ${formatBytes(b.filesystem.availableBytes)} free)` : '';
  return `${file}, on ${where}${usage}`;
}

/** The lines that say which file is behind the device and how full its filesystem is. */
function backingEvidence(b: LoopBacking): Evidence[] {
  return [toEvidence(b.loop.line), ...(b.filesystem ? [toEvidence(b.filesystem.line)] : b.mount ? [toEvidence(b.mount.line)] : [])];
}

/**
 * A loop device's errors come from the file behind it: a filesystem with no room for the file to
 * grow into (a sparse image fills as it is written) refuses its writes, and the filesystem on the
 * loop device takes that as failing storage. Its disk is the one under that filesystem.
 */
function loopFixes(backings: readonly LoopBacking[]): Fix[] {
  return backings.map((b) => {
    const where = b.filesystem?.mount ?? b.mount?.mount;
    const file = shellArg(b.loop.backingFile);
    if (b.outOfSpace) {
      return {
        title: `Free space on ${where ?? `the filesystem that holds ${b.loop.backingFile}`}: ${b.loop.device}'s file cannot grow there, so every write to ${b.loop.device} that needs new space fails`,
        detail:
          `The filesystem on ${b.loop.device} sees failing storage, not a full disk: it logs I/O errors and goes read-only. ` +
          'Free space there (or move the file to a filesystem with room), then check and mount the filesystem on it again. A file that cannot grow, preallocated with fallocate, keeps this from coming back.',
        commands: [...(where ? [`df -h ${shellArg(where)}`, `du -xh --max-depth=2 ${shellArg(where)} | sort -h | tail -20`] : []), `ls -ls ${file}`, 'losetup -a'],
      };
    }
    return {
      title: `${b.loop.device} is a file (${b.loop.backingFile})${where ? ` on ${where}` : ''}: its errors are that filesystem's, and the disk under it`,
      detail: `Look for errors of the filesystem and device that hold the file${b.filesystem ? ` (${b.filesystem.source})` : ''}: a loop device has no disk of its own.`,
      commands: [`ls -ls ${file}`, 'losetup -a', 'dmesg | grep -iE "I/O error|medium error"'],
    };
  });
}

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
  // a filesystem that found its own metadata corrupt (and no write refused for space) says nothing of a pool's space
  if (facts.kernel.ioErrors.some((e) => e.reason === 'corruption') || facts.kernel.fsShutdowns.some((s) => s.reason === 'corruption')) return undefined;
  // dm-N devices the table shows mounted from an LVM volume or a LUKS mapping, none from Docker's pool
  const mapped = devices.filter(isThinDevice).map((d) => mountsOfDevice(facts.disks.mounts, d));
  if (thin && mapped.every((mounts) => mounts.length > 0 && mounts.every((m) => !m.source.startsWith('/dev/mapper/docker-')))) return undefined;
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
  const mounts = named.slice(0, 3).map((d) => {
    const mount = mountsOfDevice(facts.disks.mounts, d)[0];
    return { device: `/dev/${d}`, mount: mount?.mount, type: mount?.type };
  });
  const root = mounts.filter((m) => m.mount === '/');
  const others = mounts.filter((m) => m.mount !== '/');
  if (others.length) {
    fixes.push({
      title: `Check ${listSome(others.map((m) => m.device), 3)} unmounted, then mount ${others.length === 1 ? 'it' : 'them'} again`,
      detail: `${detail} Stop what writes there first (containers with volumes on it too); fsck on a mounted filesystem damages it.`,
      commands: others.flatMap((m) => [...(m.mount ? [`umount ${shellArg(m.mount)}`] : []), repairCommand(m.type, m.device), ...(m.mount ? [`mount ${shellArg(m.mount)}`] : [])]),
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

/**
 * The check that repairs a filesystem of this type, unmounted: fsck does nothing for XFS (its
 * fsck.xfs is a stub that exits 0), which has xfs_repair; btrfs has its own check.
 */
function repairCommand(type: string | undefined, device: string): string {
  if (type === 'xfs') return `xfs_repair ${shellArg(device)}`;
  // read-only: btrfs check --repair is for when its developers say so
  if (type === 'btrfs') return `btrfs check --readonly ${shellArg(device)}`;
  return `fsck -y ${shellArg(device)}`;
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
    const backings = loopBackings(facts, devices);
    // the loop devices whose file is known are no disk of their own: their fixes say where to look
    const disks = devices.filter((d) => !backings.some((b) => b.loop.device === d));
    const diskAtFault = disks.length > 0 && (!pool || errors.some((e) => e.reason === 'medium') || disks.some((d) => !isThinDevice(d)));
    const shown = backings.slice(0, 2);
    return [
      {
        code: 'FS_IO_ERROR',
        severity: 'critical',
        title:
          `kernel I/O errors${devices.length ? ` on ${plural(devices.length, 'device')} (${listSome(devices, 4)})` : ''}` +
          `${fs.length ? ` [${fs.join(', ')}]` : ''}: ${plural(lines, 'error line')}` +
          (shown.length ? `; ${shown.map(backingText).join('; ')}` : ''),
        // a line for each device the title names first, then the rest, then what is behind each loop device
        evidence: [...quote(byNamedFirst(byNamedFirst(errors, devices.slice(0, 4), (e) => e.device), fs, (e) => e.filesystem).map((e) => e.line), 6), ...shown.flatMap(backingEvidence)],
        fixes: [...loopFixes(backings), ...thinPoolFixes(sign), ...(diskAtFault ? [diskHealthFix(disks)] : [])],
        seen: seenOf(facts.clock, errors.flatMap((e) => [e.line, ...(e.lastLine ? [e.lastLine] : [])]), lines),
        data: {
          devices: devices.join(','),
          error_lines: lines,
          ...(sign === 'out-of-space' ? { no_space: true } : {}),
          ...(backings.length ? { loop_backed: true } : {}),
        },
      },
    ];
  },
};

/**
 * A device's mounts in the kernel's table now; a loop device's filesystem mounted nowhere is
 * unmounted (a disk's may be listed under another name, /dev/root: not known). Unknown without the table.
 */
function mountsNow(facts: Facts, device: string): Mount[] | 'unmounted' | undefined {
  if (facts.disks.mounts.length === 0) return undefined;
  const mounts = mountsOfDevice(facts.disks.mounts, device);
  if (mounts.length > 0) return mounts;
  return isLoopDevice(device) ? 'unmounted' : undefined;
}

/** Where a remounted filesystem is now, by its device's mounts in the kernel's table. */
type MountedNow = { state: 'read-only' | 'read-write'; mounts: Mount[] } | { state: 'unmounted' } | undefined;

/**
 * Whether a filesystem the kernel made read-only still is: its device's mounts read-only (the
 * mount's or the filesystem's `ro`, or the `emergency_ro` ext4 shows from kernel 6.x on while its
 * flags still say rw), mounted read-write again, or mounted nowhere. Unknown without mountinfo, or
 * for a device the table does not show by name or number (the root filesystem's disk at times as
 * /dev/root; a dm-N device without mountinfo's device numbers).
 */
function mountedNow(facts: Facts, device: string | undefined): MountedNow {
  const mounts = device === undefined ? undefined : mountsNow(facts, device);
  if (mounts === undefined) return undefined;
  if (mounts === 'unmounted') return { state: 'unmounted' };
  const readOnly = mounts.some((m) => m.options.includes('ro') || m.options.includes('emergency_ro'));
  return { state: readOnly ? 'read-only' : 'read-write', mounts };
}

/** Where the filesystems the kernel made read-only are mounted now, as far as the table tells. */
export function remountedMountPoints(facts: Facts): string[] {
  return readOnlyFilesystems(facts).flatMap((r) => (r.now && r.now.state !== 'unmounted' ? r.now.mounts.map((m) => m.mount) : []));
}

function remountText(device: string, now: MountedNow): string {
  if (!now) return device;
  if (now.state === 'unmounted') return `${device} (not mounted now)`;
  const where = listSome(now.mounts.map((m) => m.mount), 2);
  return `${device} on ${where}, ${now.state === 'read-only' ? 'still read-only' : 'read-write again'}`;
}

/**
 * A filesystem the kernel made read-only after errors, as the table of mounts shows it: ext4's
 * emergency_ro (kernel 6.x, where its flags still say rw), or an ext filesystem whose superblock is
 * read-only under a read-write mount (a remount by hand makes both read-only), and btrfs forced read-only likewise.
 */
function madeReadOnlyByErrors(m: Mount): boolean {
  const own = m.options.slice(0, m.options.length - (m.superOptions?.length ?? 0));
  return m.superOptions?.includes('emergency_ro') === true || (/^(?:ext[234]|btrfs)$/.test(m.type) && own.includes('rw') && m.superOptions?.includes('ro') === true);
}

/** One filesystem the kernel made read-only: from its log line, or from the table of mounts alone. */
interface ReadOnlyFilesystem {
  device: string;
  /** The kernel's lines that date it: its remount line, else the device's errors. */
  lines: LogLine[];
  occurrences: number;
  now: MountedNow;
}

/**
 * The filesystems the kernel made read-only: those its log says it remounted, then those the table
 * of mounts shows read-only after errors though the log (kernel 6.x's ext4 after a journal abort,
 * or a log that has wrapped) has no remount line for them.
 */
function readOnlyFilesystems(facts: Facts): ReadOnlyFilesystem[] {
  const logged: ReadOnlyFilesystem[] = facts.kernel.readOnlyRemounts.map((r) => ({
    device: r.device ?? UNKNOWN_DEVICE,
    lines: [r.line, ...(r.lastLine ? [r.lastLine] : [])],
    occurrences: r.occurrences,
    now: mountedNow(facts, r.device),
  }));
  const known = new Set(logged.map((r) => r.device));
  // a logged device's mounts, found by name or, for dm-N, by number under /dev/mapper
  const seen = new Set(logged.flatMap((r) => (r.now && r.now.state !== 'unmounted' ? r.now.mounts : [])));
  for (const m of facts.disks.mounts) {
    const device = m.source.startsWith('/dev/') ? m.source.slice('/dev/'.length) : undefined;
    if (!device || known.has(device) || seen.has(m) || !madeReadOnlyByErrors(m)) continue;
    known.add(device);
    // dated by the journal's abort where the log has it, else by the device's latest error
    const abort = facts.kernel.journalAborts.find((a) => a.device === device)?.line;
    const errors = facts.kernel.ioErrors.filter((e) => e.device === device).flatMap((e) => [e.line, ...(e.lastLine ? [e.lastLine] : [])]);
    const when = abort ?? errors[errors.length - 1];
    logged.push({ device, lines: when ? [when] : [], occurrences: 1, now: mountedNow(facts, device) });
  }
  return logged;
}

/** FS_READ_ONLY_REMOUNT: the kernel remounted filesystems read-only after errors. */
export const fsReadOnlyRemountRule: Rule = {
  codes: ['FS_READ_ONLY_REMOUNT'],
  run(facts) {
    const remounts = readOnlyFilesystems(facts);
    if (remounts.length === 0) return [];
    const devices = remounts.map((r) => r.device);
    const now = remounts.map((r) => r.now);
    // over when every one is known to be mounted read-write again or mounted nowhere
    const over = now.every((n) => n !== undefined && n.state !== 'read-only');
    return [
      {
        code: 'FS_READ_ONLY_REMOUNT',
        severity: 'critical',
        title: `${plural(remounts.length, 'filesystem')} remounted read-only by the kernel: ${listSome(remounts.slice(0, 5).map((r) => remountText(r.device, r.now)), 5)}`,
        // the kernel's remounts, then each named one's mount as the kernel's table shows it now
        evidence: distinctEvidence([...quote(remounts.flatMap((r) => r.lines.slice(0, 1)), 6), ...now.slice(0, 5).flatMap((n) => (n && n.state !== 'unmounted' ? n.mounts.slice(0, 2).map((m) => toEvidence(m.line)) : []))]),
        fixes: [...thinPoolFixes(thinPoolSign(facts, devices)), ...recoverFixes(facts, devices)],
        seen: seenOf(facts.clock, remounts.flatMap((r) => r.lines), remounts.reduce((n, r) => n + r.occurrences, 0)),
        data: { devices: devices.join(','), ...(over ? { read_only_now: false } : now.some((n) => n?.state === 'read-only') ? { read_only_now: true } : {}) },
      },
    ];
  },
};

/** Where a filesystem XFS shut down is now: still mounted (so still down), unmounted since, or mounted nowhere. */
type ShutdownNow = { state: 'down'; mounts: Mount[] } | { state: 'unmounted'; line?: LogLine } | undefined;

/**
 * A shut-down XFS stays down until it is unmounted, though its mount still says rw: XFS's own
 * unmount line after the shutdown ends it; otherwise its device still mounted means still down,
 * and a loop device's mounted nowhere means unmounted. Unknown without mountinfo, or for a device
 * the table does not show by name or number (/dev/root).
 */
function shutdownNow(facts: Facts, s: FsShutdown): ShutdownNow {
  if (s.endedBy) return { state: 'unmounted', line: s.endedBy };
  const mounts = mountsNow(facts, s.device);
  if (mounts === undefined) return undefined;
  if (mounts === 'unmounted') return { state: 'unmounted' };
  return { state: 'down', mounts };
}

const SHUTDOWN_WHY: Readonly<Record<FsShutdownReason, string>> = {
  'no-space': 'after its device refused a write for want of space',
  corruption: 'after it found its metadata corrupt',
  'log-io': 'after a write to its log failed',
  io: 'after an I/O error',
  'device-lost': 'after its device went away',
  user: 'on request (xfs_io shutdown, or a forced unmount)',
};

function shutdownText(s: FsShutdown, now: ShutdownNow): string {
  const where = now?.state === 'down' ? ` on ${listSome(now.mounts.map((m) => m.mount), 2)}` : '';
  const state = now === undefined ? '' : now.state === 'down' ? ', still mounted: every read and write there fails' : now.line ? ', unmounted since' : ', not mounted now';
  return `${s.device}${where} ${SHUTDOWN_WHY[s.reason]}${state}`;
}

/** The filesystems XFS shut down that are still mounted, by mount point. */
export function shutDownMountPoints(facts: Facts): string[] {
  return facts.kernel.fsShutdowns.flatMap((s) => {
    const now = shutdownNow(facts, s);
    return now?.state === 'down' ? now.mounts.map((m) => m.mount) : [];
  });
}

/**
 * Getting a shut-down XFS back: stop what uses it (containers with volumes there, Docker itself when
 * its data root is there), unmount (which ends the shutdown), repair unless it was shut down on
 * request, mount again. The root filesystem cannot be unmounted: a reboot, and xfs_repair from
 * rescue media if its mount then fails.
 */
function shutdownRepairFix(facts: Facts, s: FsShutdown, mount: Mount | undefined): Fix {
  // the name it is mounted by (/dev/mapper/vg-data for dm-8), where the table says
  const device = mount?.source.startsWith('/dev/') ? mount.source : `/dev/${s.device}`;
  // a container's thin device on a devicemapper host: Docker unmounts it when the container stops, and mounts it afresh at its start
  if (isThinDevice(s.device) && storageDriverOf(facts)?.driver === 'devicemapper') {
    return {
      title: `${s.device} is a container's thin device: once the pool has room again, restart the containers whose filesystem fails`,
      detail:
        "Docker unmounts a container's thin device when it stops and mounts it afresh when it starts, which ends the shutdown; the log is replayed at that mount. Until then the container's every read and write fails with an I/O error.",
      commands: ["docker ps --format '{{.ID}} {{.Names}} {{.Status}}'", 'docker restart <container>'],
    };
  }
  const repair = s.reason !== 'user';
  const log =
    'Mounting it again replays its log. xfs_repair refuses a filesystem whose log is dirty: mount and unmount it once first; `xfs_repair -L` throws the log away with its latest changes, and is the last resort.';
  const why = s.reason === 'corruption' ? ' It found its metadata corrupt: xfs_repair is what mends that (xfs_repair -n shows what it would change).' : '';
  if (mount?.mount === '/') {
    return {
      title: `${device} is the root filesystem: reboot the host (drain it first); if the root will not mount, run xfs_repair on it from rescue media`,
      detail: `A shut-down XFS stays down until it is unmounted, and the root cannot be while the host runs.${why} fsck at boot does nothing for XFS. ${log}`,
    };
  }
  const where = mount?.mount;
  // what is on this filesystem, not on one mounted deeper inside it
  const onIt = (path: string): boolean => where !== undefined && filesystemOf(path, facts.disks.mounts)?.mount === where;
  const users = facts.docker.containers.filter((c) => c.running && (c.binds ?? []).some((b) => onIt(b.source))).map((c) => c.name ?? c.id.slice(0, 12));
  const root = dockerRootOf(facts).path;
  const dockerHere = onIt(root);
  const stop = [...(dockerHere ? [dockerService(facts).stop] : users.length ? [`docker stop ${users.slice(0, 5).map(shellArg).join(' ')}`] : [])];
  const uses = dockerHere ? ` Docker's data root (${root}) is there: stop Docker first.` : users.length ? ` Stop the containers with volumes there first (${listSome(users, 5)}).` : '';
  return {
    title: `${repair ? 'Unmount, repair with xfs_repair and mount again' : 'Unmount and mount again'} ${where ?? device}: a shut-down XFS stays down until it is unmounted`,
    detail: `Until then every read and write there fails with an I/O error, though its mount still says rw.${uses}${why} ${repair ? log : 'It was shut down on purpose: it needs no repair.'}`,
    commands: [...stop, ...(where ? [`umount ${shellArg(where)}`] : []), ...(repair ? [repairCommand('xfs', device)] : []), ...(where ? [`mount ${shellArg(device)} ${shellArg(where)}`] : [])],
  };
}

/** FS_SHUTDOWN: XFS shut filesystems down after errors; each stays down (every access fails) until unmounted. */
export const fsShutdownRule: Rule = {
  codes: ['FS_SHUTDOWN'],
  run(facts) {
    const shutdowns = facts.kernel.fsShutdowns;
    if (shutdowns.length === 0) return [];
    const now = shutdowns.map((s) => shutdownNow(facts, s));
    const current = shutdowns.filter((_, i) => now[i]?.state !== 'unmounted');
    const title =
      shutdowns.length === 1
        ? `XFS shut down ${shutdownText(shutdowns[0] as FsShutdown, now[0])}`
        : `${plural(shutdowns.length, 'filesystem')} shut down by XFS: ${listSome(shutdowns.slice(0, 4).map((s, i) => shutdownText(s, now[i])), 4)}`;
    const lines = shutdowns.flatMap((s) => [...(s.causeLine ? [s.causeLine] : []), s.line, ...(s.endedBy ? [s.endedBy] : [])]);
    return [
      {
        code: 'FS_SHUTDOWN',
        severity: 'critical',
        title,
        // why, the shutdown, and where each is mounted now (or its unmount since)
        evidence: distinctEvidence([...quote(lines, 6), ...now.slice(0, 4).flatMap((n) => (n?.state === 'down' ? n.mounts.slice(0, 2).map((m) => toEvidence(m.line)) : []))]),
        fixes: current.slice(0, 3).map((s) => {
          const n = now[shutdowns.indexOf(s)];
          return shutdownRepairFix(facts, s, n?.state === 'down' ? n.mounts[0] : undefined);
        }),
        seen: seenOf(facts.clock, shutdowns.map((s) => s.line), shutdowns.length),
        data: {
          devices: shutdowns.map((s) => s.device).join(','),
          reasons: [...new Set(shutdowns.map((s) => s.reason))].join(','),
          // over when every one is known to be unmounted since or mounted nowhere
          ...(current.length === 0 ? { shut_down_now: false } : now.some((n) => n?.state === 'down') ? { shut_down_now: true } : {}),
        },
      },
    ];
  },
};
