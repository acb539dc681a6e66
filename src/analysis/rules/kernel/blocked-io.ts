import { CONTAINER_ID, plural, type Evidence, type Fix } from '../../../domain/index.js';
import { toEvidence, type Facts } from '../../facts/index.js';
import { shellArg } from '../../../domain/shell.js';
import { fuseConnection, isFuse, type Mount } from '../../parsers/mountinfo.js';
import { storageDriverOf } from '../docker/docker-context.js';
import { ext4PoolOptions } from '../docker/thin-pool-fixes.js';
import { dStateListing, listSome } from './support.js';

/** The FUSE control filesystem holds the connections; systemd mounts it, other inits may not. */
const FUSECTL_MOUNT = 'mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections';

/**
 * What blocked I/O waits for, read from the kernel stack of a hung task (or the wait channel of a
 * D-state process): an NFS server (sunrpc), a FUSE filesystem's daemon, the ext4 journal (jbd2), the XFS log, a devicemapper
 * thin pool, ZFS, btrfs, a plain block device or multipath path, the cgroup freezer, a frozen filesystem (fsfreeze), the kernel's teardown of
 * network devices (not I/O, but it leaves tasks in D state the same way), or nothing the stack says.
 */
export type BlockedIoClass = 'nfs' | 'fuse' | 'netdev' | 'zfs' | 'btrfs' | 'jbd2' | 'xfs' | 'dm-thin' | 'block' | 'freezer' | 'fs-frozen' | 'unknown';

/** Most telling first: an NFS wait under ext4 code is still NFS; a freezer wait is never I/O. */
const CLASS_FRAMES: readonly [BlockedIoClass, RegExp][] = [
  ['freezer', /^(?:__refrigerator|refrigerator|freezer_\w+|do_freezer_trap|try_to_freeze\w*)$/],
  // a write waiting for the filesystem's write lock, which only a freeze holds (fsfreeze -f, a snapshot
  // or backup agent): sb_start_write, inlined into mnt_want_write and file_start_write on many kernels
  ['fs-frozen', /^(?:__sb_start_write\w*|sb_start_(?:write|pagefault|intwrite)\w*|mnt_want_write\w*|file_start_write\w*|sb_wait_write)$/],
  ['nfs', /^(?:rpc_\w+|__rpc_\w+|nfs_\w+|nfs[34]_\w+|nfs[34]?_?file_\w+|xprt_\w+|call_\w*transmit\w*)$/],
  // a request to a FUSE filesystem's daemon (sshfs, lxcfs, s3fs, fuse-overlayfs) that it read and never answered
  ['fuse', /^(?:request_wait_answer|__fuse_\w+|fuse_\w+)$/],
  // unregistering a device or a network namespace, or waiting for the rtnl lock that teardown holds
  ['netdev', /^(?:unregister_netdevice\w*|rollback_registered\w*|netdev_run_todo|netdev_wait_allrefs\w*|cleanup_net|default_device_exit\w*|rtnl_lock\w*|rtnl_dellink|rtnl_delete_link|rtnetlink_rcv_msg|copy_net_ns|setup_net|ops_exit_list|\w*dev_change_net_namespace|veth_dellink)$/],
  // ZFS and its SPL layer (cv_wait is SPL's), and the pool's own threads (txg_sync, z_wr_iss) by name
  ['zfs', /^(?:txg_\w+|zio_\w+|zil_\w+|dmu_\w+|dsl_\w+|spa_\w+|zfs_\w+|zpl_\w+|dbuf_\w+|vdev_\w+|metaslab_\w+|cv_wait\w*|__cv_\w+|z_\w+_(?:iss|int)\w*)$/],
  // btrfs, and its transaction and cleaner threads in D by name (comm keeps 15 characters: btrfs-transacti)
  ['btrfs', /^(?:btrfs_\w+|__btrfs_\w+|wait_current_trans\w*|btrfs-(?:transacti\w*|cleaner|endio\S*|worker\S*))$/],
  ['dm-thin', /^(?:dm_thin_\w+|thin_\w+|pool_\w+|dm_pool_\w+|process_\w*prepared\w*|alloc_data_block)$/],
  ['xfs', /^(?:xfs\w*|_xfs_\w+|xlog_\w+|xfsaild\w*)$/],
  ['jbd2', /^(?:jbd2\w*|__jbd2_\w+|ext4_\w+|ext3_\w+|start_this_handle|journal_\w+|log_wait_commit)$/],
  ['block', /^(?:blk_\w+|blkdev_\w+|submit_bio\w*|bio_\w+|generic_make_request|dm_mpath\w*|multipath_\w+|scsi_\w+|io_schedule\w*|wait_on_page_bit\w*|__lock_page\w*|wait_on_page_writeback|__filemap_fdatawait\w*|filemap_\w*wait\w*)$/],
];

