import type { SpecName } from '../../domain/index.js';
import type { LogLine } from './log-line.js';
import { isKernelLine, splitLogPrefix } from './log-prefix.js';
import { linesAfter, scanMatchingLines, type TextLine } from './line-scanner.js';

/**
 * The kernel reports a task again as its wait grows (120 s, 241 s, ...): a title gives the longest,
 * so the report that says it is quoted next to the first.
 */
export function keepLongestWait(task: HungTask, blockedSeconds: number, report: LogLine | undefined): void {
  if (blockedSeconds <= task.blockedSeconds || !report) return;
  task.blockedSeconds = blockedSeconds;
  task.evidence = [...task.evidence.slice(0, 1), report];
}

export interface HungTask {
  name: string;
  pid: number;
  blockedSeconds: number;
  /** Top frames of the call trace, function names only, innermost first (unreliable `?` frames left out). */
  frames: string[];
  /** The line of each frame in `frames`, same order. */
  frameLines: LogLine[];
  /** The first `INFO: task ... blocked` line, and the one of its longest wait when that is a later one. */
  evidence: LogLine[];
  /** How many times the kernel reported this task (name and pid). */
  occurrences: number;
  /** The latest report's line, when reported more than once: when it was last seen. */
  lastLine?: LogLine;
}

export interface OomKill {
  /** memcg: a cgroup limit was hit; global: the whole machine ran out. */
  kind: 'memcg' | 'global';
  pid?: number;
  process?: string;
  /** Full container id when the cgroup path names one (/docker/ID, /system.slice/docker-ID.scope). */
  containerId?: string;
  cgroup?: string;
  limitKb?: number;
  usageKb?: number;
  /** What the killed process held resident (anon-rss + file-rss + shmem-rss of the "Killed process" line). */
  rssKb?: number;
  evidence: LogLine[];
}

export interface IoError {
  device?: string;
  /** ext4, xfs... when the message names it. */
  filesystem?: string;
  /**
   * What the message says failed, where it says: `no-space` (ENOSPC, errno 28, or the block layer's
   * "critical space allocation error": a thin pool out of data space), `medium` (the disk could not
   * read or write its own sectors), `io` (EIO, errno 5: the cause is elsewhere), `corruption`
   * (errno 117: the filesystem found its own metadata bad).
   */
  reason?: IoErrorReason;
  line: LogLine;
  /** Identical messages folded into this one. */
  occurrences: number;
  /** The latest of them, when folded. */
  lastLine?: LogLine;
}

export interface ReadOnlyRemount {
  device?: string;
  line: LogLine;
  occurrences: number;
  lastLine?: LogLine;
}

export interface JournalAbort {
  /** The filesystem's device, without jbd2's journal suffix (`loop0` of `loop0-8`). */
  device: string;
  line: LogLine;
}

/** Why XFS shut a filesystem down, from its own words and the errors on the device before it. */
export type FsShutdownReason = 'no-space' | 'corruption' | 'log-io' | 'io' | 'device-lost' | 'user';

/**
 * XFS shut a filesystem down after an error it could not recover from (`XFS (sdb1): Log I/O Error
 * (0x2) detected at ... Shutting down filesystem.`, `I/O Error Detected. Shutting down filesystem`):
 * every read and write there fails with EIO until it is unmounted, though the table of mounts still
 * says rw. The latest per device.
 */
export interface FsShutdown {
  device: string;
  filesystem: 'xfs';
  reason: FsShutdownReason;
  line: LogLine;
  /** The error before it that says why (ENOSPC, corruption), on the same device. */
  causeLine?: LogLine;
  /** XFS unmounted the device after it: this shutdown is over. */
  endedBy?: LogLine;
}

export interface VethLeak {
  device: string;
  usageCount: number;
  occurrences: number;
  /** The first and the latest lines (at most three). */
  lines: LogLine[];
}

