import { SEVERITY_RANK, type Finding, type FindingCode, type RootCause } from '../domain/index.js';
import { filesystemOf } from './facts/disks.js';
import type { Facts } from './facts/index.js';
import { HUNG_TASK_NARRATIVE, type BlockedIoClass } from './rules/kernel/blocked-io.js';
import { backingMounts, remountedMountPoints, shutDownMountPoints } from './rules/kernel/filesystem-errors.js';
import { findContainer, listSome } from './rules/kernel/support.js';
import { dockerRootOf } from './rules/docker/docker-context.js';

/**
 * A causal edge: when both findings are present (and `applies` holds), the cause explains the effect.
 * Edges come from incident write-ups: a full pool or disk makes writes fail (I/O errors, read-only remounts),
 * failing writes leave tasks hung in D state, hung tasks pile up load and hang dockerd.
 */
interface CausalEdge {
  cause: FindingCode;
  effects: readonly FindingCode[];
  applies?: (cause: Finding, effect: Finding, facts: Facts) => boolean;
}

const sameSubject = (cause: Finding, effect: Finding): boolean =>
  !cause.subject || !effect.subject || sameContainer(cause.subject, effect.subject);

/** Container subjects may be a short (12) or full (64) id: a prefix match is the same container. */
function sameContainer(a: string, b: string): boolean {
  return a === b || a.startsWith(b) || b.startsWith(a);
}

const poolOnLoopFile = (_c: Finding, _e: Finding, facts: Facts): boolean => {
  const dataFile = facts.docker.info?.dataFile ?? '';
  return dataFile.startsWith('/dev/loop') || dataFile.startsWith('/var/') || dataFile.startsWith('/home/');
};

/** A third: below that, a log is one consumer among others, not what filled the disk. */
const LOG_SHARE_OF_USED = 1 / 3;

/** A huge log explains a full filesystem when it lives there and takes a good share of what is used. */
const logFillsFilesystem = (cause: Finding, effect: Finding, facts: Facts): boolean => {
  const path = cause.data?.['log_path'];
  const bytes = cause.data?.['log_bytes'];
  const size = effect.data?.['size_bytes'];
  const available = effect.data?.['available_bytes'];
  if (typeof path !== 'string' || typeof bytes !== 'number' || typeof size !== 'number' || typeof available !== 'number') return false;
  if (filesystemOf(path, facts.disks.filesystems)?.mount !== effect.subject) return false;
  return bytes >= (size - available) * LOG_SHARE_OF_USED;
};

/**
 * A full filesystem makes dockerd hang only when its data root is there; a daemon stopped by a
 * signal (ps state T) hangs for that reason alone, whatever else is wrong.
 */
const fullDiskHangsDaemon = (cause: Finding, effect: Finding): boolean =>
  effect.code !== 'DOCKERD_UNRESPONSIVE' || typeof cause.data?.['docker_root'] === 'string';
/** Waits that no disk, full or failing, explains: a network filesystem's server, a FUSE daemon, network devices, the freezer, a frozen filesystem. */
const NOT_STORAGE: ReadonlySet<BlockedIoClass> = new Set(['nfs', 'fuse', 'netdev', 'freezer', 'fs-frozen']);
/** Storage that fails or fills explains tasks hung on local I/O (or on what their stacks do not tell), not the rest. */
const blockedOnStorage = (effect: Finding): boolean => effect.code !== 'HUNG_TASK' || !NOT_STORAGE.has(ioClassOf(effect));

/** The kernel device names a filesystem finding is about (data.devices). */
const devicesOf = (finding: Finding): string[] => String(finding.data?.['devices'] ?? '').split(',').filter((d) => d !== '');
/**
 * A full filesystem explains the I/O errors and read-only remounts of a loop device only where the
 * file behind it is, and only for want of space (a sparse file needs blocks, not inodes).
 */
