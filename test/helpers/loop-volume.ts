import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const PREFIX = 'sickbay-loop-volume-';
const OWNER_FILE = 'owner';

/**
 * An ext4 volume on a loop device whose file is a sparse image, by default larger than the small tmpfs that
 * holds it: writing to the volume fills the tmpfs, the loop device's writes then fail for want of
 * space, and ext4 (mounted errors=remount-ro) aborts its journal and goes read-only, as a volume on
 * an image file does when the filesystem under the file fills up.
 */
export interface LoopVolume {
  dir: string;
  /** Where the ext4 is mounted: bind it into a container. */
  mount: string;
  /** The tmpfs that holds the image. */
  backing: string;
  image: string;
  /** /dev/loopN */
  loop: string;
  remove(): void;
}

function run(file: string, args: readonly string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', env: { ...process.env, PATH: SYSTEM_PATH } });
}

function tryRun(file: string, args: readonly string[]): boolean {
  return spawnSync(file, args, { env: { ...process.env, PATH: SYSTEM_PATH } }).status === 0;
}

function mounted(path: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' ') === path);
}

function backingOf(loop: string): string {
  return spawnSync('losetup', ['-n', '-O', 'BACK-FILE', loop], { encoding: 'utf8', env: { ...process.env, PATH: SYSTEM_PATH } }).stdout?.trim() ?? '';
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Unmounts the volume, detaches its loop device (only while it is still backed by this dir's image) and the tmpfs, and removes the dir. */
function removeVolume(dir: string, loop: string | undefined): void {
  const problems: string[] = [];
  const umount = (path: string): void => {
    for (let i = 0; i < 25 && mounted(path); i++) {
      if (!tryRun('umount', [path])) sleepSync(200);
    }
    if (mounted(path)) problems.push(`${path} stays mounted`);
  };
  umount(join(dir, 'volume'));
  const loops = new Set([...(loop ? [loop] : []), ...loopsUnder(dir)]);
  for (const l of loops) {
    if (!backingOf(l).startsWith(dir)) continue;
    tryRun('losetup', ['-d', l]);
    for (let i = 0; i < 50 && backingOf(l).startsWith(dir); i++) sleepSync(100);
    if (backingOf(l).startsWith(dir)) problems.push(`${l} is still attached`);
  }
  umount(join(dir, 'backing'));
  if (problems.length) throw new Error(`could not clean up ${dir}: ${problems.join('; ')}`);
  rmSync(dir, { recursive: true, force: true });
}

/** The loop devices whose file is under `dir`, from sysfs. */
function loopsUnder(dir: string): string[] {
  return readdirSync('/sys/block')
    .filter((d) => d.startsWith('loop'))
    .flatMap((d) => {
      try {
        return readFileSync(`/sys/block/${d}/loop/backing_file`, 'utf8').startsWith(dir) ? [`/dev/${d}`] : [];
      } catch {
        return [];
      }
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes what runs that were killed before their clean-up left. */
function sweepAbandoned(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(existsSync(join(dir, OWNER_FILE)) ? readFileSync(join(dir, OWNER_FILE), 'utf8') : 0);
    if (owner && alive(owner)) continue;
    removeVolume(dir, undefined);
  }
}

/** XFS's retries of a failed metadata write (per error, per device) and how often its log worker pushes metadata out, in /sys and /proc. */
const XFS_SYNC_INTERVAL = '/proc/sys/fs/xfs/xfssyncd_centisecs';

/**
 * How often XFS's log worker pushes metadata to disk (centiseconds, 3000 by default): a test that
 * needs a failed metadata write sooner lowers it, and puts back what it read.
 */
export function setXfsSyncInterval(centisecs: number): () => void {
  const before = readFileSync(XFS_SYNC_INTERVAL, 'utf8').trim();
  writeFileSync(XFS_SYNC_INTERVAL, String(centisecs));
  return () => writeFileSync(XFS_SYNC_INTERVAL, before);
}

export function xfsSyncInterval(): number {
  return Number(readFileSync(XFS_SYNC_INTERVAL, 'utf8'));
}

/**
 * By default the image (64 MiB) outgrows its tmpfs (8 MiB); with a tmpfs larger than the image and
 * `mkfs` options (`-N 64`), a volume that runs out of something else. With `fs: 'xfs'`, an XFS (at
 * least 300 MiB, with a log of 64 MiB that mkfs writes out) that gives up on a metadata write it
 * cannot make for want of space at once (max_retries 0 for ENOSPC, as Docker's
 * dm.xfs_nospace_max_retries=0 sets it for its pool) instead of retrying for ever: it shuts down.
 */
export function makeLoopVolume({ backingMiB = 8, imageMiB = 64, mkfs = [], fs = 'ext4' }: { backingMiB?: number; imageMiB?: number; mkfs?: readonly string[]; fs?: 'ext4' | 'xfs' } = {}): LoopVolume {
  sweepAbandoned();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  const backing = join(dir, 'backing');
  const mount = join(dir, 'volume');
  const image = join(backing, 'volume.img');
  mkdirSync(backing);
  mkdirSync(mount);
  let loop: string | undefined;
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${backingMiB}m`, 'tmpfs', backing]);
    run('truncate', ['-s', `${imageMiB}M`, image]);
    loop = run('losetup', ['-f', '--show', image]).trim();
    if (fs === 'xfs') {
      // -K: no discard of the sparse file's blocks
      run('mkfs.xfs', ['-q', '-f', '-K', ...mkfs, loop]);
      run('mount', [loop, mount]);
      writeFileSync(`/sys/fs/xfs/${loop.replace('/dev/', '')}/error/metadata/ENOSPC/max_retries`, '0');
    } else {
      run('mkfs.ext4', ['-q', '-F', ...mkfs, loop]);
      run('mount', ['-o', 'errors=remount-ro', loop, mount]);
    }
  } catch (err) {
    removeVolume(dir, loop);
    throw err;
  }
  const attached = loop;
  let removed = false;
  return {
    dir,
    mount,
    backing,
    image,
    loop: attached,
    remove() {
      if (removed) return;
      removeVolume(dir, attached);
      removed = true;
    },
  };
}

/** What a volume left: mounts, loop devices and the dir. */
export function loopVolumeLeftovers(dir: string): { mounts: string[]; loops: string[]; dir: boolean } {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));
  return { mounts, loops: loopsUnder(dir), dir: existsSync(dir) };
}
