import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Docker daemon of the test's own on this machine (Debian's docker.io): its data root on a
 * small loop-mounted ext4, its own exec root, pidfile, unix socket, config file and log, no bridge
 * and no iptables, so that it touches nothing another dockerd uses. `stop()` takes everything down
 * again (daemon, containerd, shims, containers, mounts, loop device, temp dir), and so do the
 * process's exit and SIGINT/SIGTERM, and the next start for what an earlier, killed run left.
 */

const DOCKERD = '/usr/sbin/dockerd';
/** Debian's client, of the daemon's own release (another `docker` may come first on PATH). */
export const DOCKER_CLIENT = '/usr/bin/docker';
const BUSYBOX = '/bin/busybox';
const PREFIX = 'sickbay-docker-';
const STATE_FILE = 'state.json';
/** A busybox image made here with `docker import`: no registry is reachable. */
export const BUSYBOX_IMAGE = 'sickbay/busybox:real';
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export interface RealDocker {
  /** The temp dir holding everything (disk image, mount point, exec root, socket, log). */
  dir: string;
  /** `unix://DIR/docker.sock`, for DOCKER_HOST. */
  host: string;
  /** Where the loop-mounted ext4 is mounted. */
  mount: string;
  /** Docker's data root: a directory on that filesystem. */
  dataRoot: string;
  loopDevice: string;
  pid: number;
  /** Runs Debian's docker client against this daemon; throws with its stderr when it fails. */
  docker(...args: string[]): string;
  /** SIGSTOP the daemon: it keeps its socket and answers nothing. */
  freeze(): void;
  /** SIGCONT it. */
  thaw(): void;
  /** dockerd's own log. */
  log(): string;
  stop(): Promise<void>;
}

export interface RealDockerOptions {
  /** Size of the data root's filesystem. @defaultValue 256 */
  sizeMiB?: number;
}

/** What a test needs of this machine and is missing: said plainly, with what to install. */
export class RealDockerUnavailable extends Error {
  constructor(what: string) {
    super(`the real-Docker suite cannot run here: ${what} (.ci/run installs docker.io, busybox-static, e2fsprogs and util-linux when missing)`);
    this.name = 'RealDockerUnavailable';
  }
}

interface State {
  owner: number;
  loop?: string;
  dockerd?: number;
}

function run(file: string, args: string[], timeoutMs = 30_000, input?: string): string {
  const res = spawnSync(file, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, PATH: SYSTEM_PATH }, ...(input !== undefined ? { input } : {}) });
  if (res.error) throw new Error(`${file} ${args.join(' ')}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${res.status ?? res.signal}: ${(res.stderr || res.stdout).trim()}`);
  return res.stdout;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    // a zombie has exited; its parent just has not reaped it yet
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function readLinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** The ids of the containers this daemon made (their directories under the data root). */
function containerIds(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'mnt', 'docker', 'containers')).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}

/**
 * Every process of this daemon's: command line, root or working directory in `dir` (dockerd,
 * containerd, shims), or in the cgroup of one of its containers (what runs inside them).
 */
function processesUsing(dir: string): number[] {
  const ids = containerIds(dir);
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cmdline = cmdlineOf(pid);
    const root = readLinkOr(`/proc/${pid}/root`);
    const cwd = readLinkOr(`/proc/${pid}/cwd`);
    if (cmdline.includes(dir) || root.startsWith(dir) || cwd.startsWith(dir) || inContainer(pid, ids)) pids.push(pid);
  }
  return pids;
}

function inContainer(pid: number, ids: readonly string[]): boolean {
  if (!ids.length) return false;
  try {
    const cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    return ids.some((id) => cgroups.includes(id));
  } catch {
    return false;
  }
}

