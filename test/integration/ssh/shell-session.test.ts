import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type SshTarget } from '../../../src/domain/index.js';
import { LAB_BUNDLE_ENV, prepareReplay, writeShims } from '../../../src/lab/index.js';
import { collectBundle, loadPlaybooks } from '../../../src/playbooks/index.js';
import { connectOnce } from '../../../src/ssh/connect.js';
import { ConnectLimiter, createSshRunner } from '../../../src/ssh/index.js';
import { DriverFrameParser, driverCommand, runRequest } from '../../../src/ssh/shell-driver.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { pgrep, REPO, until } from '../../helpers/processes.js';
import { startSshd, type SshdHandle } from '../../helpers/sshd.js';

const BUNDLE = 'mesos-java-oom-137';
const RUN = { timeoutMs: 10_000, maxBytes: 1 << 20 };

/** A login shell like many real hosts': slow to start and chatty on stdout. */
const SLOW_CHATTY_BASHRC = ['sleep 0.3', 'echo start >> "$HOME/shell-starts"', 'echo "Welcome to $(uname -n): mind the load"', ''].join('\n');

function shellStarts(sshd: SshdHandle): number {
  try {
    return readFileSync(join(sshd.dir, 'shell-starts'), 'utf8').trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function driverDirs(): string[] {
  return readdirSync('/dev/shm').filter((name) => name.startsWith('.sickbay-'));
}

/** Driver directories made since `before` that are still there. */
function leftoverDriverDirs(before: readonly string[]): string[] {
  return driverDirs().filter((name) => !before.includes(name));
}

describe('one shell session per host over a real OpenSSH sshd with a slow, chatty login shell', () => {
  let work: string;
  let sshd: SshdHandle;
  let target: SshTarget;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-session-test-'));
    const shimDir = await writeShims(join(work, 'shims'));
    const replay = await prepareReplay(join(INCIDENTS_DIR, BUNDLE), join(work, 'replay'), { durationScale: 0 });
    sshd = await startSshd({ shimDir, env: { [LAB_BUNDLE_ENV]: replay }, bashrc: SLOW_CHATTY_BASHRC });
    const knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
    target = { name: 'slow-shell', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKeyPath, knownHostsFile: knownHosts };
  });

  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('collects the whole docker-host playbook through one login shell, without its chatter in the evidence', async () => {
    // given
    const { playbooks } = await loadPlaybooks(join(REPO, 'playbooks'));
    const playbook = playbooks.get('docker-host')?.playbook;
    if (!playbook) throw new Error('docker-host playbook missing');
    const before = shellStarts(sshd);
    const dirsBefore = driverDirs();
    // when
    const runner = await createSshRunner(target);
    const bundle = await collectBundle({ runner, host: 'slow-shell', playbook, clock: systemClock });
    await runner.close();
    await until(() => leftoverDriverDirs(dirsBefore).length === 0, 'the driver to remove its tmpfs directory', 5_000);
    // then: every step ran, through ONE shell start
    expect(shellStarts(sshd) - before).toBe(1);
    expect(bundle.meta.transport).toEqual({ mode: 'shell-session' });
    expect(Object.keys(bundle.meta.steps ?? {})).toHaveLength(playbook.steps.length);
    for (const step of playbook.steps) {
      const file = join(INCIDENTS_DIR, BUNDLE, step.spec);
      // a spec the incident did not record fails on the replay host, as a missing command would
      const recorded = existsSync(file) ? readFileSync(file, 'utf8') : '';
      // (docker_log_sizes starts with the data root it found, which the recording predates; and
      // container_log_tail prints a header for each container it reads, here the one that was
      // killed minutes before, whose lines the recording does not have)
      const text = bundle.files
        .get(step.spec)
        ?.replace(/^# data-root .*\n/, '')
        .replace(/^# container [0-9a-f]{12}\n(?=# container |$)/gm, '');
      expect({ spec: step.spec, text }).toEqual({ spec: step.spec, text: recorded });
    }
  });

  it('times out a hung step while the others finish, and leaves no process or tmpfs directory on the host', async () => {
    const dirsBefore = driverDirs();
    const runner = await createSshRunner(target);
    const marker = `sleep ${randomInt(400_000, 900_000)}`;
    const [hung, quick] = await Promise.all([
      runner.run(`${marker}; echo never`, { timeoutMs: 1_000, maxBytes: 1024 }),
      runner.run('echo quick', RUN),
    ]);
    expect(hung).toMatchObject({ timedOut: true, exit: null, stdout: '' });
    expect(quick).toMatchObject({ stdout: 'quick\n', exit: 0 });
    // the driver killed the step on the client's word, long before the host-side `timeout` (2 s)
    await until(() => pgrep(marker).length === 0, `"${marker}" to be gone from the host`);
    await runner.close();
    // closing does not wait for the driver: it removes its directory as its input ends
    await until(() => leftoverDriverDirs(dirsBefore).length === 0, 'the driver to remove its tmpfs directory', 5_000);
  });

  it('kills what a silent client left running once its watchdog runs out, and removes its directory', async () => {
    // given a raw connection running the driver that sends one step and then nothing at all
    const client = await connectOnce(target, {
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 60_000,
      keepaliveCountMax: 3,
      agentSocket: undefined,
      limiter: new ConnectLimiter(),
    });
    const nonce = randomBytes(10).toString('hex');
    const marker = `sleep ${randomInt(400_000, 900_000)}`;
    // (wrapped: resolving with a bare promise would wait for it)
    const { closed } = await new Promise<{ closed: Promise<void> }>((resolve, reject) => {
      client.exec(driverCommand({ nonce, watchdogSeconds: 2 }), (err, channel) => {
        if (err) return reject(err);
        const parser = new DriverFrameParser(nonce);
        channel.on('data', (chunk: Buffer) => {
          if (parser.push(chunk).some((e) => e.kind === 'hello')) {
            channel.write(runRequest(1, 1024, false, `timeout -s KILL 60 sh -c '${marker}'`));
            resolve({ closed: new Promise<void>((done) => channel.once('close', () => done())) });
          }
        });
      });
    });
    await until(() => pgrep(marker).length > 0, 'the step to start');
    // then: the driver gives up on us, kills the step and exits, though the connection stays up
    await closed;
    expect(pgrep(marker)).toEqual([]);
    expect(readdirSync('/dev/shm').filter((n) => n === `.sickbay-${nonce}`)).toEqual([]);
    client.end();
  });
});

describe('falling back to a channel per command', () => {
  let work: string;
  const stopped: SshdHandle[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-fallback-test-'));
  });

  afterAll(async () => {
    await Promise.all(stopped.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  async function hostWith(options: Parameters<typeof startSshd>[0]): Promise<SshTarget> {
    const sshd = await startSshd(options);
    stopped.push(sshd);
    const knownHosts = join(work, `known_hosts_${sshd.port}`);
    writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
    return { name: 'odd-host', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKeyPath, knownHostsFile: knownHosts };
  }

  it('says why when the host lacks what the driver needs, and still runs every command', async () => {
    // given a host whose PATH has no mkfifo (a minimal image)
    const bin = join(work, 'bin');
    mkdirSync(bin);
    for (const tool of ['sh', 'cat', 'grep', 'head', 'timeout', 'sleep', 'wc', 'rm', 'mkdir', 'uname', 'readlink', 'printf']) {
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    }
    const target = await hostWith({ env: { PATH: bin } });
    // when
    const runner = await createSshRunner(target);
    const result = await runner.run('uname -s', RUN);
    // then
    expect(runner.transport).toEqual({ mode: 'exec-per-command', reason: 'the host has no `mkfifo` command' });
    expect(runner.parallelism).toBe(8);
    expect(result).toMatchObject({ stdout: 'Linux\n', exit: 0 });
    await runner.close();
  });

  it('says what the login shell printed when it exits before the driver starts', async () => {
    const target = await hostWith({ bashrc: 'echo "this account is locked" >&2\nexit 1\n' });
    const runner = await createSshRunner(target);
    expect(runner.transport).toEqual({
      mode: 'exec-per-command',
      reason: 'the login shell exited before the driver started: this account is locked',
    });
    await runner.close();
  });
});
