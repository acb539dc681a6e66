import { shellArg, type Fix } from '../../../domain/index.js';
import { filesystemOf } from '../../facts/disks.js';
import type { Facts, Filesystem } from '../../facts/index.js';
import { formatBytes, GIB } from '../../parsers/sizes.js';
import { dockerRootOf, dockerService } from './docker-context.js';
import { listSome } from '../kernel/support.js';
import { failedLogsNote } from './how-it-ended.js';

const LOOP_DEVICE = /^\/dev\/loop\d+$/;

/** Docker 1.3's `Data file`: the sparse file's own path, not a device. */
function isSparseFilePath(dataFile: string): boolean {
  return dataFile.startsWith('/') && !dataFile.startsWith('/dev/');
}

/** A larger data file is worth a restart when it gives a tenth more than today at least. */
function growsEnough(gib: number, totalBytes: number): boolean {
  return gib * GIB > totalBytes * 1.1;
}

/**
 * How the devicemapper pool is built: loop-lvm (sparse files through loop devices: docker info's
 * `Data loop file`, a /dev/loopN data file, or Docker 1.3's file path); data-device (a pool Docker
 * made on a block device given with dm.datadev: `Data file: /dev/sda3`); direct-lvm (an LVM thin
 * pool given with dm.thinpooldev: no data file). Undefined when docker info did not say.
 */
export type ThinPoolMode = 'loop-lvm' | 'data-device' | 'direct-lvm';
export function thinPoolMode(facts: Facts): ThinPoolMode | undefined {
  const info = facts.docker.info;
  if (!info || info.storageDriver !== 'devicemapper') return undefined;
  const dataFile = info.dataFile ?? '';
  if (info.dataLoopFile !== undefined || LOOP_DEVICE.test(dataFile) || isSparseFilePath(dataFile)) return 'loop-lvm';
  if (dataFile.startsWith('/dev/')) return 'data-device';
  return info.poolName ? 'direct-lvm' : undefined;
}

/** The sparse file under the pool's data: `Data loop file`, Docker 1.3's `Data file` path, else where Docker keeps it under its root. */
export function loopDataFile(facts: Facts): string | undefined {
  const info = facts.docker.info;
  if (thinPoolMode(facts) !== 'loop-lvm' || !info) return undefined;
  if (info.dataLoopFile) return info.dataLoopFile;
  if (info.dataFile && isSparseFilePath(info.dataFile)) return info.dataFile;
  return `${dockerRootOf(facts).path}/devicemapper/devicemapper/data`;
}

/** What the filesystem under the loop file can back, from this host's df and docker info. */
export interface LoopDataSizing {
  file: string;
  filesystem: Filesystem;
  /** The data file size the filesystem can back, whole GiB (dm.* sizes are binary: 216G is 216 GiB). */
  backableGiB: number;
  /** Larger than the pool is now: growing the file gives the pool room the filesystem has. */
  grows: boolean;
  /** "/data (xfs) has 155 GB free: a data file of up to 216 GiB fits, keeping 10 % of it free". */
  text: string;
}

/**
 * The size a loop-lvm data file can have on its filesystem: what the pool uses now plus that
 * filesystem's free space, less a reserve (10 % of it, at least 1 GiB) for the host and the
 * metadata file. A sparse file promised more than that fails every container with I/O errors the
 * day the filesystem fills, so nothing larger is ever suggested.
 */
export function loopDataSizing(facts: Facts): LoopDataSizing | undefined {
  const info = facts.docker.info;
  const file = loopDataFile(facts);
  const filesystem = file ? filesystemOf(file, facts.disks.filesystems) : undefined;
  if (!info || !file || !filesystem || info.dataUsedBytes === undefined || info.dataTotalBytes === undefined) return undefined;
  const reserve = Math.max(filesystem.sizeBytes * 0.1, GIB);
  const backable = info.dataUsedBytes + Math.max(0, filesystem.availableBytes - reserve);
  const backableGiB = Math.floor(backable / GIB);
  const grows = growsEnough(backableGiB, info.dataTotalBytes);
  const where = `${filesystem.mount}${filesystem.type ? ` (${filesystem.type})` : ''} has ${formatBytes(filesystem.availableBytes)} free`;
  const text = grows
    ? `${where}: a data file of up to ${backableGiB} GiB fits, keeping 10 % of it free`
    : `${where}, and the pool already holds ${formatBytes(info.dataUsedBytes)} of a ${formatBytes(info.dataTotalBytes)} file: a larger file would only move the failure to that filesystem`;
  return { file, filesystem, backableGiB, grows, text };
}