/** Mount points under `dir`, deepest first (container overlays and netns files before the ext4). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function loopsBackedBy(file: string): string[] {
  if (!existsSync(file)) return [];
  const out = spawnSync('losetup', ['-j', file], { encoding: 'utf8', env: { ...process.env, PATH: SYSTEM_PATH } }).stdout ?? '';
  return out.split('\n').flatMap((l) => (/^(\/dev\/loop\d+):/.exec(l)?.[1] ? [/^(\/dev\/loop\d+):/.exec(l)?.[1] as string] : []));
}

function backingOf(loop: string): string {
  return spawnSync('losetup', ['-n', '-O', 'BACK-FILE', loop], { encoding: 'utf8', env: { ...process.env, PATH: SYSTEM_PATH } }).stdout?.trim() ?? '';
}

/** Processes whose mount namespace still mounts the loop device (`pid (comm)`), for the error. */
function holdersOf(loop: string): string[] {
  const minor = /(\d+)$/.exec(loop)?.[1];
  if (!minor) return [];
  const device = ` 7:${minor} `;
  return readdirSync('/proc').flatMap((pid) => {
    if (!/^\d+$/.test(pid)) return [];
    try {
      if (!readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(device)) return [];
      return [`${pid} (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`];
    } catch {
      return [];
    }
  });
}

/**
 * Takes down what a start left in `dir`, from what is on disk and in /proc (so it also serves for a
 * run that was killed): the daemon gently first, then any process still in `dir`, every mount under
 * it, its loop devices, the dir itself. Synchronous, for exit handlers. Errors are collected and
 * thrown at the end, after everything was tried.
 */
export function teardown(dir: string): void {
  const problems: string[] = [];
  let state: State | undefined;
  try {
    state = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as State;
  } catch {
    state = undefined;
  }
  const dockerd = state?.dockerd;
  // the pid must still be this run's dockerd: after a reboot the number may belong to anything
  if (dockerd && alive(dockerd) && cmdlineOf(dockerd).includes(dir)) {
    try {
      process.kill(dockerd, 'SIGCONT');
      // containers first, so that dockerd does not wait out their stop timeouts at shutdown
      const socket = `unix://${join(dir, 'docker.sock')}`;
      // a paused container's processes are frozen (cgroup v1 delivers no signal to them): thaw first
      const paused = spawnSync(DOCKER_CLIENT, ['-H', socket, 'ps', '-q', '--filter', 'status=paused'], { encoding: 'utf8', timeout: 10_000 }).stdout?.split('\n').filter(Boolean) ?? [];
      if (paused.length) spawnSync(DOCKER_CLIENT, ['-H', socket, 'unpause', ...paused], { timeout: 20_000 });
      const ids = spawnSync(DOCKER_CLIENT, ['-H', socket, 'ps', '-aq'], { encoding: 'utf8', timeout: 10_000 }).stdout?.split('\n').filter(Boolean) ?? [];
      if (ids.length) spawnSync(DOCKER_CLIENT, ['-H', socket, 'rm', '-f', ...ids], { timeout: 20_000 });
      process.kill(dockerd, 'SIGTERM');
      for (let i = 0; i < 200 && alive(dockerd); i++) sleepSync(100);
    } catch (err) {
      problems.push(`stopping dockerd ${dockerd}: ${(err as Error).message}`);
    }
  }
  for (let round = 0; round < 3; round++) {
    const left = processesUsing(dir);
    if (!left.length) break;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (let i = 0; i < 50 && left.some(alive); i++) sleepSync(100);
  }
  for (const mount of mountsUnder(dir)) {
    let done = false;
    for (let i = 0; i < 25 && !done; i++) {
      done = spawnSync('umount', [mount], { env: { ...process.env, PATH: SYSTEM_PATH } }).status === 0;
      if (!done) sleepSync(200);
    }
    if (!done) problems.push(`${mount} stays mounted (busy)`);
  }
  const loops = new Set([...(state?.loop ? [state.loop] : []), ...loopsBackedBy(join(dir, 'disk.img'))]);
  for (const loop of loops) {
    const backing = backingOf(loop);
    // only a device still backed by this run's image: the number may have been reused since
    if (!backing.startsWith(dir)) continue;
    if (spawnSync('losetup', ['-d', loop], { env: { ...process.env, PATH: SYSTEM_PATH } }).status !== 0) {
      problems.push(`${loop} could not be detached`);
      continue;
    }
    // A device still held (its ext4 alive in a mount namespace of a container that is only now
    // going away) is marked autoclear and released by the kernel later: wait for that, bounded.
    let released = false;
    for (let i = 0; i < 100 && !released; i++) {
      released = !backingOf(loop).startsWith(dir);
      if (!released) sleepSync(100);
    }
    if (!released) problems.push(`${loop} is still attached 10 s after losetup -d; its filesystem is mounted by ${holdersOf(loop).join(', ') || 'no process (a kernel reference)'}`);
  }
  if (!problems.length || !mountsUnder(dir).length) rmSync(dir, { recursive: true, force: true });
  if (problems.length) throw new Error(`could not clean up ${dir}: ${problems.join('; ')}`);
}

