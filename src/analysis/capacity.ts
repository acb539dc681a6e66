import { filesystemOf, thinPoolBytesOf, thinPoolName, type ThinPoolBytes } from './facts/disks.js';
import type { Facts } from './facts/index.js';
import { isStuckInD } from './facts/system.js';
import { dockerRootOf } from './rules/docker/docker-context.js';
import { isReportableFilesystem } from './rules/docker/filesystem-scope.js';

/** One filesystem as df counts it: `capacityBytes` is used + available, what df's Use% divides by. */
export interface FilesystemCapacity {
  mount: string;
  source: string;
  type?: string;
  usedBytes: number;
  capacityBytes: number;
}

export interface PoolCapacity extends ThinPoolBytes {
  name?: string;
}

/**
 * How full a host is, in plain numbers: what a capacity sweep samples. Only what was collected
 * and could be read is here; a missing spec gives an empty list or null, never a zero.
 */
export interface CapacityFacts {
  /** Real filesystems, one per mount; the containers' own mounts under Docker's data root are left out. */
  filesystems: FilesystemCapacity[];
  inodes: { mount: string; type?: string; used: number; total: number }[];
  /**
   * Thin pools, once each: Docker's from docker info first (named by its Pool Name), then every
   * other pool, or the same one when the daemon did not answer, from dmsetup status and lvs.
   */
  pools: PoolCapacity[];
  /** json-file logs with the filesystem they live on, when df has it. */
  containerLogs: { containerId: string; bytes: number; path: string; filesystem?: FilesystemCapacity }[];
  /** Processes in uninterruptible sleep; null when ps was not collected. */
  dStateProcesses: number | null;
  load1: number | null;
}

/** The capacity view of a bundle's facts (see CapacityFacts). Pure projection, no parsing of its own. */
export function capacityFacts(facts: Facts): CapacityFacts {
  const root = dockerRootOf(facts).path;
  const underDockerRoot = (mount: string): boolean => mount.startsWith(root.endsWith('/') ? root : `${root}/`);
  // A mount listed twice (bind mounts, a remount) is one resource: the first row wins, as in the rules.
  const once = <T extends { mount: string; source: string; type?: string }>(rows: readonly T[]): T[] => {
    const seen = new Set<string>();
    return rows.filter((r) => {
      if (!isReportableFilesystem(r) || underDockerRoot(r.mount) || seen.has(r.mount)) return false;
      seen.add(r.mount);
      return true;
    });
  };
  const filesystems = once(facts.disks.filesystems)
    .filter((fs) => fs.usedBytes + fs.availableBytes > 0)
    .map(
      (fs): FilesystemCapacity => ({
        mount: fs.mount,
        source: fs.source,
        ...(fs.type ? { type: fs.type } : {}),
        usedBytes: fs.usedBytes,
        capacityBytes: fs.usedBytes + fs.availableBytes,
      }),
    );
  const inodes = once(facts.disks.inodes)
    .filter((fs) => fs.inodes > 0)
    .map((fs) => ({ mount: fs.mount, ...(fs.type ? { type: fs.type } : {}), used: fs.used, total: fs.inodes }));

  const info = facts.docker.info;
  const hasPool = info && (info.dataTotalBytes !== undefined || info.metadataTotalBytes !== undefined);
  const others = facts.disks.thinPools;
  // docker info before 1.7 names no pool: when the kernel lists exactly one, it is that one
  const dockerPoolName = info?.poolName ?? (others.length === 1 ? others[0]?.name : undefined);
  const pools: PoolCapacity[] = hasPool ? [{ ...(dockerPoolName ? { name: thinPoolName(dockerPoolName) } : {}), ...thinPoolBytesOf(info) }] : [];
  for (const p of others) {
    if (!pools.some((q) => q.name === p.name)) pools.push({ name: p.name, ...thinPoolBytesOf(p) });
  }

  const containerLogs = facts.docker.logSizes.map((log) => {
    const filesystem = filesystemOf(log.path, filesystems);
    return { containerId: log.containerId, bytes: log.bytes, path: log.path, ...(filesystem ? { filesystem } : {}) };
  });

  const processes = facts.system.processes;
  return {
    filesystems,
    inodes,
    pools,
    containerLogs,
    dStateProcesses: processes ? processes.filter(isStuckInD).length : null,
    load1: facts.system.load?.one ?? null,
  };
}
