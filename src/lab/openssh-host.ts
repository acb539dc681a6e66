import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessTree, processTree } from './kill-tree.js';
import { replayPath } from './shims.js';

/**
 * A real OpenSSH sshd on 127.0.0.1 (Debian's openssh-server), for the tests and the benches: a host
 * with a real login shell, optionally replaying a bundle through the lab's shims.
 */

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throwaway OpenSSH sshd on 127.0.0.1. */
export interface SshdHandle {
  port: number;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA...`, ready for a known_hosts file. */
  hostKeyLine: string;
  /** The host's public key line (`ssh-ed25519 AAAA...`). */
  hostPublicKey: string;
  /** A private key that sshd accepts for `user`. */
  clientKeyPath: string;
  user: string;
  /** The temp dir holding keys and config; removed by stop(). */
  dir: string;
  /** The sshd listener's pid; its children are the per-connection session processes. */
  pid: number;
  /** What sshd wrote to stderr (-e), for failing tests. */
  log(): string;
  /**
   * How many times a login shell started (sourced the `.bashrc` written for `slowLoginShell`):
   * one per exec channel. 0 without that option.
   */
  shellStarts(): number;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Put first on the session PATH (SetEnv PATH=<shimDir>:/usr/bin:/bin). */
  shimDir?: string;
  /** More environment for sessions (SetEnv), e.g. SICKBAY_LAB_BUNDLE. */
  env?: Record<string, string>;
  /** Extra sshd_config lines. */
  config?: string[];
  /** The login shell's ~/.bashrc (HOME is the temp dir): bash sources it for every sshd session. */
  bashrc?: string;
  /**
   * Make root's login shell as slow as on many real hosts: a `~/.bashrc` (HOME is the temp dir;
   * Debian's bash reads it for every sshd session, `bash -c` included) that sleeps this long and
   * appends one line to a counter file, so that a test can count shell start-ups.
   */
  slowLoginShell?: { seconds: number };
  /**
   * Also let this non-root user log in with the same key: a throwaway account (no home of its own,
   * /bin/sh) created now and deleted by stop(), for what only a non-root login shows (sudo).
   */
  extraUser?: string;
}

/** The counter file the slow `.bashrc` appends to, in the sshd's temp dir. */
const SHELL_STARTS_FILE = 'shell-starts';


/** Whether something on host:port answers with an SSH banner within timeoutMs (one attempt). */
export function answersSshBanner(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(timeoutMs);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Resolves once something on the port answers with an SSH banner. */
export async function waitForSshBanner(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await answersSshBanner(port)) return;
    if (Date.now() > deadline) throw new Error(`nothing answered SSH on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function keygen(file: string, comment = 'sickbay-test'): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
  return readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
}

/** Starts `/usr/sbin/sshd -D -e` with fresh host and client keys, root login by key only. */
export async function startSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  mkdirSync('/run/sshd', { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'sickbay-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  const hostPublicKey = keygen(hostKey, 'sickbay-test-host');
  writeFileSync(join(dir, 'authorized_keys'), `${keygen(clientKey)}\n`);
  if (options.bashrc !== undefined && options.slowLoginShell) throw new Error('give startSshd either bashrc or slowLoginShell');
  if (options.bashrc !== undefined) writeFileSync(join(dir, '.bashrc'), options.bashrc);
  if (options.slowLoginShell) {
    const seconds = options.slowLoginShell.seconds;
    if (!(seconds >= 0 && seconds < 60)) throw new Error(`slowLoginShell.seconds must be from 0 to 60, not ${seconds}`);
    writeFileSync(join(dir, '.bashrc'), `# a slow login shell, as on many real hosts; one line per start-up\nsleep ${seconds}\necho "$$" >> "$HOME/${SHELL_STARTS_FILE}"\n`);
  }
  if (options.extraUser !== undefined) {
    if (!/^sickbay-[a-z0-9-]{1,20}$/.test(options.extraUser)) throw new Error('extraUser must be sickbay-<lower-case letters, digits, dashes>');
    // password '*': no password, yet not locked (sshd refuses key logins to a locked '!' account without PAM)
    execFileSync('useradd', ['--no-create-home', '--home-dir', dir, '--shell', '/bin/sh', '--password', '*', options.extraUser]);
    // the user reads authorized_keys itself (sshd drops to it to open the file)
    execFileSync('chmod', ['0711', dir]);
    execFileSync('chmod', ['0644', join(dir, 'authorized_keys')]);
  }
  const removeUser = () => {
    if (options.extraUser !== undefined) execFileSync('userdel', [options.extraUser], { stdio: 'ignore' });
  };
  const port = await freePort();
  // HOME in the temp dir: the login shell must not source root's dotfiles (a ~/.bashrc running
  // `pyenv init` takes a machine-wide lock, and killing a session mid-way leaves it stale)
  const env: Record<string, string> = { HOME: dir, ...options.env };
  if (options.shimDir) env.PATH = replayPath(options.shimDir);
  // sshd uses only the first SetEnv line: every variable goes on one (values must hold no spaces)
  const setEnv = Object.keys(env).length > 0 ? [`SetEnv ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`] : [];
  const config = [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'LogLevel ERROR',
    ...setEnv,
    ...(options.config ?? []),
  ];
  const configFile = join(dir, 'sshd_config');
  writeFileSync(configFile, `${config.join('\n')}\n`);
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error('sshd did not start');
  try {
    await Promise.race([
      waitForSshBanner(port),
      exited.then(() => {
        throw new Error(`sshd exited at start-up: ${log}`);
      }),
    ]);
  } catch (err) {
    killProcessTree(pid);
    removeUser();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // if the test process dies without calling stop(), do not leave a listener behind
  const onExit = () => killProcessTree(pid);
  process.once('exit', onExit);
  let stopped: Promise<void> | undefined;
  return {
    port,
    hostKeyLine: `[127.0.0.1]:${port} ${hostPublicKey}`,
    hostPublicKey,
    clientKeyPath: clientKey,
    user: 'root',
    dir,
    pid,
    log: () => log,
    shellStarts() {
      try {
        return readFileSync(join(dir, SHELL_STARTS_FILE), 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    stop() {
      stopped ??= (async () => {
        process.off('exit', onExit);
        // session processes setsid() away from the listener: kill the whole tree, not just the group
        if (child.exitCode === null) killProcessTree(pid);
        await exited;
        removeUser();
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** The per-connection session processes sshd forked (children of the listener), with what they run. */
export function sshdSessionPids(handle: SshdHandle): number[] {
  return processTree(handle.pid).filter((p) => p !== handle.pid);
}

/**
 * sshd's own per-connection processes, without the user's commands: killing these is what a
 * dropped connection does to the host (the commands see their input and output close).
 */
export function sshdConnectionPids(handle: SshdHandle): number[] {
  return sshdSessionPids(handle).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd';
    } catch {
      return false;
    }
  });
}