/**
 * `cgroup: fork rejected by pids controller in /docker/ID`: a fork or a new thread refused because
 * the cgroup (or one above it) is at its pids.max. The kernel says it once per cgroup (4.8+), so
 * several lines for one path mean the cgroup was made again (a restarted unit).
 */
export interface PidsLimitEvent {
  /** The cgroup of the task that was refused, as the kernel printed it. */
  cgroup: string;
  containerId?: string;
  occurrences: number;
  /** The first and the latest lines (at most three). */
  lines: LogLine[];
}

/**
 * `nf_conntrack: table full, dropping packet` (2.6's `ip_conntrack: table full, dropping packet.`):
 * the kernel dropped a packet that would have made a new connection-tracking entry. Rate-limited by
 * the kernel, so the lines are a floor of the drops.
 */
export interface ConntrackFull {
  /** The network namespace (its inode number) the reports name: kernels from 6.x say `table full in netns N`; older ones name none. */
  namespace?: string;
  occurrences: number;
  /** The first and the latest lines (at most three). */
  lines: LogLine[];
}

/**
 * A thin pool out of (or filling up with) data or metadata: the kernel's dm-thin target saying it
 * ran out, or LVM's dmeventd warning how full it is (`Thin pool vg-pool data is now 92.42% full.`).
 */
export interface ThinPoolEvent {
  space: 'data' | 'metadata';
  /** `253:2` or, from dmeventd, the pool's name. */
  pool?: string;
  /** dmeventd's figure; absent when the kernel says the space ran out. */
  usedPct?: number;
  line: LogLine;
}

/** Keeps a repeated report's first lines and its latest, at most three: what its evidence quotes. */
function keepFirstAndLatest(lines: LogLine[], line: LogLine): void {
  if (lines.length < 3) lines.push(line);
  else lines[2] = line;
}

/** Kernel events found in one log file. */
export interface KernelLog {
  hungTasks: HungTask[];
  oomKills: OomKill[];
  ioErrors: IoError[];
  /** Every I/O error line, including those beyond the distinct ones kept in ioErrors. */
  ioErrorLines: number;
  readOnlyRemounts: ReadOnlyRemount[];
  /** XFS shut a filesystem down: the latest per device, with whether XFS has unmounted it since. */
  fsShutdowns: FsShutdown[];
  /** jbd2 gave up a journal it could not write (`Aborting journal on device loop0-8.`): its filesystem goes read-only, logged or not. The latest per device. */
  journalAborts: JournalAbort[];
  vethLeaks: VethLeak[];
  pidsLimits: PidsLimitEvent[];
  /** One per network namespace the reports name (one with none, from kernels that name none). */
  conntrackFull: ConntrackFull[];
  thinPool: ThinPoolEvent[];
  /** `nfs: server X not responding, still trying` (and `... OK` when it came back), latest last. */
  nfsServers: NfsServerEvent[];
}

export interface NfsServerEvent {
  server: string;
  responding: boolean;
  line: LogLine;
}

/**
 * One combined prefilter: only lines holding one of these are ever looked at closely. How each
 * alternative is spelled is measured, not guessed (`npm run bench`, analysis): V8's scan for the
 * whole alternation slows by a quarter over a big log for some spellings of the same words
 * ("Aborting journal", "hutting down filesystem", "nmounting Filesystem", ": errno=-", which
 * doubled it) and not for others ("journal on device", "Shutting down filesystem", "Unmounting
 * Filesystem", "errno=-"), which let the same lines by.
 */
export const KERNEL_EVENTS =
  /blocked for more than \d|invoked oom-killer|oom-kill:|Task in \/|memory: usage|Memory cgroup stats for \/|ut of memory|Killed process|I\/O [Ee]rror|critical (?:medium|space allocation|target) error|xfs_log_force: error|device-mapper: (?:thin|space map metadata): |Thin pool \S+ (?:data|metadata) is now|Remounting filesystem read-only|journal on device|Shutting down filesystem|orruption detected|Unmounting Filesystem|forced readonly|errno=-|errs: wr |unregister_netdevice: waiting|nfs: server |fork rejected by pids controller|conntrack: table full/g;