/** A sizing no larger than what is wanted, rounded up to whole GiB. */
function capped(sizing: LoopDataSizing, wantBytes: number, totalBytes: number): LoopDataSizing {
  const wantGiB = Math.ceil(wantBytes / GIB);
  if (wantGiB >= sizing.backableGiB || !sizing.grows) return sizing;
  return { ...sizing, backableGiB: wantGiB, grows: growsEnough(wantGiB, totalBytes), text: `${sizing.text}; ${wantGiB} GiB is what it needs` };
}

/** `vg/lv` from a device-mapper name (`docker-thinpool` is docker/thinpool; a hyphen inside a name is doubled). */
export function lvmPathOf(dmName: string): string | undefined {
  const m = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(dmName);
  if (!m) return undefined;
  const part = (s: string) => s.replace(/--/g, '-');
  return `${part(m[1] as string)}/${part(m[2] as string)}`;
}

/** Extending an LVM volume by all its group has free, and what to do when the group has none. */
function extendVolume(lv: string): { detail: string; commands: string[] } {
  const vg = lv.slice(0, lv.indexOf('/'));
  return {
    detail: `If vgs shows no free space in ${vg}, add a disk to it first (vgextend ${vg} /dev/<new disk>).`,
    commands: [`vgs ${shellArg(vg)}`, `lvextend -l +100%FREE ${shellArg(lv)}`],
  };
}

/**
 * Room for the pool's data, in this host's terms: the loop file's size from its filesystem (no
 * more than `wantBytes` when the pool needs only that much), the LVM volume's name.
 */
export function growDataFix(facts: Facts, wantBytes?: number): Fix {
  const mode = thinPoolMode(facts);
  if (mode === 'loop-lvm') {
    const fits = loopDataSizing(facts);
    const sizing = fits && wantBytes !== undefined ? capped(fits, wantBytes, facts.docker.info?.dataTotalBytes ?? 0) : fits;
    const file = sizing?.file ?? loopDataFile(facts) ?? '<data file>';
    if (sizing && !sizing.grows) {
      return {
        title: `The filesystem under the loop file cannot give the pool more: free space on ${sizing.filesystem.mount} or move the pool to its own disk`,
        detail: `${sizing.text}. An existing loop file is never shrunk, so a smaller dm.loopdatasize only applies to a new pool. Move the pool to direct-lvm (--storage-opt dm.thinpooldev) on a disk of its own.`,
        commands: [`du -xh --max-depth=2 ${shellArg(sizing.filesystem.mount)} | sort -h | tail -20`],
      };
    }
    return {
      title: sizing ? `Grow the loop file to ${sizing.backableGiB} GiB and restart Docker` : 'Grow the loop file to what its filesystem can hold and restart Docker',
      detail:
        `${sizing ? `${sizing.text}. ` : `Check the free space of the filesystem under ${file} first (df): the sparse file must never be promised more. `}` +
        'Docker takes its loop-lvm pool down when it stops, and on start grows the data file to dm.loopdatasize (it never shrinks one) and makes the pool again at that size. In production, move to direct-lvm (--storage-opt dm.thinpooldev) instead.',
      commands: [`df -h ${shellArg(file)}`, `ls -ls ${shellArg(file)}`],
      daemon_options: [`--storage-opt dm.loopdatasize=${sizing ? `${sizing.backableGiB}G` : '<size that fits its filesystem>'}`],
    };
  }
  const lv = mode === 'direct-lvm' && facts.docker.info?.poolName ? lvmPathOf(facts.docker.info.poolName) : undefined;
  if (lv) {
    const extend = extendVolume(lv);
    return { title: `Extend the thin pool's logical volume ${lv}`, detail: `${extend.detail} Docker sees the new size at once.`, commands: extend.commands };
  }
  const device = mode === 'data-device' ? facts.docker.info?.dataFile : undefined;
  if (device) {
    // Docker made this pool itself (dm.datadev) and takes it down when it stops: it makes it again at the device's size on start
    const restart = dockerService(facts).restart;
    const dataLv = device.startsWith('/dev/mapper/') ? lvmPathOf(device.slice('/dev/mapper/'.length)) : undefined;
    if (dataLv) {
      const extend = extendVolume(dataLv);
      return {
        title: `Extend the pool's data volume ${dataLv}, then restart Docker`,
        detail: `Docker made the pool on ${device} (dm.datadev) and makes it again at that volume's size when it starts. ${extend.detail}`,
        commands: [...extend.commands, restart],
      };
    }
    return {
      title: `Grow the device under the pool, ${device}, then restart Docker`,
      detail: `Docker made the pool on ${device} (dm.datadev) and makes it again at the device's size when it starts: grow the partition or volume (a cloud disk resized, a partition with free space after it), or move the pool to an LVM thin pool (--storage-opt dm.thinpooldev).`,
      commands: [`lsblk ${shellArg(device)}`, restart],
    };
  }
  return {
    title: 'Give the thin pool more space',
    detail: 'On direct-lvm extend its logical volume (lvextend -l +100%FREE <vg>/<thinpool>); on loop-lvm raise --storage-opt dm.loopdatasize to what the filesystem under the data file can hold and restart Docker.',
    commands: ['lvs -a', 'dmsetup status --target thin-pool'],
  };
}