/** The class of one stack (frames innermost first) or of one wait channel. */
export function classifyFrames(frames: readonly string[]): BlockedIoClass {
  // nfsd serves NFS: its frames (nfsd4_*, svc_process) say nothing about a server this host waits for.
  const serving = frames.some((f) => /^(?:nfsd\w*|svc_\w+)$/.test(f));
  for (const [cls, re] of CLASS_FRAMES) if (!(serving && cls === 'nfs') && frames.some((f) => re.test(f))) return cls;
  return 'unknown';
}

/**
 * Where a task sleeps interruptibly (nanosleep, poll and select, futexes, pipe and socket reads,
 * wait4, sigsuspend). A task in D state at one of these was not blocked there by I/O: it was frozen
 * while sleeping, and kernels since 6.1 report a frozen task as D with the wait channel it had
 * (a paused container's `sleep` shows D in hrtimer_nanosleep), not __refrigerator.
 */
const INTERRUPTIBLE_WAIT =
  /^(?:hrtimer_nanosleep|do_nanosleep|futex_\w*wait\w*|ep_poll|do_epoll_wait|do_select|core_sys_select|do_sys_poll|pipe_read|anon_pipe_read|pipe_wait\w*|wait_woken|unix_stream_read_generic|sk_wait_data|inet_csk_accept|do_wait|sigsuspend\S*|sys_pause|do_sigtimedwait|n_tty_read|wait_for_completion_interruptible\w*)$/;

/** The class of a D-state process's wait channel (see INTERRUPTIBLE_WAIT), else of it as a frame. */
export function classifyWaitChannel(wchan: string | undefined): BlockedIoClass {
  if (!wchan || wchan === '-') return 'unknown';
  return INTERRUPTIBLE_WAIT.test(wchan) ? 'freezer' : classifyFrames([wchan]);
}

