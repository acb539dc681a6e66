import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshTarget } from '../../../src/domain/index.js';
import { LAB_BUNDLE_ENV, LAB_SUDO_ENV, prepareReplay, writeShims } from '../../../src/lab/index.js';
import { createSshRunner, knownHostsParseCount, SshError, type SshRunner } from '../../../src/ssh/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { pgrep, until } from '../../helpers/processes.js';
import { freePort, keygen, sshdConnectionPids, startSshd, type SshdHandle } from '../../helpers/sshd.js';

const BUNDLE = 'mesos-java-oom-137';
const RUN = { timeoutMs: 10_000, maxBytes: 1 << 20 };


async function refusal(promise: Promise<unknown>): Promise<SshError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SshError) return err;
    throw err;
  }
  throw new Error('expected the connection to be refused');
}

function fingerprintOfFile(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1] as string;
}

const SUDO_USER = `sickbay-sudo-${process.pid}`;

describe('createSshRunner against a real OpenSSH sshd', () => {
  let work: string;
  let sshd: SshdHandle;
  let other: SshdHandle;
  let target: SshTarget;
  let otherTarget: SshTarget;
  let runner: SshRunner;

  const knownHosts = (name: string, text: string): string => {
    const file = join(work, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-ssh-test-'));
    const shimDir = await writeShims(join(work, 'shims'));
    // the non-root account runs the shims too (its sudo is the shim that asks for a password)
    chmodSync(work, 0o711);
    chmodSync(shimDir, 0o755);
    const replay = await prepareReplay(join(INCIDENTS_DIR, BUNDLE), join(work, 'replay'), { durationScale: 0 });
    [sshd, other] = await Promise.all([
      startSshd({ shimDir, env: { [LAB_BUNDLE_ENV]: replay } }),
      // sudo there asks for a password; a non-root account logs in too, since root is never asked
      startSshd({ shimDir, env: { [LAB_BUNDLE_ENV]: replay, [LAB_SUDO_ENV]: 'password' }, extraUser: SUDO_USER }),
    ]);
    const file = knownHosts('known_hosts', `${sshd.hostKeyLine}\n${other.hostKeyLine}\n`);
    target = { name: 'sshd-a', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKeyPath, knownHostsFile: file };
    otherTarget = { ...target, name: 'sshd-b', port: other.port, identityFile: other.clientKeyPath };
    runner = await createSshRunner(target);
  });

  afterAll(async () => {
    await runner?.close();
    await Promise.all([sshd?.stop(), other?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("returns a command's stdout, stderr and exit status", async () => {
    const result = await runner.run(`echo "it's fine"; echo oops >&2; exit 3`, RUN);
    expect(result).toMatchObject({ stdout: "it's fine\n", stderr: 'oops\n', exit: 3, timedOut: false, truncated: false });
    expect(result.error).toBeUndefined();
  });

  it('runs the canonical commands through the replay shims on the session PATH', async () => {
    const [uname, ps] = await Promise.all([
      runner.run('uname -a', RUN),
      runner.run(`docker ps -a --no-trunc --format '{{json .}}'`, RUN),
    ]);
    expect(uname.stdout).toBe(readFileSync(join(INCIDENTS_DIR, BUNDLE, 'uname'), 'utf8'));
    expect(ps.stdout).toBe(readFileSync(join(INCIDENTS_DIR, BUNDLE, 'docker_ps'), 'utf8'));
  });

  it('times out a hung command, lets the other steps finish, and leaves nothing running on the host', async () => {
    // given a command with a unique marker in its process titles
    const marker = `sleep ${randomInt(400_000, 900_000)}`;
    const hung = runner.run(`${marker}; echo never`, { timeoutMs: 1_000, maxBytes: 1024 });
    await until(() => pgrep(marker).length > 0, 'the hung command to start on the host');
    // when other steps run beside it
    const [result, quick, uname] = await Promise.all([hung, runner.run('echo quick', RUN), runner.run('uname -a', RUN)]);
    // then only the hung one timed out, and no process of it survives
    expect(result, JSON.stringify(result)).toMatchObject({ timedOut: true, exit: null, stdout: '' });
    expect(quick).toMatchObject({ stdout: 'quick\n', exit: 0, timedOut: false });
    expect(uname.exit).toBe(0);
    await until(() => pgrep(marker).length === 0, `every process matching "${marker}" to be gone`);
  });

  it('caps 50 MB of output at maxBytes and marks it truncated', async () => {
    const result = await runner.run('head -c 52428800 /dev/zero', { timeoutMs: 30_000, maxBytes: 1_000_000 });
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBe(1_000_000);
    // on the host the output stopped growing at the cap: the command's further writes failed
    expect(result.exit).toBeTypeOf('number');
    expect(result.timedOut).toBe(false);
  });

  it('survives binary output that is not valid UTF-8', async () => {
    const result = await runner.run(`printf '\\377\\376ok\\000\\300'`, RUN);
    expect(result.exit).toBe(0);
    expect(result.stdout).toContain('ok');
    expect(result.stdout).toContain('\uFFFD');
  });

  it('never holds more than 8 channels open at once on one connection when commands go a channel each', async () => {
    const dir = mkdtempSync(join(work, 'overlap-'));
    const channels = await createSshRunner(target, { shellSession: false });
    expect(channels.transport).toEqual({ mode: 'exec-per-command' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        channels.run(`echo "s $(date +%s%N)" > ${dir}/${i}; sleep 0.3; echo "e $(date +%s%N)" >> ${dir}/${i}`, RUN),
      ),
    );
    expect(results.map((r) => r.error ?? (r.timedOut ? 'timed out' : r.exit))).toEqual(Array(20).fill(0));
    const events = readdirSync(dir).flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [kind, at] = line.split(' ');
          return { at: BigInt(at as string), delta: kind === 's' ? 1 : -1 };
        }),
    );
    await channels.close();
    expect(events).toHaveLength(40);
    events.sort((a, b) => (a.at === b.at ? a.delta - b.delta : a.at < b.at ? -1 : 1));
    let open = 0;
    let most = 0;
    for (const e of events) {
      open += e.delta;
      most = Math.max(most, open);
    }
    expect(most).toBeLessThanOrEqual(8);
    expect(most).toBeGreaterThan(1);
  });

  it('runs through sudo -n when asked', async () => {
    const result = await runner.run('echo as-root', { ...RUN, sudo: true });
    expect(result).toMatchObject({ stdout: 'as-root\n', exit: 0 });
    expect(result.error).toBeUndefined();
  });

  it("runs root's commands without sudo: a host without sudo, or whose sudo would ask, still runs them", async () => {
    const asRoot = await createSshRunner(otherTarget);
    try {
      expect(await asRoot.run('id -u', { ...RUN, sudo: true })).toMatchObject({ stdout: '0\n', exit: 0 });
    } finally {
      await asRoot.close();
    }
  });

  it('reports a sudo password prompt to a non-root login as an error naming the host, not a hang', async () => {
    const b = await createSshRunner({ ...otherTarget, user: SUDO_USER });
    try {
      const result = await b.run('echo as-root', { ...RUN, sudo: true });
      expect(result.errorCode).toBe('sudo_password_required');
      expect(result.error).toBe('sudo needs a password on sshd-b: allow the sickbay user passwordless sudo for its commands (NOPASSWD)');
    } finally {
      await b.close();
    }
  });

  it('refuses a client key the server does not accept with a clear auth error', async () => {
    const wrongKey = join(work, 'wrong_key');
    keygen(wrongKey);
    const err = await refusal(createSshRunner({ ...target, identityFile: wrongKey }));
    expect(err.code).toBe('ssh_auth_failed');
    expect(err.retryable).toBe(false);
    expect(err.userMessage).toContain(`refused: the server did not accept the key ${wrongKey}`);
  });

  it('refuses an unknown host key, giving its fingerprint and how to trust it', async () => {
    const file = knownHosts('known_hosts_empty', `${other.hostKeyLine}\n`);
    const err = await refusal(createSshRunner({ ...target, knownHostsFile: file }));
    expect(err.code).toBe('ssh_host_key_unknown');
    expect(err.retryable).toBe(false);
    expect(err.userMessage).toContain('is unknown');
    expect(err.userMessage).toContain(fingerprintOfFile(join(sshd.dir, 'host_ed25519.pub')));
    expect(err.userMessage).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${file}`);
  });

  it('refuses a changed host key, naming the old and the new fingerprints', async () => {
    const file = knownHosts('known_hosts_changed', `[127.0.0.1]:${sshd.port} ${other.hostPublicKey}\n`);
    const err = await refusal(createSshRunner({ ...target, knownHostsFile: file }));
    expect(err.code).toBe('ssh_host_key_changed');
    expect(err.userMessage).toContain('CHANGED');
    expect(err.userMessage).toContain(fingerprintOfFile(join(other.dir, 'host_ed25519.pub')));
    expect(err.userMessage).toContain(fingerprintOfFile(join(sshd.dir, 'host_ed25519.pub')));
  });

  it('accepts hashed known_hosts entries and parses each file once', async () => {
    const file = knownHosts('known_hosts_hashed', `${sshd.hostKeyLine}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    const first = await createSshRunner({ ...target, knownHostsFile: file });
    const parsesAfterFirst = knownHostsParseCount();
    const second = await createSshRunner({ ...target, knownHostsFile: file });
    expect(knownHostsParseCount()).toBe(parsesAfterFirst);
    expect((await second.run('echo hashed', RUN)).stdout).toBe('hashed\n');
    await Promise.all([first.close(), second.close()]);
  });

  it('reports a closed port as connection refused, which is retryable', async () => {
    const port = await freePort();
    const err = await refusal(createSshRunner({ ...target, port }));
    expect(err.code).toBe('ssh_connect_refused');
    expect(err.retryable).toBe(true);
    expect(err.userMessage).toContain(`127.0.0.1:${port}`);
  });

  it('gives up on a host that accepts TCP but never speaks SSH, as a retryable connect timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // read (and ignore) the client's banner, or 'end' never comes
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const err = await refusal(createSshRunner({ ...target, port }, { connectTimeoutMs: 500 }));
      expect(err.code).toBe('ssh_connect_timeout');
      expect(err.retryable).toBe(true);
      // the runner let go of the socket: the silent server sees it close
      await until(() => sockets.size === 0, 'the client to close its socket');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reaches a host through a jump host, verifying both host keys', async () => {
    const jumped = await createSshRunner({ ...otherTarget, jump: target });
    try {
      const result = await jumped.run('echo via-bastion', RUN);
      expect(result).toMatchObject({ stdout: 'via-bastion\n', exit: 0 });
    } finally {
      await jumped.close();
    }
    const file = knownHosts('known_hosts_only_bastion', `${sshd.hostKeyLine}\n`);
    const err = await refusal(createSshRunner({ ...otherTarget, knownHostsFile: file, jump: target }));
    expect(err.code).toBe('ssh_host_key_unknown');
    expect(err.host).toBe('sshd-b');
  });

  it('fails the in-flight step with an error when the connection drops mid-command', async () => {
    const b = await createSshRunner(otherTarget);
    const marker = `sleep ${randomInt(400_000, 900_000)}`;
    const step = b.run(`${marker}; echo never`, { timeoutMs: 60_000, maxBytes: 1024 });
    await until(() => pgrep(marker).length > 0, 'the command to start');
    for (const pid of sshdConnectionPids(other)) process.kill(pid, 'SIGKILL');
    const result = await step;
    expect(result).toMatchObject({ exit: null, timedOut: false, errorCode: 'ssh_unreachable' });
    expect(result.error).toContain('sshd-b');
    expect(b.connected).toBe(false);
    const after = await b.run('echo again', RUN);
    expect(after.errorCode).toBe('ssh_unreachable');
    await b.close();
    // the shell driver on the host saw its input close and killed the step, long before its 60 s deadline
    await until(() => pgrep(marker).length === 0, `"${marker}" to be killed on the host after the drop`, 20_000);
  });
});