const fullUnderLoopDevice = (cause: Finding, effect: Finding, facts: Facts): boolean => {
  if (effect.code === 'FS_SHUTDOWN') return cause.code === 'FS_FULL' && shutDownForSpace(effect) && backingMounts(facts, devicesOf(effect)).includes(String(cause.subject));
  if (effect.code !== 'FS_IO_ERROR' && effect.code !== 'FS_READ_ONLY_REMOUNT') return true;
  const mounts = backingMounts(facts, devicesOf(effect));
  return mounts.length === 0 || (cause.code === 'FS_FULL' && mounts.includes(String(cause.subject)));
};
/** Why XFS shut the filesystems of an FS_SHUTDOWN down (data.reasons). */
const reasonsOf = (finding: Finding): string[] => String(finding.data?.['reasons'] ?? '').split(',');
/** XFS shut a filesystem down for want of space under it: a full pool, or a full filesystem under its loop device. */
const shutDownForSpace = (effect: Finding): boolean => effect.code !== 'FS_SHUTDOWN' || reasonsOf(effect).includes('no-space');
/**
 * I/O errors explain XFS shutting down the devices they name, for what fails beneath it (an I/O
 * error, its log's write, its device going away); a shutdown for corruption explains its own
 * errors instead.
 */
const ioErrorsShutDown = (cause: Finding, effect: Finding): boolean =>
  effect.code !== 'FS_SHUTDOWN' || (!reasonsOf(effect).includes('corruption') && !reasonsOf(effect).every((r) => r === 'user') && shareDevices(cause, effect));
const corruptionErrors = (cause: Finding, effect: Finding): boolean => reasonsOf(cause).includes('corruption') && shareDevices(cause, effect);
/** Two filesystem findings about a device in common. */
const shareDevices = (a: Finding, b: Finding): boolean => devicesOf(b).some((d) => devicesOf(a).includes(d));
/** Docker's data root is on a filesystem XFS shut down that is still mounted, or the mounts do not tell which is down. */
const dataRootShutDown = (facts: Facts): boolean => {
  const down = shutDownMountPoints(facts);
  return down.length === 0 || down.includes(filesystemHolding(dockerRootOf(facts).path, facts) ?? '');
};
/**
 * A filesystem XFS shut down, still down, keeps dockerd from starting when its start failed with an
 * I/O error and its data root is there (or the mounts are not known).
 */
const shutDownStopsStart = (cause: Finding, effect: Finding, facts: Facts): boolean =>
  cause.data?.['shut_down_now'] !== false && /input\/output error/i.test(String(effect.data?.['start_error'] ?? '')) && dataRootShutDown(facts);
/** A full data root filesystem (space or inodes) keeps dockerd from starting when its start failed for want of space. */
const fullDiskStopsStart = (cause: Finding, effect: Finding): boolean =>
  typeof cause.data?.['docker_root'] === 'string' && /no space left on device/i.test(String(effect.data?.['start_error'] ?? ''));
/**
 * A hung task explains a daemon that does not answer when the daemon is blocked in the kernel, or
 * when the hung task is Docker's own (dockerd, containerd, a docker client); a shell's `stat` on a
 * dead FUSE mount says nothing about a dockerd that was stopped by a signal or answers slowly.
 */
const hungTaskHangsDaemon = (cause: Finding, effect: Finding): boolean =>
  effect.code !== 'DOCKERD_UNRESPONSIVE' || effect.data?.['dockerd_state'] === 'blocked' || /^(?:dockerd|docker|containerd)/.test(String(cause.data?.['task'] ?? ''));
/** The binds and volumes of the container a finding is about, as docker inspect listed them. */
function bindsOfEffect(effect: Finding, facts: Facts): { source: string; destination: string }[] | undefined {
  const id = effect.data?.['container_id'];
  return typeof id === 'string' ? findContainer(facts.docker.containers, id)?.binds : undefined;
}

/** The mount point of the filesystem that holds a host path: df's, else the kernel's table of mounts. */
function filesystemHolding(path: string, facts: Facts): string | undefined {
  return (filesystemOf(path, facts.disks.filesystems) ?? filesystemOf(path, facts.disks.mounts))?.mount;
}

/**
 * Where a container's refused write went: the filesystem of the bind or volume the path it names
 * is in (the deepest one that holds it), or its own writable layer (a path in none of them;
 * Docker's data root, or a thin pool's device). Undefined where its last words name no path, or its
 * mounts are not known.
 */