/** The class most of them share; 'unknown' only when none says more. */
export function dominantClass(classes: readonly BlockedIoClass[]): BlockedIoClass {
  const counts = new Map<BlockedIoClass, number>();
  for (const c of classes) if (c !== 'unknown') counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

/** What the class says in a title. */
export const CLASS_LABEL: Readonly<Record<BlockedIoClass, string>> = {
  nfs: 'waiting on an NFS server (sunrpc)',
  fuse: 'waiting on the user-space daemon of a FUSE filesystem',
  netdev: "stuck in the kernel's teardown of network devices (unregister_netdevice, rtnl lock)",
  jbd2: 'waiting on the ext4 journal (jbd2)',
  xfs: 'waiting on XFS (its log or writeback)',
  'dm-thin': 'waiting on a devicemapper thin pool',
  zfs: 'waiting on ZFS (a transaction group sync or pool I/O)',
  btrfs: 'waiting on btrfs (a transaction commit)',
  block: 'waiting on a block device',
  freezer: 'frozen by the cgroup freezer',
  'fs-frozen': 'waiting for a frozen filesystem to be thawed (fsfreeze)',
  unknown: 'waiting on something the kernel stack does not name',
};

/**
 * What the tasks of a class wait for, as titles say it: the class's label, or what the host names
 * (the NFS server that stopped answering, the one FUSE mount there is), with the lines that show it.
 */
export function waitsOn(cls: BlockedIoClass, facts: Facts): { text: string; evidence: Evidence[] } {
  if (cls === 'nfs') {
    const nfs = nfsContext(facts);
    return nfs.servers.length ? { text: `waiting on NFS server ${listSome(nfs.servers, 2)} (sunrpc)`, evidence: nfs.evidence } : { text: CLASS_LABEL.nfs, evidence: nfs.evidence };
  }
  if (cls === 'fuse') {
    const [only, ...others] = hungFuseMounts(facts);
    if (only && others.length === 0) {
      return { text: `waiting on the daemon of FUSE mount ${fuseMountText(only)}`, evidence: [toEvidence(only.line), ...(only.waitingLine ? [toEvidence(only.waitingLine)] : [])] };
    }
  }
  return { text: CLASS_LABEL[cls], evidence: [] };
}

const BLOCKED_ON_IO = 'Kernel tasks are blocked on I/O for minutes; processes pile up in D state and load climbs.';

/** What a hung task of each class does to the host, for the root cause's summary. */
export const HUNG_TASK_NARRATIVE: Readonly<Record<BlockedIoClass, string>> = {
  nfs: 'Kernel tasks wait for minutes on an NFS server that does not answer; processes pile up in D state and load climbs.',
  fuse: 'Tasks wait on a FUSE filesystem whose daemon took their request and does not answer; they stay in D state, even after kill -9, and everything that touches the mount (df, ls, a container with it as a volume) hangs with them.',
  netdev: 'Kernel tasks are stuck tearing down network devices, holding the rtnl lock that every container start and stop needs; dockerd hangs with them.',
  jbd2: BLOCKED_ON_IO,
  xfs: BLOCKED_ON_IO,
  'dm-thin': BLOCKED_ON_IO,
  zfs: BLOCKED_ON_IO,
  btrfs: BLOCKED_ON_IO,
  block: BLOCKED_ON_IO,
  freezer: 'Tasks are frozen by the cgroup freezer and stay in D state until their cgroup is thawed.',
  'fs-frozen': 'A filesystem is frozen (fsfreeze -f, or a snapshot or backup agent that froze it and never thawed it): every write to it waits in D state until it is thawed.',
  unknown: 'Kernel tasks have been blocked for minutes; processes pile up in D state and load climbs.',
};

/** An NFS mount: where, from what, and the options that decide whether its I/O waits for ever (mountinfo only). */
export interface NfsMount {
  mount: string;
  source: string;
  /** nfs or nfs4, where the kernel's table says. */
  type?: string;
  /** `hard` or `soft`, and timeo/retrans as mounted. */
  options: string[];
}

/** The options of an NFS mount that say how long its I/O waits: hard or soft (hard when neither is given), timeo, retrans. */
function nfsWaitOptions(options: readonly string[]): string[] {
  const soft = options.includes('soft') || options.includes('softerr');
  return [soft ? 'soft' : 'hard', ...options.filter((o) => /^(?:timeo|retrans)=\d+$/.test(o))];
}

/**
 * The NFS servers the kernel says stopped answering (and have not come back since), with their
 * mounts: from mountinfo (kept by the kernel, there when df hung on them), else from df.
 */
export function nfsContext(facts: Facts): { servers: string[]; mounts: NfsMount[]; evidence: Evidence[] } {
  const latest = new Map<string, (typeof facts.kernel.nfsServers)[number]>();
  for (const e of facts.kernel.nfsServers) latest.set(e.server, e);
  const down = [...latest.values()].filter((e) => !e.responding);
  const servers = down.map((e) => e.server);
  const fromServers = (m: { source: string }): boolean => servers.some((s) => m.source.startsWith(`${s}:`));
  const isNfs = (m: { type?: string; source: string }): boolean => (m.type?.startsWith('nfs') ?? false) || fromServers(m);
  // a mount from a server that is down is the one the tasks wait for; the others only when none is
  const pick = <T extends { source: string }>(all: T[]): T[] => (all.some(fromServers) ? all.filter(fromServers) : all);
  const listed = pick(facts.disks.mounts.filter(isNfs));
  const mounts: NfsMount[] = listed.length
    ? listed.map((m) => ({ mount: m.mount, source: m.source, type: m.type, options: nfsWaitOptions(m.options) }))
    : pick(facts.disks.filesystems.filter(isNfs)).map((fs) => ({ mount: fs.mount, source: fs.source, ...(fs.type ? { type: fs.type } : {}), options: [] }));
  return {
    servers,
    mounts,
    evidence: [...down.slice(0, 3).map((e) => toEvidence(e.line)), ...listed.slice(0, 3).map((m) => toEvidence(m.line))],
  };
}

/** A FUSE mount a blocked task may wait on: where, from what, the daemon that serves it and its connection's number. */
export interface FuseMount {
  mount: string;
  source: string;
  /** The program that serves it, where the mount names one (fuse.sshfs, or an lxcfs source). */
  daemon?: string;
  connection?: number;
  /** Requests its daemon took and has not answered, where fuse_connections listed its connection. */
  waiting?: number;
  waitingLine?: Mount['line'];
  line: Mount['line'];
}

/** A program name as pgrep matches it (the kernel keeps 15 characters of it). */
const PROGRAM = /^[A-Za-z][\w.-]{0,14}$/;

/** The FUSE mounts the kernel lists (mountinfo), each with what serves it. */
export function fuseContext(facts: Facts): FuseMount[] {
  return facts.disks.mounts.filter(isFuse).map((m) => {
    const subtype = m.type.startsWith('fuse.') ? m.type.slice('fuse.'.length) : undefined;
    const daemon = [subtype, m.source].find((name) => name !== undefined && PROGRAM.test(name) && name !== 'fuse');
    const connection = fuseConnection(m);
    const listed = connection !== undefined ? facts.disks.fuseWaiting?.find((w) => w.connection === connection) : undefined;
    return {
      mount: m.mount,
      source: m.source,
      ...(daemon ? { daemon } : {}),
      ...(connection !== undefined ? { connection } : {}),
      ...(listed ? { waiting: listed.waiting, waitingLine: listed.line } : {}),
      line: m.line,
    };
  });
}

/**
 * The FUSE mounts a blocked task may wait on: those whose connection has requests waiting, where
 * the fusectl listing says so (one daemon that does not answer among several mounts), else all.
 */
export function hungFuseMounts(facts: Facts): FuseMount[] {
  const mounts = fuseContext(facts);
  const waiting = mounts.filter((m) => (m.waiting ?? 0) > 0);
  return waiting.length ? waiting : mounts;
}

/**
 * The facts to explain a task that is no longer blocked: FUSE mounts come and go (its mount may be
 * gone, and one mounted since is not the one it waited on), so none is named.
 */
export function withoutFuseMounts(facts: Facts): Facts {
  return { ...facts, disks: { ...facts.disks, mounts: facts.disks.mounts.filter((m) => !isFuse(m)) } };
}

/** "/mnt/remote (sshfs me@host:/srv)": a FUSE mount as titles name it. */
export function fuseMountText(m: FuseMount): string {
  return `${m.mount} (${m.daemon && m.daemon !== m.source ? `${m.daemon} ${m.source}` : m.source})`;
}

/**
 * The fixes for blocked I/O of one class. Each names what it waits for and what to do about it;
 * the devicemapper advice only where Docker's storage driver is devicemapper.
 */
export function blockedIoFixes(cls: BlockedIoClass, facts: Facts, pids: readonly string[]): Fix[] {
  const devicemapper = storageDriverOf(facts)?.driver === 'devicemapper';
  const stack = pids[0] ? `cat /proc/${pids[0]}/stack` : 'cat /proc/<pid>/stack';
  switch (cls) {
    case 'nfs': {
      const nfs = nfsContext(facts);
      const mountText = (m: NfsMount): string => `${m.mount} from ${m.source}${m.options.length ? `, ${m.options.join(' ')}` : ''}`;
      const where = nfs.mounts.length ? ` (${listSome(nfs.mounts.map(mountText), 3)})` : nfs.servers.length ? ` (server ${nfs.servers.join(', ')})` : '';
      const mounts = nfs.mounts.slice(0, 3);
      return [
        {
          title: `Bring the NFS server back or make the mount give up${where}`,
          detail:
            'The tasks wait in sunrpc for an NFS server that does not answer. On a `hard` mount (the default) they wait for ever and cannot be killed; ' +
            'they resume when the server does. Check the server and the network to it. umount -f cancels the requests in flight, so the tasks get an ' +
            'I/O error and can exit. For mounts that may fail, mount them again with `soft` and a bounded `timeo`/`retrans` so that I/O errors out ' +
            'instead of hanging: a remount cannot change those (the kernel refuses it), and /etc/fstab keeps them. Restarting dockerd will not help: ' +
            'its tasks stay blocked in the kernel.',
          commands: [
            "grep -E ' nfs4? ' /proc/mounts",
            ...nfs.servers.slice(0, 2).map((s) => `rpcinfo -t ${shellArg(s)} nfs`),
            ...(mounts.length ? mounts.map((m) => `umount -f -l ${shellArg(m.mount)}`) : ['umount -f -l <mount>']),
            ...(mounts.length
              ? mounts.map((m) => `mount -t ${m.type === 'nfs4' ? 'nfs4' : 'nfs'} -o soft,timeo=100,retrans=3 ${shellArg(m.source)} ${shellArg(m.mount)}`)
              : ['mount -t nfs -o soft,timeo=100,retrans=3 <server>:<export> <mount>']),
          ],
        },
      ];
    }
    case 'fuse': {
      const mounts = hungFuseMounts(facts);
      const daemons = [...new Set(mounts.flatMap((m) => (m.daemon ? [m.daemon] : [])))];
      const which = mounts.length === 1 ? ` (${fuseMountText(mounts[0] as FuseMount)})` : mounts.length ? ` (one of ${listSome(mounts.map(fuseMountText), 4)})` : '';
      const aborts = mounts.filter((m) => m.connection !== undefined).slice(0, 4);
      // what fusectl said when the bundle was taken: the connections with requests waiting
      const waiting = mounts.filter((m) => (m.waiting ?? 0) > 0);
      const waitingText = waiting.length
        ? `${waiting.map((m) => `Connection ${m.connection ?? '?'} (${m.mount}) had ${plural(m.waiting ?? 0, 'request')} waiting on its daemon`).join('; ')} when this was collected.`
        : 'A connection with requests waiting is the one that hangs.';
      return [
        {
          title: `Find the FUSE mount and its daemon${which}: the program that serves it took a request and does not answer`,
          detail:
            'FUSE requests are answered by a program in user space (sshfs, lxcfs, s3fs, rclone, fuse-overlayfs). Once it has read a request, the ' +
            "task waits until it answers, and kill -9 does not end the wait. The daemon may be stopped, deadlocked, or waiting itself (sshfs on a " +
            `server that went away). ${waitingText} Restarting dockerd will not help: its tasks stay blocked in the kernel.`,
          commands: [
            ...(mounts.length ? [] : ["grep ' - fuse' /proc/self/mountinfo"]),
            FUSECTL_MOUNT,
            'grep . /sys/fs/fuse/connections/*/waiting',
            daemons.length ? `ps -o pid,stat,wchan:32,args -p "$(pgrep -d, -x ${shellArg(daemons.join('|'))})"` : "ps -eo pid,stat,wchan:32,args | grep -E '[s]shfs|[l]xcfs|[f]use|[r]clone'",
            stack,
          ],
        },
        {
          title: "Abort the mount's FUSE connection: the blocked tasks get an error and can exit; then unmount it and mount it again",
          detail:
            'Each FUSE mount has a connection in /sys/fs/fuse/connections named by its device number (the 0:N before the mount point in mountinfo: N). ' +
            (aborts.length > 1 ? `Here ${aborts.map((m) => `${m.connection} is ${m.mount}`).join(', ')}: abort only the one with requests waiting. ` : '') +
            'Writing 1 to its abort file fails every pending request, so the tasks stuck in D state exit. lxcfs serves ' +
            "containers' /proc files: after it is restarted, running containers need a restart to see them again.",
          commands: [
            FUSECTL_MOUNT,
            ...(aborts.length ? aborts.flatMap((m) => [`echo 1 > /sys/fs/fuse/connections/${m.connection}/abort`, `umount -l ${shellArg(m.mount)}`]) : ['echo 1 > /sys/fs/fuse/connections/<N>/abort', 'umount -l <mount>']),
          ],
        },
      ];
    }
    case 'fs-frozen':
      return [
        {
          title: 'Thaw the frozen filesystem (fsfreeze -u), and find what froze it: a backup or snapshot job, or the hypervisor\'s guest agent',
          detail:
            'The tasks wait for the write lock of a filesystem that is frozen: only a freeze holds it, and writes there wait, unkillable, until it is thawed. ' +
            'The table of mounts does not say which is frozen; fsfreeze -u on a mount that is not says "Invalid argument" and does no harm. ' +
            "qemu-guest-agent freezes every filesystem for a snapshot (guest-fsfreeze-freeze) and thaws them after: a snapshot that failed half-way leaves them frozen. " +
            'A frozen filesystem that has also been shut down (XFS after errors) cannot be opened to thaw it: only a reboot frees those tasks. Restarting dockerd will not help.',
          commands: [stack, "findmnt -rn -o TARGET -t xfs,ext4,ext3,btrfs", 'fsfreeze -u <mount>'],
        },
      ];
    case 'netdev':
      return [
        {
          title: 'Network devices cannot be unregistered: only a reboot frees the tasks, a newer kernel keeps it from coming back',
          detail:
            'The tasks wait for the kernel to tear down a network device or namespace (unregister_netdevice, cleanup_net), or for the rtnl lock ' +
            'that teardown holds; every container start and stop needs that lock, so dockerd hangs with them. It is not I/O, and restarting dockerd ' +
            'will not help: the wait is in the kernel. A device whose references leak ("unregister_netdevice: waiting for lo to become free") is a ' +
            'kernel bug fixed in later releases; drain the host and reboot it, then upgrade the kernel.',
          commands: [stack, "dmesg | grep -E 'unregister_netdevice|to become free'", 'uname -r'],
        },
      ];
    case 'jbd2':
      return [
        {
          title: 'The ext4 journal cannot commit: find the device under it that no longer completes writes',
          detail:
            'Tasks wait for the jbd2 journal, which waits for its block device. ' +
            (devicemapper ? "Docker's storage driver is devicemapper: a full thin pool stops every write, check its Data Space Available. " : '') +
            'Check the disk or volume and the kernel log for I/O errors before restarting anything.',
          commands: [stack, 'iostat -x 5 2', 'dmesg | grep -iE "I/O error|jbd2"', ...(devicemapper ? ['docker info | grep -i "space"', 'dmsetup status'] : [])],
        },
      ];
    case 'xfs':
      return devicemapper
        ? [
            {
              title: 'Stop XFS from retrying writes for ever on a full devicemapper pool',
              detail:
                'When the thin pool runs out of space XFS gets ENOSPC and retries the I/O without end, which hangs dockerd. ' +
                'Docker 1.12.6 added dm.xfs_nospace_max_retries; on older Docker, format the pool with ext4 instead and give it more room.',
              daemon_options: ['--storage-opt dm.xfs_nospace_max_retries=0', ext4PoolOptions(facts)],
            },
          ]
        : [
            {
              title: 'The XFS log cannot be written: find the device under it that no longer completes writes',
              detail: 'Tasks wait for the XFS log (xlog), which waits for its block device. Check the disk or volume and the kernel log for I/O errors.',
              commands: [stack, 'iostat -x 5 2', 'dmesg | grep -iE "I/O error|xfs"'],
            },
          ];
    case 'zfs':
      return [
        {
          title: 'ZFS does not complete its transaction groups: find the pool device that no longer completes I/O',
          detail:
            'The tasks wait for ZFS (txg_sync, zio_wait, the ZIL): a pool whose disks stall, fail or run out of space blocks every writer, ' +
            "dockerd too when Docker's storage driver is zfs. zpool status names a faulted or degraded device; zpool events tell what ZFS saw.",
          commands: [stack, 'zpool status -v', 'zpool iostat -v 5 2', 'zpool events -v | tail -50'],
        },
      ];
    case 'btrfs': {
      // one command per btrfs filesystem, by its first mount point (a subvolume may be mounted many times)
      const byFilesystem = new Map<string, string>();
      for (const m of facts.disks.mounts.length ? facts.disks.mounts : facts.disks.filesystems) {
        const key = 'device' in m && m.device ? `${m.device.major}:${m.device.minor}` : m.source;
        if (m.type === 'btrfs' && !byFilesystem.has(key)) byFilesystem.set(key, m.mount);
      }
      const mounts = [...byFilesystem.values()];
      return [
        {
          title: 'btrfs cannot commit its transaction: check its metadata space and the kernel log',
          detail:
            'The tasks wait for a btrfs transaction to commit (btrfs-transaction in D). A btrfs out of metadata space, or one with very many ' +
            'subvolumes and snapshots (Docker\'s btrfs driver makes one per layer), stalls every writer; kernel btrfs bugs do the same. ' +
            'btrfs filesystem usage shows Metadata used against its size. Once writes complete again, a filtered balance ' +
            '(btrfs balance start -dusage=10) gives back mostly-empty data chunks; started now it only queues behind the stall.',
          commands: [stack, ...(mounts.length ? mounts.slice(0, 3).map((m) => `btrfs filesystem usage ${shellArg(m)}`) : ['btrfs filesystem usage <mount>']), 'dmesg | grep -i btrfs'],
        },
      ];
    }
    case 'dm-thin':
      return [
        {
          title: 'Free or grow the devicemapper thin pool the writes wait for',
          detail: 'A thin pool out of data or metadata space queues (or fails) every write to its thin devices.',
          commands: ['dmsetup status', 'lvs -a', ...(devicemapper ? ['docker info | grep -i "space"'] : [])],
        },
      ];
    case 'block':
      return [
        {
          title: 'A block device (or a multipath path) does not complete I/O: check the disk and its paths',
          detail: 'The tasks wait in the block layer. A dead path in multipath with queue_if_no_path, a failing disk or a stuck controller look like this.',
          commands: [stack, 'multipath -ll', 'iostat -x 5 2', 'smartctl -a /dev/sdX'],
        },
      ];
    case 'freezer': {
      // the paused containers docker ps or inspect listed: the likely freezer users, named (an id
      // goes into a command line only when it is one)
      const paused = facts.docker.containers.filter((c) => (c.status === 'paused' || /\(Paused\)/.test(c.statusText ?? '')) && CONTAINER_ID.pattern.test(c.id));
      const named = paused.slice(0, 3).map((c) => c.name?.replace(/^\//, '') ?? c.id.slice(0, 12));
      return [
        {
          title: `The tasks are frozen by the cgroup freezer: thaw their cgroup (${named.length ? `paused container${named.length > 1 ? 's' : ''} ${named.join(', ')}` : 'a paused container'})`,
          detail:
            'Nothing waits for I/O: `docker pause` (or another freezer user) froze the cgroup, and its tasks stay in D state until it is thawed. ' +
            '`docker unpause` or writing THAWED to its freezer.state resumes it.',
          commands: paused.length
            ? paused.slice(0, 3).map((c) => `docker unpause ${c.id.slice(0, 12)}`)
            : ['docker ps --filter status=paused', 'docker unpause <container>'],
        },
      ];
    }
    case 'unknown':
      return [
        {
          title: 'Read the blocked task\'s kernel stack to see what it waits for',
          detail: 'The reported frames do not name a filesystem, NFS, the block layer or the freezer. The full stack and the wait channel usually do.',
          commands: [stack, dStateListing(), 'dmesg | grep -A30 "blocked for more than"'],
        },
      ];
  }
}