const NFS_SERVER = /^nfs: server (\S+) (not responding|OK)\b/;
const MAX_NFS_EVENTS = 50;

const HUNG = /^INFO: task (.+):(\d+) blocked for more than (\d+) seconds/;
const OOM_START = /invoked oom-killer/;
const OOM_KILL_LINE = /^oom-kill:constraint=(\w+)/;
const TASK_IN = /^Task in (\S+) killed as a result of limit of (\S+)/;
const MEM_USAGE = /^memory: usage (\d+)kB, limit (\d+)kB/;
/** `Memory cgroup stats for /docker/ID:`: printed only in a memory-cgroup OOM report, first for the cgroup that hit its limit. */
const MEMCG_STATS = /^Memory cgroup stats for (\/\S*?):/;
// A process name may itself hold parentheses: systemd-resolved's comm is "(resolved)".
const MEMCG_OOM = /^Memory cgroup out of memory: Kill(ed)? process (\d+) \((.*?)\)(?=[\s,]|$)/;
const GLOBAL_OOM = /^Out of memory(?: \([^)]*\))?: Kill(ed)? process (\d+) \((.*?)\)(?=[\s,]|$)/;
const KILLED = /^Killed process (\d+) \((.*?)\)(?=[\s,]|$)/;
/** Devices that hold no data: a VM's emulated floppy or CD-ROM fails reads when probed (`dev fd0, sector 0`). */
const NO_DATA_DEVICE = /^(?:fd|sr)\d+$/;
const THIN_DATA_FULL = /^device-mapper: thin: (\d+:\d+): switching pool to out-of-data-space\b/;
const THIN_METADATA_FULL = /^device-mapper: (?:space map metadata: unable to allocate new metadata block|thin: (\d+:\d+): metadata operation '\w+' failed: error = -28)/;
/** LVM's dmeventd, which watches thin pools from 80 % on (its lines come from the lvm or dmeventd program, not the kernel). */
const DMEVENTD_THIN = /^(?:WARNING: )?Thin pool (\S+) (data|metadata) is now (\d+(?:\.\d+)?)% full/;
const DMEVENTD_PROGRAMS = new Set(['lvm', 'dmeventd']);
/** Namespaces told apart: beyond these, a host with thousands of them is one story already. */
const MAX_CONNTRACK_NAMESPACES = 20;
const CONNTRACK_FULL = /(?:nf|ip)_conntrack: table full(?: in netns (\d+))?, dropping packet/;
// Not anchored: a syslog line quoted without its date keeps `kernel: [  743.772608] ` in the message.
const PIDS_REJECTED = /cgroup: fork rejected by pids controller in (\S+)/;
const VETH = /unregister_netdevice: waiting for (\S+) to become free\. Usage count = (-?\d+)/;
const REMOUNT_RO = /(?:\(([^)\s]+)\))?:? Remounting filesystem read-only/;
/**
 * btrfs after an error it cannot go on from (an aborted transaction, a failed write): `BTRFS info
 * (device sdb state EA): forced readonly` (4.x on; `state` from 6.x), 3.x's `btrfs is forced readonly`.
 */
const BTRFS_FORCED_RO = /^BTRFS(?: \w+)? \(device ([^)\s]+)(?: state \w+)?\): forced readonly|^[Bb]trfs is forced readonly/;
/**
 * XFS's shutdown: 5.15+ `XFS (dev): Log I/O Error (0x2) detected at FN (file:line).  Shutting down
 * filesystem.`; before, `XFS (dev): I/O Error Detected. Shutting down filesystem`; 2.6's
 * `Filesystem "dev": ... Shutting down filesystem: dev`. The words before "detected" say why.
 */