function refusedWriteWent(effect: Finding, facts: Facts): { filesystem: string | undefined } | 'writable-layer' | undefined {
  const path = effect.data?.['refused_path'];
  const binds = bindsOfEffect(effect, facts);
  if (typeof path !== 'string' || !binds) return undefined;
  const bind = filesystemOf(path, binds.map((b) => ({ mount: b.destination, source: b.source })));
  return bind ? { filesystem: filesystemHolding(bind.source, facts) } : 'writable-layer';
}

const holdsLayers = (cause: Finding): boolean => cause.code.startsWith('DM_') || (typeof cause.data?.['docker_root'] === 'string' && cause.data['docker_root'] !== '');

/**
 * A container whose last words are a write refused for want of space (one that ended, or one that
 * runs but fails its check), and the full filesystem or thin pool that write went to: the
 * filesystem of the volume the path it names is on; its writable layer's (Docker's data root, or
 * devicemapper's pool) for a path outside its volumes; without a path, either.
 */
const endedOutOfSpace = (cause: Finding, effect: Finding, facts: Facts): boolean => {
  if (effect.data?.['out_of_space'] !== true) return false;
  const went = refusedWriteWent(effect, facts);
  if (went === 'writable-layer') return holdsLayers(cause);
  if (went) return went.filesystem === cause.subject;
  return holdsLayers(cause) || (bindsOfEffect(effect, facts) ?? []).some((b) => filesystemHolding(b.source, facts) === cause.subject);
};

/**
 * A container whose last words are a write a read-only filesystem refused, and a filesystem the
 * kernel made read-only that still is: the one its write went to, where the path and its mounts
 * tell (its writable layer, a thin device of devicemapper's, is not listed by path).
 */
const endedReadOnly = (cause: Finding, effect: Finding, facts: Facts): boolean => {
  if (effect.data?.['read_only_fs'] !== true || cause.data?.['read_only_now'] === false) return false;
  const went = refusedWriteWent(effect, facts);
  if (went === undefined || went === 'writable-layer') return true;
  return went.filesystem !== undefined && remountedMountPoints(facts).includes(went.filesystem);
};
/**
 * A container whose last words are an I/O error, and a filesystem XFS shut down that is still
 * mounted: the one its access went to, where the path and its mounts tell (its writable layer when
 * Docker's data root is there).
 */
const endedOnShutDown = (cause: Finding, effect: Finding, facts: Facts): boolean => {
  if (effect.data?.['io_error'] !== true || cause.data?.['shut_down_now'] === false) return false;
  const went = refusedWriteWent(effect, facts);
  if (went === undefined) return true;
  if (went === 'writable-layer') return dataRootShutDown(facts);
  return went.filesystem !== undefined && shutDownMountPoints(facts).includes(went.filesystem);
};
const daemonNotStopped = (effect: Finding): boolean => effect.code !== 'DOCKERD_UNRESPONSIVE' || effect.data?.['dockerd_state'] !== 'stopped';

const WRITE_FAILURE_EFFECTS: readonly FindingCode[] = [
  'FS_IO_ERROR',
  'FS_READ_ONLY_REMOUNT',
  'FS_SHUTDOWN',
  'HUNG_TASK',
  'DOCKERD_UNRESPONSIVE',
  'CONTAINER_STOP_TIMEOUT',
];