/** Clears what earlier runs that were killed before their clean-up left behind. */
function sweepAbandoned(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner = 0;
    try {
      owner = (JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as State).owner;
    } catch {
      // no state: a start that died before writing it
    }
    if (owner && alive(owner)) continue;
    teardown(dir);
  }
}

/** Refuses to run where something is missing, saying what. */
function checkMachine(): void {
  if (process.getuid?.() !== 0) throw new RealDockerUnavailable('it must run as root (it mounts a loop device and starts dockerd)');
  for (const bin of [DOCKERD, DOCKER_CLIENT, '/usr/bin/containerd', BUSYBOX]) {
    if (!existsSync(bin)) throw new RealDockerUnavailable(`${bin} is not installed`);
  }
  for (const tool of ['mkfs.ext4', 'losetup', 'mount', 'umount', 'fallocate', 'truncate', 'chroot', 'tar', 'dmesg']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { env: { ...process.env, PATH: SYSTEM_PATH } }).status !== 0) throw new RealDockerUnavailable(`${tool} is not installed`);
  }
  if (spawnSync('sh', ['-c', 'command -v runc'], { env: { ...process.env, PATH: SYSTEM_PATH } }).status !== 0) throw new RealDockerUnavailable('runc is not installed');
  if (!existsSync('/dev/loop-control')) throw new RealDockerUnavailable('this kernel has no loop devices (/dev/loop-control is missing)');
  if (!/\boverlay\n/.test(readFileSync('/proc/filesystems', 'utf8'))) {
    spawnSync('modprobe', ['overlay'], { env: { ...process.env, PATH: SYSTEM_PATH } });
    if (!/\boverlay\n/.test(readFileSync('/proc/filesystems', 'utf8'))) throw new RealDockerUnavailable('the kernel has no overlay filesystem (modprobe overlay failed)');
  }
  const memory = readFileSync('/proc/cgroups', 'utf8').split('\n').find((l) => l.startsWith('memory\t'));
  if (!memory?.trim().endsWith('1')) throw new RealDockerUnavailable('the memory cgroup controller is not enabled');
  if (spawnSync('dmesg', [], { stdio: 'ignore' }).status !== 0) throw new RealDockerUnavailable('dmesg is not readable');
}

/** Refuses to start when any dockerd already uses one of these paths (its data or exec root, pidfile or socket). */
function checkNoDaemonUses(paths: readonly string[]): void {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!/(^|\/)dockerd$/.test(argv[0] ?? '')) continue;
    const clash = paths.find((p) => argv.some((a) => a === p || a.endsWith(`=${p}`) || a === `unix://${p}`));
    if (clash) throw new Error(`dockerd ${name} already uses ${clash}: ${argv.join(' ')}`);
  }
}

/** Busybox (static) with its `--install -s` links, imported as an image. */
function importBusybox(dir: string, docker: (...args: string[]) => string): void {
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) mkdirSync(join(rootfs, sub), { recursive: true });
  run('cp', [BUSYBOX, join(rootfs, 'bin', 'busybox')]);
  try {
    run('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  } catch (err) {
    throw new RealDockerUnavailable(`${BUSYBOX} does not run in an empty root filesystem, so it is not the static one (busybox-static): ${(err as Error).message}`);
  }
  const tar = join(dir, 'rootfs.tar');
  run('tar', ['-C', rootfs, '-cf', tar, '.']);
  docker('import', tar, BUSYBOX_IMAGE);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(tar, { force: true });
}