const XFS_SHUTDOWN = /^(?:XFS \(([^)\s]+)\)|Filesystem "([^"\s]+)"):\s*(.*?)\s*(?:\(0x([0-9a-f]+)\)\s*)?(?:[Dd]etected\b.*)?\.?\s+Shutting down filesystem/;
/** XFS unmounting a device (it cannot be mounted again before): a shutdown before it is over. */
const XFS_UNMOUNT = /^XFS \(([^)\s]+)\): Unmounting Filesystem/;
/** XFS's word that it found metadata corrupt on a device (the shutdown that follows says only "I/O Error"). */
const XFS_CORRUPTION = /^XFS \(([^)\s]+)\):.*(?:[Cc]orruption detected|error -?117\b)/;
const JOURNAL_ABORT = /^Aborting journal on device ([\w.:-]+?)(?:-\d+)?\.?$/;
const IO_ERROR_KINDS: readonly { re: RegExp; fs?: string }[] = [
  { re: /Buffer I\/O error on (?:device|dev) ([^\s,]+)/ },
  { re: /lost page write due to I\/O error on ([^\s,]+)/ },
  { re: /^(EXT[234])-fs (?:warning|error) \(device ([^)\s]+)\):.*I\/O error/, fs: 'ext' },
  // XFS says "Log I/O Error Detected. Shutting down filesystem" (capital E) as well as "log I/O error -5".
  { re: /^XFS \(([^)\s]+)\):.*(?:xfs_log_force: error|I\/O [Ee]rror)/, fs: 'xfs' },
  // btrfs: the error that aborts its transaction (`BTRFS: error (device loop0 state A) in
  // btrfs_finish_ordered_io:3117: errno=-28 No space left`), and a device's failed writes
  { re: /^BTRFS:? error \(device ([^)\s]+)(?: state \w+)?\)(?: in \S+:\d+: errno=-?\d+|: bdev \S+ errs: wr [1-9])/, fs: 'btrfs' },
  // 2.6's XFS: `I/O error in filesystem ("dm-1") meta-data dev dm-1 block ...`
  { re: /^I\/O error in filesystem \("([^"\s]+)"\)/, fs: 'xfs' },
  // the block layer's own words: "critical space allocation error" is a thin pool out of data space
  { re: /(?:blk_update_request|end_request|print_req_error|I\/O error|critical (?:medium|space allocation|target) error), dev ([\w-]+)/ },
  { re: /I\/O [Ee]rror/ },
];
export type IoErrorReason = 'no-space' | 'medium' | 'io' | 'corruption';
/** ext4's "I/O error -28 writing", XFS's "error 28 numblks 64" and "xfs_log_force: error -5 returned". */
const IO_ERRNO = /\b(?:(?:I\/O )?error |errno=)(-?\d+)\b/;
const MEDIUM = /medium error|Unrecovered read error|UNC\b/i;

/**
 * Why, from 5.15+'s flags where the line has them (its words name only one: a shutdown asked for
 * with xfs_io or a forced unmount is 0x6, "Log I/O Error"), else from its words.
 */
function shutdownReason(why: string, flags: number | undefined): FsShutdownReason {
  if (flags !== undefined) {
    if (flags & 0x4) return 'user';
    if (flags & 0x18) return 'corruption';
    if (flags & 0x20) return 'device-lost';
  }
  if (/corrupt/i.test(why)) return 'corruption';
  if (/user|umount|unmount/i.test(why)) return 'user';
  if (/device|paths? lost|removal/i.test(why)) return 'device-lost';
  return /log/i.test(why) ? 'log-io' : 'io';
}

