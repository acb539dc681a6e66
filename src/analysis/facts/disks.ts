import { ranClean, type Bundle } from '../../domain/index.js';
import { parseDf, type Filesystem } from '../parsers/df.js';
import { parseDfInodes, type InodeUsage } from '../parsers/df-inodes.js';
import { parseDmsetupStatus, thinPoolBytes, type ThinPoolBytes } from '../parsers/dmsetup-status.js';
import type { LogLine } from '../parsers/log-line.js';
import { parseLvs } from '../parsers/lvs.js';
import { parseMounts, type Mount } from '../parsers/mountinfo.js';
import { parseFuseConnections, type FuseWaiting } from '../parsers/fuse-connections.js';
import { parseLoopDevices, type LoopDevice } from '../parsers/loop-devices.js';

export type { Filesystem, InodeUsage, FuseWaiting, LoopDevice, Mount, ThinPoolBytes };

/** A device-mapper thin pool as the kernel (dmsetup status) or LVM (lvs) reports it. */
export interface ThinPoolUsage extends ThinPoolBytes {
  /** The device-mapper name, as docker info's `Pool Name` prints it (LVM's `-tpool` layer left off). */
  name: string;
  source: 'dmsetup' | 'lvs';
  /** lvs's Data% and Meta% as printed (dmsetup's from its block counts). */
  dataUsedPct?: number;
  metadataUsedPct?: number;
  /** The kernel's mode: ro and out_of_data_space stop or queue writes; fail lost the pool. */
  mode?: 'rw' | 'ro' | 'out_of_data_space' | 'fail' | 'unknown';
  needsCheck?: boolean;
  line: LogLine;
}

export interface DiskFacts {
  filesystems: Filesystem[];
  inodes: InodeUsage[];
  /** Every mount from the kernel's table (mountinfo), including the ones df hung on. */
  mounts: Mount[];
  /** Thin pools on the host, once each: dmsetup's exact block counts first, then pools only lvs listed. */
  thinPools: ThinPoolUsage[];
  /**
   * Requests waiting on each FUSE connection (fuse_connections). Only where the step answered and
   * mountinfo shows the fusectl filesystem mounted: otherwise an empty listing would say nothing.
   */
  fuseWaiting?: FuseWaiting[];
  /** Attached loop devices and the files behind them (loop_devices). */
  loopDevices: LoopDevice[];
}

export function buildDiskFacts(bundle: Bundle): DiskFacts {
  const df = bundle.files.get('df');
  const dfi = bundle.files.get('df_inodes');
  const mountinfo = bundle.files.get('mountinfo');
  const mounts = mountinfo ? parseMounts(mountinfo) : [];
  const fuse = bundle.files.get('fuse_connections');
  const fuseKnown = fuse !== undefined && ranClean(bundle.meta.steps?.['fuse_connections']) && mounts.some((m) => m.type === 'fusectl');
  return {
    filesystems: df ? parseDf(df) : [],
    inodes: dfi ? parseDfInodes(dfi) : [],
    mounts,
    thinPools: thinPoolsOf(bundle),
    loopDevices: parseLoopDevices(bundle.files.get('loop_devices') ?? ''),
    ...(fuseKnown ? { fuseWaiting: parseFuseConnections(fuse) } : {}),
  };
}

/** The byte figures `from` has, and only those (docker info's pool and a listed pool alike). */
export function thinPoolBytesOf(from: ThinPoolBytes): ThinPoolBytes {
  const { dataUsedBytes, dataTotalBytes, metadataUsedBytes, metadataTotalBytes } = from;
  return {
    ...(dataUsedBytes !== undefined ? { dataUsedBytes } : {}),
    ...(dataTotalBytes !== undefined ? { dataTotalBytes } : {}),
    ...(metadataUsedBytes !== undefined ? { metadataUsedBytes } : {}),
    ...(metadataTotalBytes !== undefined ? { metadataTotalBytes } : {}),
  };
}

/** LVM activates a pool that has thin volumes as `<vg>-<lv>-tpool` under a `<vg>-<lv>` layer: one pool. */
export function thinPoolName(dmName: string): string {
  return dmName.replace(/-tpool$/, '');
}

const pct = (used: number | undefined, total: number | undefined): number | undefined => (used !== undefined && total ? (used / total) * 100 : undefined);

function thinPoolsOf(bundle: Bundle): ThinPoolUsage[] {
  const pools: ThinPoolUsage[] = [];
  const status = bundle.files.get('dmsetup_status');
  for (const p of status ? parseDmsetupStatus(status) : []) {
    const bytes = thinPoolBytes(p);
    const dataUsedPct = pct(p.dataUsedBlocks, p.dataTotalBlocks);
    const metadataUsedPct = pct(p.metadataUsedBlocks, p.metadataTotalBlocks);
    pools.push({
      name: thinPoolName(p.name),
      source: 'dmsetup',
      ...bytes,
      ...(dataUsedPct !== undefined ? { dataUsedPct } : {}),
      ...(metadataUsedPct !== undefined ? { metadataUsedPct } : {}),
      mode: p.mode,
      needsCheck: p.needsCheck,
      line: p.line,
    });
  }
  const lvs = bundle.files.get('lvs');
  for (const p of lvs ? parseLvs(lvs) : []) {
    if (pools.some((q) => q.name === p.dmName)) continue;
    const { sizeBytes, dataPct, metadataPct, metadataSizeBytes } = p;
    pools.push({
      name: p.dmName,
      source: 'lvs',
      ...(sizeBytes !== undefined && dataPct !== undefined ? { dataUsedBytes: (sizeBytes * dataPct) / 100, dataTotalBytes: sizeBytes } : {}),
      ...(metadataSizeBytes !== undefined && metadataPct !== undefined ? { metadataUsedBytes: (metadataSizeBytes * metadataPct) / 100, metadataTotalBytes: metadataSizeBytes } : {}),
      ...(dataPct !== undefined ? { dataUsedPct: dataPct } : {}),
      ...(metadataPct !== undefined ? { metadataUsedPct: metadataPct } : {}),
      line: p.line,
    });
  }
  return pools;
}

/**
 * The mounts of a device the kernel names (`loop0`, `sdb1`): those whose source is /dev/NAME. A
 * device-mapper device (`dm-8`) is mounted by its /dev/mapper name (an LVM volume, a LUKS mapping,
 * a container's thin device): where mountinfo gives device numbers, the one whose minor is N.
 */
export function mountsOfDevice(mounts: readonly Mount[], device: string): Mount[] {
  const dm = /^dm-(\d+)$/.exec(device);
  const minor = dm ? Number(dm[1]) : undefined;
  return mounts.filter((m) => m.source === `/dev/${device}` || (minor !== undefined && m.source.startsWith('/dev/mapper/') && m.device?.minor === minor));
}

/** The filesystem that holds `path`: the longest mount point that is a prefix of it. */
export function filesystemOf<T extends { mount: string }>(path: string, filesystems: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const fs of filesystems) {
    const m = fs.mount;
    const holds = m === '/' || path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`);
    if (holds && (!best || m.length > best.mount.length)) best = fs;
  }
  return best;
}