const live = new Set<string>();
let hooked = false;

/** Exit and the usual signals take down every daemon still up. */
function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  const all = () => {
    for (const dir of live) {
      try {
        teardown(dir);
      } catch (err) {
        process.stderr.write(`real-docker: ${(err as Error).message}\n`);
      }
      live.delete(dir);
    }
  };
  process.on('exit', all);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      all();
      process.kill(process.pid, signal);
    });
  }
}

export async function startRealDocker(options: RealDockerOptions = {}): Promise<RealDocker> {
  checkMachine();
  sweepAbandoned();
  hookProcessExit();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  live.add(dir);
  const state: State = { owner: process.pid };
  const save = () => writeFileSync(join(dir, STATE_FILE), JSON.stringify(state));
  save();
  const mount = join(dir, 'mnt');
  const dataRoot = join(mount, 'docker');
  const execRoot = join(dir, 'exec');
  const pidfile = join(dir, 'dockerd.pid');
  const socket = join(dir, 'docker.sock');
  const config = join(dir, 'daemon.json');
  const logFile = join(dir, 'dockerd.log');
  const host = `unix://${socket}`;
  const docker = (...args: string[]): string => run(DOCKER_CLIENT, ['-H', host, ...args], 60_000);
  try {
    const disk = join(dir, 'disk.img');
    run('truncate', ['-s', `${options.sizeMiB ?? 256}M`, disk]);
    run('mkfs.ext4', ['-q', '-F', '-m', '0', disk]);
    state.loop = run('losetup', ['-f', '--show', disk]).trim();
    save();
    mkdirSync(mount);
    run('mount', [state.loop, mount]);
    mkdirSync(execRoot);
    writeFileSync(config, '{}\n');
    checkNoDaemonUses([dataRoot, execRoot, pidfile, socket]);
    const log = openSync(logFile, 'a');
    const child = spawn(
      DOCKERD,
      [
        `--data-root=${dataRoot}`,
        `--exec-root=${execRoot}`,
        `--pidfile=${pidfile}`,
        '-H',
        host,
        `--config-file=${config}`,
        '--storage-driver=overlay2',
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
      ],
      { detached: true, stdio: ['ignore', log, log], env: { PATH: SYSTEM_PATH } },
    );
    closeSync(log);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error('dockerd did not start');
    state.dockerd = pid;
    save();
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (spawnSync(DOCKER_CLIENT, ['-H', host, 'version'], { stdio: 'ignore', timeout: 5_000 }).status === 0) break;
      if (!alive(pid)) throw new Error(`dockerd exited at start-up:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within 30 s:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    importBusybox(dir, docker);
    let stopped: Promise<void> | undefined;
    return {
      dir,
      host,
      mount,
      dataRoot,
      loopDevice: state.loop,
      pid,
      docker,
      freeze: () => process.kill(pid, 'SIGSTOP'),
      thaw: () => process.kill(pid, 'SIGCONT'),
      log: () => readFileSync(logFile, 'utf8'),
      stop() {
        stopped ??= Promise.resolve().then(() => {
          live.delete(dir);
          teardown(dir);
        });
        return stopped;
      },
    };
  } catch (err) {
    live.delete(dir);
    try {
      teardown(dir);
    } catch (cleanup) {
      throw new Error(`${(err as Error).message}\nand then: ${(cleanup as Error).message}`, { cause: err });
    }
    throw err;
  }
}

/** What is left of a stopped daemon: loop devices, mounts and processes that still name `dir`. */
export function leftovers(dir: string): { loops: string[]; mounts: string[]; processes: string[] } {
  const loops = execFileSync('losetup', ['-a'], { encoding: 'utf8', env: { ...process.env, PATH: SYSTEM_PATH } })
    .split('\n')
    .filter((l) => l.includes(dir));
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir));
  const pgrep = spawnSync('pgrep', ['-a', 'dockerd'], { encoding: 'utf8' }).stdout ?? '';
  const processes = [...pgrep.split('\n').filter((l) => l.includes(dir)), ...processesUsing(dir).map(String)];
  return { loops, mounts, processes };
}