export const CAUSAL_EDGES: readonly CausalEdge[] = [
  { cause: 'CONTAINER_LOGS_HUGE', effects: ['FS_FULL', 'FS_HIGH'], applies: logFillsFilesystem },
  { cause: 'FS_FULL', effects: ['DM_POOL_DATA_FULL', 'DM_POOL_METADATA_FULL'], applies: poolOnLoopFile },
  { cause: 'FS_FULL', effects: WRITE_FAILURE_EFFECTS, applies: (cause, effect, facts) => fullDiskHangsDaemon(cause, effect) && fullUnderLoopDevice(cause, effect, facts) && blockedOnStorage(effect) },
  { cause: 'FS_INODES_FULL', effects: WRITE_FAILURE_EFFECTS, applies: (cause, effect, facts) => fullUnderLoopDevice(cause, effect, facts) && blockedOnStorage(effect) },
  { cause: 'FS_FULL', effects: ['DOCKERD_DOWN'], applies: fullDiskStopsStart },
  { cause: 'FS_INODES_FULL', effects: ['DOCKERD_DOWN'], applies: fullDiskStopsStart },
  { cause: 'FS_SHUTDOWN', effects: ['DOCKERD_DOWN'], applies: shutDownStopsStart },
  { cause: 'DM_POOL_DATA_FULL', effects: WRITE_FAILURE_EFFECTS, applies: (_cause, effect) => blockedOnStorage(effect) && shutDownForSpace(effect) },
  { cause: 'DM_POOL_METADATA_FULL', effects: WRITE_FAILURE_EFFECTS, applies: (_cause, effect) => blockedOnStorage(effect) && shutDownForSpace(effect) },
  { cause: 'FS_IO_ERROR', effects: ['FS_READ_ONLY_REMOUNT', 'FS_SHUTDOWN', 'HUNG_TASK'], applies: (cause, effect) => blockedOnStorage(effect) && ioErrorsShutDown(cause, effect) },
  { cause: 'FS_SHUTDOWN', effects: ['FS_IO_ERROR'], applies: corruptionErrors },
  { cause: 'HUNG_TASK', effects: ['D_STATE_PILEUP', 'LOAD_EXTREME', 'DOCKERD_UNRESPONSIVE'], applies: hungTaskHangsDaemon },
  { cause: 'D_STATE_PILEUP', effects: ['LOAD_EXTREME'] },
  { cause: 'CONTAINERD_RESTORE_FAILED', effects: ['DOCKERD_UNRESPONSIVE', 'DOCKERD_DOWN'] },
  { cause: 'VETH_UNREGISTER_LEAK', effects: ['DOCKERD_UNRESPONSIVE', 'CONTAINER_STOP_TIMEOUT'] },
  { cause: 'VETH_UNREGISTER_LEAK', effects: ['HUNG_TASK'], applies: (_cause, effect) => effect.data?.['io_class'] === 'netdev' },
  { cause: 'DOCKERD_UNRESPONSIVE', effects: ['CONTAINER_STOP_TIMEOUT'] },
  { cause: 'JVM_HEAP_UNBOUNDED', effects: ['CONTAINER_OOM_KILLED', 'CONTAINER_RESTART_LOOP'], applies: sameSubject },
  // a process of a container that keeps running (a worker, a child of its server) killed by its
  // memory cgroup: the container's own check fails from then on
  { cause: 'CONTAINER_OOM_KILLED', effects: ['CONTAINER_RESTART_LOOP', 'CONTAINER_UNHEALTHY'], applies: sameSubject },
  // dockerd's own unit out of tasks cannot start what it runs; a container out of them dies of it
  { cause: 'PIDS_LIMIT_REACHED', effects: ['DOCKERD_UNRESPONSIVE', 'DOCKERD_DOWN'], applies: (cause) => typeof cause.data?.['unit'] === 'string' && cause.data['container_id'] === undefined },
  { cause: 'PIDS_LIMIT_REACHED', effects: ['CONTAINER_RESTART_LOOP', 'CONTAINER_EXITED', 'CONTAINER_UNHEALTHY'], applies: (cause, effect) => typeof cause.data?.['container_id'] === 'string' && sameSubject(cause, effect) },
  { cause: 'KERNEL_OOM_KILL', effects: ['CONTAINER_KILLED_137', 'CONTAINER_RESTART_LOOP'] },
  { cause: 'FS_READ_ONLY_REMOUNT', effects: ['CONTAINER_EXITED', 'CONTAINER_RESTART_LOOP', 'CONTAINER_UNHEALTHY'], applies: endedReadOnly },
  { cause: 'FS_SHUTDOWN', effects: ['CONTAINER_EXITED', 'CONTAINER_RESTART_LOOP', 'CONTAINER_UNHEALTHY'], applies: endedOnShutDown },
  ...(['FS_FULL', 'FS_INODES_FULL', 'DM_POOL_DATA_FULL', 'DM_POOL_METADATA_FULL'] as const).map((cause) => ({ cause, effects: ['CONTAINER_EXITED', 'CONTAINER_RESTART_LOOP', 'CONTAINER_UNHEALTHY'] as FindingCode[], applies: endedOutOfSpace })),
];