function ioErrorReason(msg: string): IoErrorReason | undefined {
  if (/space allocation error/.test(msg)) return 'no-space';
  if (MEDIUM.test(msg)) return 'medium';
  const errno = Math.abs(Number(IO_ERRNO.exec(msg)?.[1] ?? NaN));
  // 117 is EFSCORRUPTED (EUCLEAN): the filesystem found its own metadata bad, not its device failing
  return errno === 28 ? 'no-space' : errno === 5 ? 'io' : errno === 117 ? 'corruption' : undefined;
}
/** A frame of a kernel call trace: ` [<ffffffff8118476e>] ? oom_kill_process+0x24e/0x3c0 [mod]`. */
const FRAME = /^\s*(?:\[<[0-9a-f]+>\]\s*)?(\?\s*)?([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const MAX_FRAMES = 10;
const MAX_DISTINCT_IO_ERRORS = 200;
const MAX_THIN_POOL_EVENTS = 50;
const CONTAINER_IN_CGROUP = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?(?:\/|$)/;

/** The container id a cgroup path names: /docker/ID, /system.slice/docker-ID.scope, /kubepods/.../ID. */
export function containerIdOfCgroup(path: string): string | undefined {
  return CONTAINER_IN_CGROUP.exec(path)?.[1];
}

interface PendingOom {
  kind?: 'memcg' | 'global';
  /** The report's one `Task in` / `oom-kill:` summary line was seen: another one starts the next report. */
  summarised?: boolean;
  pid?: number;
  process?: string;
  cgroup?: string;
  containerId?: string;
  limitKb?: number;
  usageKb?: number;
  rssKb?: number;
  evidence: LogLine[];
}

/**
 * Kernel events in a dmesg, journalctl -k, or syslog file (`messages`, `kern.log`). Total: never
 * throws. Reads only the lines that match the prefilter (and a hung task's stack that follows).
 */
export function parseKernelLog(text: string, spec: SpecName = 'dmesg'): KernelLog {
  const out: KernelLog = { hungTasks: [], oomKills: [], ioErrors: [], ioErrorLines: 0, readOnlyRemounts: [], fsShutdowns: [], journalAborts: [], vethLeaks: [], pidsLimits: [], conntrackFull: [], thinPool: [], nfsServers: [] };
  const hung = new Map<string, HungTask>();
  const io = new Map<string, IoError>();
  const remounts = new Map<string, ReadOnlyRemount>();
  const shutdowns = new Map<string, FsShutdown>();
  const aborts = new Map<string, JournalAbort>();
  /** The latest line per device that says why XFS may shut it down: ENOSPC on it, or corruption. */
  const xfsTrouble = new Map<string, { line: LogLine; reason: 'no-space' | 'corruption' }>();
  const veths = new Map<string, VethLeak>();
  const pids = new Map<string, PidsLimitEvent>();
  let oom: PendingOom | null = null;
  const at = (line: TextLine): LogLine => ({ spec, line: line.number, text: line.text });

  const flushOom = (): void => {
    if (oom && (oom.pid !== undefined || oom.kind !== undefined)) {
      const kind = oom.kind ?? (oom.cgroup ? 'memcg' : 'global');
      const event: OomKill = { kind, evidence: oom.evidence };
      if (oom.pid !== undefined) event.pid = oom.pid;
      if (oom.process !== undefined) event.process = oom.process;
      if (oom.cgroup !== undefined) event.cgroup = oom.cgroup;
      if (oom.containerId !== undefined) event.containerId = oom.containerId;
      if (oom.limitKb !== undefined) event.limitKb = oom.limitKb;
      if (oom.usageKb !== undefined) event.usageKb = oom.usageKb;
      if (oom.rssKb !== undefined) event.rssKb = oom.rssKb;
      out.oomKills.push(event);
    }
    oom = null;
  };
  const pending = (): PendingOom => (oom ??= { evidence: [] });
  // "anon-rss:6291456kB, file-rss:12288kB, shmem-rss:0kB" of the kill line: what the victim held resident
  const setResident = (o: PendingOom, msg: string): void => {
    const kb = [...msg.matchAll(/\b(?:anon|file|shmem)-rss:(\d+)kB/g)].reduce((sum, r) => sum + Number(r[1]), 0);
    if (kb > 0) o.rssKb = kb;
  };
  const setCgroup = (o: PendingOom, path: string): void => {
    if (!path || path === '/') return;
    o.cgroup ??= path;
    o.containerId ??= containerIdOfCgroup(path);
  };

  scanMatchingLines(text, KERNEL_EVENTS, (line) => {
    const prefix = splitLogPrefix(line.text);
    let m: RegExpExecArray | null;
    if (prefix.program && DMEVENTD_PROGRAMS.has(prefix.program) && (m = DMEVENTD_THIN.exec(prefix.message))) {
      if (out.thinPool.length < MAX_THIN_POOL_EVENTS) {
        out.thinPool.push({ space: m[2] === 'metadata' ? 'metadata' : 'data', ...(m[1] ? { pool: m[1] } : {}), usedPct: Number(m[3]), line: at(line) });
      }
      return;
    }
    if (!isKernelLine(prefix)) return;
    const msg = prefix.message;

    if ((m = HUNG.exec(msg))) {
      const name = m[1] ?? '';
      const pid = Number(m[2]);
      const key = `${name}:${pid}`;
      const seen = hung.get(key);
      if (seen) {
        seen.occurrences++;
        seen.lastLine = at(line);
        keepLongestWait(seen, Number(m[3]), at(line));
        if (seen.frames.length === 0) {
          const stack = readStack(text, line, prefix.syslog);
          seen.frames = stack.frames.map((f) => f.name);
          seen.frameLines = stack.frames.map((f) => at(f.line));
        }
        return;
      }
      const stack = readStack(text, line, prefix.syslog);
      hung.set(key, {
        name,
        pid,
        blockedSeconds: Number(m[3]),
        frames: stack.frames.map((f) => f.name),
        frameLines: stack.frames.map((f) => at(f.line)),
        evidence: [at(line)],
        occurrences: 1,
      });
      return;
    }

    if (OOM_START.test(msg)) {
      flushOom();
      pending().evidence.push(at(line));
      return;
    }
    if ((m = OOM_KILL_LINE.exec(msg))) {
      if (oom?.summarised) flushOom();
      const o = pending();
      o.summarised = true;
      o.kind = m[1] === 'CONSTRAINT_MEMCG' ? 'memcg' : 'global';
      const field = (k: string): string | undefined => new RegExp(`[,:]${k}=([^,]*)`).exec(msg)?.[1];
      const pid = field('pid');
      if (pid && /^\d+$/.test(pid)) o.pid = Number(pid);
      o.process ??= field('task');
      // a global kill names the victim's own cgroup: a container's when it ran in one
      setCgroup(o, (o.kind === 'memcg' ? (field('task_memcg') ?? field('oom_memcg')) : field('task_memcg')) ?? '');
      o.evidence.push(at(line));
      return;
    }
    if ((m = TASK_IN.exec(msg))) {
      // grep'd logs keep the `Task in` lines and drop the `invoked oom-killer` ones that separate reports.
      if (oom?.summarised) flushOom();
      const o = pending();
      o.summarised = true;
      o.kind = 'memcg';
      setCgroup(o, m[1] ?? '');
      setCgroup(o, m[2] ?? '');
      o.evidence.push(at(line));
      return;
    }
    if ((m = MEMCG_STATS.exec(msg))) {
      // A fallback for reports whose `Task in` line is missing (cut off, or a grep that kept only this one).
      const o = pending();
      o.kind = 'memcg';
      if (o.cgroup === undefined) {
        setCgroup(o, m[1] ?? '');
        o.evidence.push(at(line));
      }
      return;
    }
    if ((m = MEM_USAGE.exec(msg))) {
      const o = pending();
      if (o.usageKb === undefined) {
        o.usageKb = Number(m[1]);
        o.limitKb = Number(m[2]);
        o.evidence.push(at(line));
      }
      return;
    }
    const cg = MEMCG_OOM.exec(msg);
    const gl = cg ? null : GLOBAL_OOM.exec(msg);
    if (cg || gl) {
      const hit = (cg ?? gl) as RegExpExecArray;
      const o = pending();
      o.kind = cg ? 'memcg' : (o.kind ?? 'global');
      o.evidence.push(at(line));
      if (hit[1]) {
        o.pid = Number(hit[2]);
        o.process = hit[3];
        setResident(o, msg);
        flushOom();
      }
      return;
    }
    if ((m = KILLED.exec(msg))) {
      const o = pending();
      o.pid = Number(m[1]);
      o.process = m[2];
      setResident(o, msg);
      o.evidence.push(at(line));
      flushOom();
      return;
    }

    if ((m = NFS_SERVER.exec(msg))) {
      if (out.nfsServers.length < MAX_NFS_EVENTS) out.nfsServers.push({ server: m[1] ?? '', responding: m[2] === 'OK', line: at(line) });
      return;
    }

    if ((m = CONNTRACK_FULL.exec(msg))) {
      const namespace = m[1];
      let full = out.conntrackFull.find((f) => f.namespace === namespace);
      if (!full && out.conntrackFull.length < MAX_CONNTRACK_NAMESPACES) {
        full = { ...(namespace ? { namespace } : {}), occurrences: 0, lines: [] };
        out.conntrackFull.push(full);
      }
      if (!full) return;
      full.occurrences++;
      keepFirstAndLatest(full.lines, at(line));
      return;
    }

    if ((m = PIDS_REJECTED.exec(msg))) {
      const cgroup = m[1] ?? '';
      const event = pids.get(cgroup);
      if (event) {
        event.occurrences++;
        keepFirstAndLatest(event.lines, at(line));
      } else {
        const containerId = containerIdOfCgroup(cgroup);
        pids.set(cgroup, { cgroup, ...(containerId ? { containerId } : {}), occurrences: 1, lines: [at(line)] });
      }
      return;
    }

    if ((m = VETH.exec(msg))) {
      const device = m[1] ?? '';
      const leak = veths.get(device);
      if (leak) {
        leak.occurrences++;
        leak.usageCount = Number(m[2]);
        keepFirstAndLatest(leak.lines, at(line));
      } else {
        veths.set(device, { device, usageCount: Number(m[2]), occurrences: 1, lines: [at(line)] });
      }
      return;
    }

    if ((m = REMOUNT_RO.exec(msg) ?? BTRFS_FORCED_RO.exec(msg))) {
      const device = m[1];
      const key = device ?? msg;
      const seen = remounts.get(key);
      if (seen) {
        seen.occurrences++;
        seen.lastLine = at(line);
      } else remounts.set(key, { ...(device ? { device } : {}), line: at(line), occurrences: 1 });
      return;
    }

    if ((m = XFS_UNMOUNT.exec(msg))) {
      const device = m[1] as string;
      const shutdown = shutdowns.get(device);
      if (shutdown && !shutdown.endedBy) shutdown.endedBy = at(line);
      xfsTrouble.delete(device);
      return;
    }
    if ((m = XFS_SHUTDOWN.exec(msg))) {
      const device = (m[1] ?? m[2]) as string;
      const trouble = xfsTrouble.get(device);
      // the latest shutdown of a device; its I/O error words count as an I/O error too (below)
      shutdowns.delete(device);
      const said = shutdownReason(m[3] ?? '', m[4] === undefined ? undefined : parseInt(m[4], 16));
      // asked for is asked for, whatever failed before; otherwise what failed before says more than "I/O Error"
      const reason = said === 'user' ? said : (trouble?.reason ?? said);
      shutdowns.set(device, { device, filesystem: 'xfs', reason, line: at(line), ...(trouble && reason === trouble.reason ? { causeLine: trouble.line } : {}) });
    } else if ((m = XFS_CORRUPTION.exec(msg))) {
      xfsTrouble.set(m[1] as string, { line: at(line), reason: 'corruption' });
    }

    if ((m = JOURNAL_ABORT.exec(msg))) {
      const device = m[1] as string;
      // the latest per device, in the order of the latest
      aborts.delete(device);
      aborts.set(device, { device, line: at(line) });
      return;
    }

    const thin = THIN_DATA_FULL.exec(msg) ?? THIN_METADATA_FULL.exec(msg);
    if (thin) {
      if (out.thinPool.length < MAX_THIN_POOL_EVENTS) {
        out.thinPool.push({ space: THIN_DATA_FULL.test(msg) ? 'data' : 'metadata', ...(thin[1] ? { pool: thin[1] } : {}), line: at(line) });
      }
      return;
    }

    for (const kind of IO_ERROR_KINDS) {
      const hit = kind.re.exec(msg);
      if (!hit) continue;
      if (kind.fs !== 'ext' && NO_DATA_DEVICE.test(hit[1] ?? '')) return;
      out.ioErrorLines++;
      // why XFS may shut the device down next: read on every such line, a repeat of an earlier mount's too
      if (kind.fs === 'xfs' && hit[1] && !xfsTrouble.has(hit[1]) && ioErrorReason(msg) === 'no-space') xfsTrouble.set(hit[1], { line: at(line), reason: 'no-space' });
      const seen = io.get(msg);
      if (seen) {
        seen.occurrences++;
        seen.lastLine = at(line);
        return;
      }
      if (io.size >= MAX_DISTINCT_IO_ERRORS) return;
      const reason = ioErrorReason(msg);
      const entry: IoError = { line: at(line), occurrences: 1, ...(reason ? { reason } : {}) };
      if (kind.fs === 'ext') {
        entry.filesystem = (hit[1] ?? 'ext4').toLowerCase();
        if (hit[2]) entry.device = hit[2];
      } else {
        if (kind.fs) entry.filesystem = kind.fs;
        if (hit[1]) entry.device = hit[1];
      }
      io.set(msg, entry);
      return;
    }
  });
  flushOom();
  out.hungTasks = [...hung.values()];
  out.ioErrors = [...io.values()];
  out.readOnlyRemounts = [...remounts.values()];
  out.fsShutdowns = [...shutdowns.values()];
  out.journalAborts = [...aborts.values()];
  out.vethLeaks = [...veths.values()];
  out.pidsLimits = [...pids.values()];
  return out;
}

/** How far after a hung-task report its call trace is looked for. */
export const STACK_LOOKAHEAD_LINES = 80;

interface Frame {
  name: string;
  line: TextLine;
}

/** The reliable frames of the call trace that follows a hung-task report. */
function readStack(text: string, head: TextLine, syslog: boolean): { frames: Frame[] } {
  const frames: Frame[] = [];
  let inTrace = false;
  let kernelLines = 0;
  for (const line of linesAfter(text, head, STACK_LOOKAHEAD_LINES)) {
    const prefix = splitLogPrefix(line.text);
    // In syslog, other programs' lines interleave with the kernel's: skip them.
    if (syslog && prefix.syslog && prefix.program !== 'kernel') continue;
    const msg = prefix.message;
    kernelLines++;
    if (HUNG.test(msg)) break;
    if (!inTrace) {
      if (/^\s*Call Trace:/.test(msg)) inTrace = true;
      else if (kernelLines > 20) break;
      continue;
    }
    if (/^\s*<\/?(?:TASK|IRQ|EOI|NMI)>/.test(msg)) continue;
    const f = FRAME.exec(msg);
    if (!f) break;
    if (f[1] === undefined && f[2] && frames.length < MAX_FRAMES) frames.push({ name: f[2], line });
  }
  return { frames };
}