/** Room for the pool's metadata: twice what it has, as the loop file's option or the LVM volume's. */
export function growMetadataFix(facts: Facts): Fix {
  const mode = thinPoolMode(facts);
  const total = facts.docker.info?.metadataTotalBytes;
  const addGiB = total ? Math.max(1, Math.ceil(total / GIB)) : 1;
  const lv = mode === 'direct-lvm' && facts.docker.info?.poolName ? lvmPathOf(facts.docker.info.poolName) : undefined;
  const detail = 'When metadata is full the pool goes read-only and every container write fails. Removing unused containers and images frees metadata too.';
  if (mode === 'loop-lvm') {
    return {
      title: total ? `Grow the metadata loop file to ${2 * addGiB} GiB and restart Docker` : 'Grow the metadata loop file and restart Docker',
      detail: `${detail} Docker grows the metadata file to dm.loopmetadatasize when it starts.`,
      daemon_options: [`--storage-opt dm.loopmetadatasize=${total ? `${2 * addGiB}G` : '<twice Metadata Space Total>'}`],
    };
  }
  const device = mode === 'data-device' ? facts.docker.info?.metadataFile : undefined;
  if (device?.startsWith('/dev/')) {
    return {
      title: `Grow the metadata device ${device}, then restart Docker`,
      detail: `${detail} Docker made the pool on it (dm.metadatadev) and makes it again at its size when it starts.`,
      commands: [`lsblk ${shellArg(device)}`, dockerService(facts).restart],
    };
  }
  return {
    title: 'Grow the pool metadata',
    detail: `${detail} LVM thin pool metadata can grow to 16 GiB.`,
    commands: [`lvextend --poolmetadatasize +${addGiB}G ${lv ? shellArg(lv) : '<vg>/<thinpool>'}`],
  };
}

/**
 * The options of a new pool whose base devices are ext4 (dm.fs applies only when a pool is made),
 * with a loop file sized to what its filesystem can back on loop-lvm: one setting, as they go together.
 */
export function ext4PoolOptions(facts: Facts): string {
  // undefined unless the pool is on loop files
  const sizing = loopDataSizing(facts);
  return `--storage-opt dm.fs=ext4${sizing && sizing.backableGiB >= 1 ? ` --storage-opt dm.loopdatasize=${sizing.backableGiB}G` : ''}`;
}

/**
 * What fills the pool: everything a container writes outside its mounts lands in its thin device.
 * Running containers with no mount at all write there only, so they are named.
 */
export function moveWritersFix(facts: Facts): Fix {
  const bare = facts.docker.containers.filter((c) => c.running === true && c.mounts === 0);
  const named = bare.map((c) => `${c.name ?? c.id.slice(0, 12)}${c.image ? ` (${c.image})` : ''}`);
  return {
    title: 'Move heavy writers out of the container filesystem',
    detail:
      'Databases, append-only files, queues and logs written inside containers fill the pool, and with nodiscard deleted blocks are not returned. ' +
      (named.length ? `${named.length === 1 ? 'This running container has' : `These ${named.length} running containers have`} no volume, so all ${named.length === 1 ? 'it writes' : 'they write'} lands in the pool: ${listSome(named, 5)}. ` : '') +
      `Put what they write on a mounted volume (docker run -v /srv/<app>:<its data directory>) and remove stopped containers and dangling images.${failedLogsNote(facts)}`,
    commands: ["docker ps -s --format '{{.Size}}\\t{{.Names}}' | sort -h | tail", 'docker rm $(docker ps -aq -f status=exited)', 'docker rmi $(docker images -q -f dangling=true)'],
  };
}