/** How the cause leads to what was seen. */
const NARRATIVE: Partial<Record<FindingCode, string>> = {
  DM_POOL_DATA_FULL:
    'The devicemapper thin pool has run out of data space, so container writes block or fail: the kernel reports I/O errors, filesystems go read-only, tasks hang in D state and dockerd stops answering.',
  DM_POOL_METADATA_FULL:
    'The devicemapper thin pool has run out of metadata space, so no new blocks can be mapped and container writes fail or hang.',
  FS_FULL:
    'A filesystem is full; everything that writes there (including a loop-backed devicemapper pool or Docker\'s data root) fails, which shows up as I/O errors and read-only remounts.',
  FS_INODES_FULL: 'A filesystem has no free inodes left, so file creation fails although space remains.',
  CONTAINER_LOGS_HUGE: 'A container\'s json-file log has grown without bound and fills the filesystem it lives on.',
  CONTAINERD_RESTORE_FAILED:
    'containerd dies while restoring its state from /var/lib/docker/libcontainerd at start-up, so dockerd never finishes starting and every docker command hangs.',
  VETH_UNREGISTER_LEAK:
    'The kernel is stuck waiting for a veth device to be released (unregister_netdevice); network namespace teardown blocks, and dockerd hangs with it.',
  JVM_HEAP_UNBOUNDED:
    'The JVM\'s heap may grow as large as the container\'s limit or beyond (sized from the host\'s memory, or bounded at the limit itself), so with what the JVM needs beside its heap it outgrows the cgroup limit and the kernel kills the process (exit 137); the orchestrator restarts it and the cycle repeats.',
  CONTAINER_OOM_KILLED: 'The container hit its memory limit and the kernel\'s memory cgroup killed its process (exit 137).',
  KERNEL_OOM_KILL: 'The host ran out of memory and the kernel OOM killer killed processes.',
  FS_IO_ERROR: 'The kernel reports I/O errors; filesystems remount read-only and writers hang.',
  FS_SHUTDOWN:
    'XFS shut a filesystem down after an error it could not recover from: every read and write there fails with an I/O error until it is unmounted and repaired, so whatever runs from it fails.',
  CONNTRACK_TABLE_FULL:
    "The kernel's connection-tracking table is full, so it drops the packets of new connections: clients see timeouts and resets that come and go.",
  PIDS_LIMIT_REACHED:
    'A cgroup reached its pids limit, so the kernel refuses it new processes and threads: what runs there cannot start workers, and fails or stops answering.',
  DOCKERD_UNRESPONSIVE: 'dockerd accepts connections but does not answer; container operations hang.',
};

/**
 * The independent problems of a host, each with its cause and the chain it explains: first what
 * keeps the Docker daemon from answering (its cause, or the daemon itself), then the finding that
 * explains the most others, then the next among what it left unexplained, and so on; a critical
 * finding on no causal edge with the rest is a problem of its own. Only causal edges
 * join findings: unrelated problems are never folded into one root cause. A host with only risks
 * and no critical finding has none.
 */
export function correlate(findings: readonly Finding[], facts: Facts): RootCause[] {
  if (findings.length === 0) return [];
  const explained = new Map<Finding, Set<Finding>>();
  const explainedBy = new Set<Finding>();
  for (const cause of findings) {
    const direct = new Set<Finding>();
    for (const edge of CAUSAL_EDGES) {
      if (edge.cause !== cause.code) continue;
      for (const effect of findings) {
        if (effect !== cause && edge.effects.includes(effect.code) && daemonNotStopped(effect) && (edge.applies?.(cause, effect, facts) ?? true)) {
          direct.add(effect);
          explainedBy.add(effect);
        }
      }
    }
    explained.set(cause, direct);
  }

  const reach = (root: Finding): Finding[] => {
    const seen = new Set<Finding>([root]);
    const order: Finding[] = [root];
    for (let i = 0; i < order.length; i++) {
      for (const next of explained.get(order[i] as Finding) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          order.push(next);
        }
      }
    }
    return order;
  };

  // Roots: findings nothing else explains that explain something, and a daemon that does not
  // answer even when it explains nothing (nothing on the host can be run or stopped until it does,
  // so it leads whatever else is wrong). Then the chains that reach the daemon, then the longest.
  const roots = findings
    .filter((f) => !explainedBy.has(f))
    .map((f) => ({ finding: f, chain: reach(f) }))
    .filter((c) => c.chain.length > 1 || isDaemonWide(c.finding))
    .sort(
      (a, b) =>
        Number(b.chain.some(isDaemonWide)) - Number(a.chain.some(isDaemonWide)) ||
        b.chain.length - a.chain.length ||
        SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity] ||
        findings.indexOf(a.finding) - findings.indexOf(b.finding),
    );

  const covered = new Set<Finding>();
  const problems: RootCause[] = [];
  /** The findings each problem stands for, its lead first. */
  const causes: Finding[][] = [];
  const take = (finding: Finding, chain: readonly Finding[]): void => {
    const fresh = chain.filter((f) => f === finding || !covered.has(f));
    for (const f of chain) covered.add(f);
    // Two instances of one code (two containers OOM-killed, two full filesystems) are one problem,
    // not two: what the second explains joins the first's chain, and its title names the others.
    const same = problems.findIndex((p) => p.code === finding.code);
    if (same === -1) {
      problems.push(problemOf(finding, fresh));
      causes.push([finding]);
    } else {
      const first = problems[same] as RootCause;
      const added = fresh.map((f) => f.code).filter((c) => !first.explains.includes(c));
      if (added.length) problems[same] = { ...first, explains: [...first.explains, ...new Set(added)] };
      causes[same]?.push(finding);
    }
  };
  for (const c of roots) {
    if (!covered.has(c.finding) && (c.chain.length === 1 || c.chain.some((f) => f !== c.finding && !covered.has(f)))) take(c.finding, c.chain);
  }
  // Lone critical findings: the rest of the host (a full disk) before single containers.
  const lone = findings.filter((f) => f.severity === 'critical' && !covered.has(f) && !explainedBy.has(f));
  for (const f of [...lone].sort((a, b) => scopeRank(a) - scopeRank(b))) take(f, [f]);
  return problems.map((p, i) => withOtherInstances(p, causes[i] ?? []));
}

/** A problem that stands for several findings of its code: the first's title, then what the others are about. */
function withOtherInstances(problem: RootCause, causes: readonly Finding[]): RootCause {
  const others = causes.slice(1);
  if (others.length === 0) return problem;
  const subjects = others.map((f) => f.subject).filter((s): s is string => s !== undefined);
  return { ...problem, title: `${problem.title}; and ${others.length} more${subjects.length === others.length ? `: ${listSome(subjects, 3)}` : ''}` };
}

const DAEMON_WIDE: readonly FindingCode[] = ['DOCKERD_UNRESPONSIVE', 'DOCKERD_DOWN'];

function isDaemonWide(f: Finding): boolean {
  return f.severity === 'critical' && DAEMON_WIDE.includes(f.code);
}

function scopeRank(f: Finding): number {
  return typeof f.data?.['container_id'] === 'string' ? 1 : 0;
}

/** The class blocked-I/O findings record in data.io_class (see blocked-io.ts). */
function ioClassOf(f: Finding): BlockedIoClass {
  const cls = f.data?.['io_class'];
  return typeof cls === 'string' && cls in HUNG_TASK_NARRATIVE ? (cls as BlockedIoClass) : 'unknown';
}

function problemOf(cause: Finding, chain: readonly Finding[]): RootCause {
  const codes = [...new Set(chain.map((f) => f.code))];
  const effects = chain.filter((f) => f !== cause);
  const narrative = (cause.code === 'HUNG_TASK' ? HUNG_TASK_NARRATIVE[ioClassOf(cause)] : NARRATIVE[cause.code]) ?? cause.title;
  const seen = effects.length ? ` Seen here: ${[...new Set(effects.map((f) => f.code))].join(', ')}.` : '';
  return { code: cause.code, title: cause.title, summary: `${narrative}${seen}`, explains: codes };
}
