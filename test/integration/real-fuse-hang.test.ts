import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisReportSchema, reportProblems, type AnalysisReport } from '../../src/domain/index.js';
import { ensureBuilt } from '../helpers/processes.js';
import { runDiagCli } from '../helpers/diag-cli.js';
import { startSshd, type SshdHandle } from '../helpers/sshd.js';

/**
 * A REAL hung task on this machine's kernel: an sshfs mount whose sftp server is stopped (a server
 * that went away), a `stat` on it that the kernel hands to sshfs, and then kill -9, which a task
 * whose FUSE request was already read cannot obey: it stays in D state in request_wait_answer until
 * the daemon answers or the connection is aborted. With hung_task_timeout_secs lowered for the test,
 * the kernel reports it as it reports any hung task. So are six worker threads of a node process
 * (its main thread waits in epoll, as a daemon's does): ps -e lists the process in S, not the
 * threads, and the blocked_threads listing is what shows them blocked now, and piling up. `sickbay diag` collects over a real sshd; df on
 * the hung mount hangs too, unkillably, and must come back as a timed-out step. The fix the finding
 * gives (abort the mount's connection in /sys/fs/fuse/connections) is then carried out, and frees
 * the tasks for real, and a second diagnosis puts both reports under Earlier. A second sshfs mount,
 * whose daemon keeps answering, is there all along: fusectl's count of waiting requests
 * (fuse_connections) names the hung one, and only its connection is aborted. Needs sshfs, /dev/fuse
 * and root (.ci/run installs sshfs).
 */

const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
/** A TCP port that runs the sftp-server given as its argument for each connection; prints the port. */
const SFTP_RELAY = `
const { createServer } = require('node:net');
const { spawn } = require('node:child_process');
const server = createServer((socket) => {
  const sftp = spawn(process.argv[1], [], { stdio: ['pipe', 'pipe', 'ignore'] });
  socket.pipe(sftp.stdin);
  sftp.stdout.pipe(socket);
  socket.on('error', () => sftp.kill('SIGKILL'));
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
const HUNG_TASK_SYSCTL = '/proc/sys/kernel/hung_task_timeout_secs';
const HUNG_WARNINGS_SYSCTL = '/proc/sys/kernel/hung_task_warnings';
const FUSECTL = '/sys/fs/fuse/connections';

const work = mkdtempSync(join(tmpdir(), 'sickbay-fuse-hang-test-'));
const source = join(work, 'export');
const mountPoint = join(work, 'mnt');
/** A second sshfs mount whose daemon keeps answering: the report must name the hung one among them. */
const healthyPoint = join(work, 'mnt-healthy');
let sshd: SshdHandle;
let knownHosts: string;
let proxy: ChildProcess;
let sshfs: ChildProcess | undefined;
let healthySshfs: ChildProcess | undefined;
/** The sftp-server behind the mount that hangs (each sshfs connection gets its own). */
let hungServer: number | undefined;
let stuck: ChildProcess | undefined;
/** A process whose worker thread (libuv's pool, not its main thread) is blocked on the mount. */
let threaded: ChildProcess | undefined;
/** That thread: its id, which ps -e does not list, and its name. */
let blockedThread: { tid: number; name: string } | undefined;
const WORKERS_IN_D = 6;
let savedSysctls: { timeout: string; warnings: string } | undefined;
let mountedFusectl = false;
let report: AnalysisReport;

/** Every task (process or thread) of this machine in D state now. */
function tasksInD(): Set<number> {
  const tasks = new Set<number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) if (/^\d+ \(.*\) D/.test(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))) tasks.add(Number(tid));
    } catch {
      // gone meanwhile
    }
  }
  return tasks;
}
/** What this machine had stuck in D before the test began (a task waiting on a filesystem frozen for good): not the test's to judge. */
let stuckBefore = new Set<number>();
/** A hung-task finding about tasks all of which were stuck before the test began. */
const stuckAlready = (f: AnalysisReport['findings'][number]): boolean => String(f.data?.['pids']).split(',').every((p) => stuckBefore.has(Number(p)));

function state(pid: number): string {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? '?';
  } catch {
    return 'gone';
  }
}

function wchan(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The mount's line in mountinfo: `45 27 0:40 / /tmp/.../mnt rw,... - fuse.sshfs 127.0.0.1:/... rw,...`. */
function mountLine(at = mountPoint): string | undefined {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === at);
}

/** The FUSE connection of the mount: the minor number of its device (0:N). */
function connectionOf(line: string): string {
  const minor = /^\d+ \d+ \d+:(\d+) /.exec(line)?.[1];
  if (!minor) throw new Error(`no device number in ${line}`);
  return minor;
}

/** The sftp-servers the relay runs: one per sshfs connection. */
function sftpServers(): number[] {
  if (proxy?.pid === undefined) return [];
  try {
    return execFileSync('pgrep', ['-P', String(proxy.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The threads of a process other than its main one that are in D state. */
function threadsInD(pid: number): { tid: number; name: string }[] {
  try {
    return readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .filter((tid) => tid !== pid && /^\d+ \(.*\) D/.test(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')))
      .map((tid) => ({ tid, name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() }));
  } catch {
    return [];
  }
}

function fusectlMounted(): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === FUSECTL);
}

beforeAll(async () => {
  stuckBefore = tasksInD();
  ensureBuilt();
  mkdirSync(source);
  mkdirSync(mountPoint);
  mkdirSync(healthyPoint);
  writeFileSync(join(source, 'report.txt'), 'served over sftp\n');
  // sshfs speaks sftp straight to a TCP port (directport): each connection gets its own sftp-server.
  // The relay runs in a process of its own: this one reads the mount, and a synchronous read here
  // would stop the event loop that relays the answer it waits for.
  proxy = spawn(process.execPath, ['-e', SFTP_RELAY, SFTP_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proxy.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    proxy.once('exit', (code) => reject(new Error(`the sftp relay exited ${code}`)));
  });
  sshfs = spawn('sshfs', ['-f', '-o', `directport=${port}`, `127.0.0.1:${source}`, mountPoint], { stdio: 'ignore' });
  await waitFor('the sshfs mount', () => mountLine()?.includes(' - fuse.sshfs ') === true);
  expect(await readFile(join(mountPoint, 'report.txt'), 'utf8')).toBe('served over sftp\n');
  [hungServer] = sftpServers();
  healthySshfs = spawn('sshfs', ['-f', '-o', `directport=${port}`, `127.0.0.1:${source}`, healthyPoint], { stdio: 'ignore' });
  await waitFor('the second sshfs mount', () => mountLine(healthyPoint)?.includes(' - fuse.sshfs ') === true);
  expect(await readFile(join(healthyPoint, 'report.txt'), 'utf8')).toBe('served over sftp\n');

  sshd = await startSshd({ env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
}, 120_000);

afterAll(async () => {
  if (savedSysctls) {
    writeFileSync(HUNG_TASK_SYSCTL, savedSysctls.timeout);
    writeFileSync(HUNG_WARNINGS_SYSCTL, savedSysctls.warnings);
  }
  const line = mountLine();
  if (line) {
    // whatever a failed test left hanging on the mount is freed before the mount goes
    if (!fusectlMounted()) {
      execFileSync('mount', ['-t', 'fusectl', 'none', FUSECTL]);
      mountedFusectl = true;
    }
    writeFileSync(join(FUSECTL, connectionOf(line), 'abort'), '1');
    execFileSync('umount', ['-l', mountPoint]);
  }
  if (mountLine(healthyPoint)) execFileSync('umount', ['-l', healthyPoint]);
  if (mountedFusectl) execFileSync('umount', [FUSECTL]);
  for (const pid of sftpServers()) {
    for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone already
      }
    }
  }
  sshfs?.kill('SIGKILL');
  healthySshfs?.kill('SIGKILL');
  stuck?.kill('SIGKILL');
  threaded?.kill('SIGKILL');
  proxy?.kill('SIGKILL');
  await sshd?.stop();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('a real FUSE hang on this kernel', () => {
  it('makes a task that kill -9 cannot end, and the kernel reports it as hung', async () => {
    // the server of one mount goes away: its sshfs reads the next request and waits for an answer
    // that never comes; the other mount's server keeps answering
    expect(sftpServers()).toHaveLength(2);
    process.kill(hungServer as number, 'SIGSTOP');
    // fusectl, where the collection counts each connection's waiting requests (systemd mounts it)
    if (!fusectlMounted()) {
      execFileSync('mount', ['-t', 'fusectl', 'none', FUSECTL]);
      mountedFusectl = true;
    }
    const child = spawn('stat', [join(mountPoint, 'gone')], { stdio: 'ignore' });
    stuck = child;
    const pid = child.pid as number;
    await waitFor('stat to wait on sshfs', () => wchan(pid) === 'request_wait_answer');
    child.kill('SIGKILL');
    await waitFor('stat to be stuck in D state after kill -9', () => state(pid) === 'D');
    // a multi-threaded process as daemons are: its main thread waits in epoll, six workers of its
    // pool in the mount (the first lookup waits on sshfs, the others on the directory's lock behind it)
    const stats = [1, 2, 3, 4, 5, 6].map((i) => `require('node:fs').stat(${JSON.stringify(join(mountPoint, `gone-${i}`))}, () => {});`).join(' ');
    const worker = spawn(process.execPath, ['-e', `${stats} setInterval(() => {}, 1000);`], { stdio: 'ignore', env: { ...process.env, UV_THREADPOOL_SIZE: '8' } });
    threaded = worker;
    await waitFor('six worker threads of node to block on the mount', () => threadsInD(worker.pid as number).length >= WORKERS_IN_D);
    blockedThread = threadsInD(worker.pid as number)[0];
    expect(state(worker.pid as number)).not.toBe('D');

    savedSysctls = { timeout: readFileSync(HUNG_TASK_SYSCTL, 'utf8').trim(), warnings: readFileSync(HUNG_WARNINGS_SYSCTL, 'utf8').trim() };
    writeFileSync(HUNG_WARNINGS_SYSCTL, '-1');
    writeFileSync(HUNG_TASK_SYSCTL, '2');
    const reported = new RegExp(`INFO: task stat:${pid} blocked for more than \\d+ seconds`);
    const threadReported = new RegExp(`INFO: task [^\\n]*:${blockedThread?.tid} blocked for more than \\d+ seconds`);
    await waitFor('the kernel to report the hung tasks', () => {
      const log = execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 });
      return reported.test(log) && threadReported.test(log);
    });
    writeFileSync(HUNG_TASK_SYSCTL, savedSysctls.timeout);
    writeFileSync(HUNG_WARNINGS_SYSCTL, savedSysctls.warnings);
    savedSysctls = undefined;
    expect(state(pid)).toBe('D');
  });

  it('sickbay diag names the FUSE daemon as what the task waits for, and a df that hangs unkillably is a timed-out step', async () => {
    const pid = stuck?.pid as number;
    const { code, stdout, stderr, ms } = await runDiagCli(sshd, knownHosts);
    expect(code, `sickbay diag exited ${code}:\n${stderr}`).toBe(0);
    report = AnalysisReportSchema.parse(JSON.parse(stdout));
    console.log(`real-fuse-hang: sickbay diag took ${ms} ms wall; findings:\n${report.findings.map((f) => `  ${f.code}  ${f.title}`).join('\n')}`);

    // The kernel's log of this machine may hold hung stats of earlier runs, long over: the listing of
    // threads in D tells them from the one made here, which alone is current and shown blocked now.
    const hung = report.findings.find((f) => f.code === 'HUNG_TASK' && f.subject === 'stat' && f.earlier === undefined);
    expect(hung?.data).toMatchObject({ io_class: 'fuse', pids: String(pid), blocked_now: true });
    expect(hung?.evidence.find((e) => e.spec === 'blocked_threads')?.text).toMatch(new RegExp(`^\\s*${pid}\\s+${pid}\\s+D\\S*\\s+request_wait_answer\\s+stat$`));
    // the worker thread: ps -e lists its process (in S), not the thread; the listing of threads has it in D
    const workerPid = threaded?.pid as number;
    const thread = report.findings.find((f) => f.code === 'HUNG_TASK' && String(f.data?.['pids']).split(',').includes(String(blockedThread?.tid)));
    expect(thread?.earlier).toBeUndefined();
    expect(thread?.subject).toBe(blockedThread?.name);
    expect(thread?.title).toMatch(new RegExp(`^${blockedThread?.name} \\(threads? [^)]*${blockedThread?.tid}[^)]* of pid ${workerPid}\\) blocked .*; still in D state$`));
    expect(thread?.evidence.find((e) => e.spec === 'blocked_threads')?.text).toMatch(new RegExp(`^\\s*${workerPid}\\s+${blockedThread?.tid}\\s+D`));
    // the six workers are a pile-up that ps -e alone would not show: their process is in S
    const pileup = report.findings.find((f) => f.code === 'D_STATE_PILEUP');
    expect(Number(pileup?.data?.['d_state_threads'])).toBeGreaterThanOrEqual(WORKERS_IN_D);
    expect(pileup?.title).toMatch(new RegExp(`^(?:\\d+ process(?:es)? and )?\\d+ threads in uninterruptible sleep \\(D\\), .*: (?:.*, )?${blockedThread?.name} ×\\d+`));
    for (const other of report.findings.filter((f) => f.code === 'HUNG_TASK' && f !== hung && f !== thread && !stuckAlready(f))) {
      expect(other.earlier, `${other.title} is not current`).toBe('no longer blocked: none of its threads is in D state now');
      // the mount made here is not the one those waited on
      expect(other.title).not.toContain(mountPoint);
    }
    // two sshfs mounts, one whose daemon does not answer: fusectl's count of waiting requests names it
    const ours = `${mountPoint} (sshfs 127.0.0.1:${source})`;
    const healthy = `${healthyPoint} (sshfs 127.0.0.1:${source})`;
    expect(hung?.title).toMatch(new RegExp(`^stat \\(pid [^)]+\\) blocked for more than \\d+ s in request_wait_answer < __fuse_simple_request < \\w+, waiting on `));
    expect(hung?.title).toContain(`waiting on the daemon of FUSE mount ${ours}`);
    expect(hung?.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(new RegExp(`^/sys/fs/fuse/connections/${connectionOf(mountLine() as string)}/waiting:[1-9]\\d*$`)));
    expect(JSON.stringify(hung?.fixes)).not.toContain(healthy);
    expect(hung?.title).toMatch(/; still in D state$/);
    expect(hung?.fixes[0]?.title).toMatch(/^Find the FUSE mount and its daemon \((?:one of )?.*\): the program that serves it took a request and does not answer$/);
    expect(hung?.fixes[0]?.title).toContain(ours);
    expect(hung?.fixes[1]?.title).toBe("Abort the mount's FUSE connection: the blocked tasks get an error and can exit; then unmount it and mount it again");
    // a problem of its own, whatever else this host (no Docker daemon here) shows
    // (the hung tasks explain the pile-up of tasks in D, and the load where a busy machine's load
    // average, which counts tasks in D, is over the line: nothing else)
    const hungProblems = reportProblems(report).filter((p) => p.code === 'HUNG_TASK');
    expect(hungProblems.length).toBeGreaterThan(0);
    for (const p of hungProblems) expect(p.explains.filter((c) => c !== 'HUNG_TASK' && c !== 'D_STATE_PILEUP' && c !== 'LOAD_EXTREME')).toEqual([]);
    expect(hungProblems.flatMap((p) => p.explains)).toContain('D_STATE_PILEUP');
    // df stats every mount and hangs on this one where kill -9 cannot reach it: the step timed out
    // and the diagnosis went on
    expect(report.gaps?.find((g) => g.spec === 'df')?.reason).toMatch(/timed out/);
  });

  it('the fix it gives frees the task for real: the connection is aborted and stat exits', async () => {
    const pid = stuck?.pid as number;
    const line = mountLine();
    expect(line).toBeDefined();
    const fixes = report.findings.find((f) => f.code === 'HUNG_TASK' && f.subject === 'stat' && f.earlier === undefined)?.fixes ?? [];
    const abort = fixes[1]?.commands ?? [];
    // the connection's number computed from the device in mountinfo is the one the kernel named it:
    // the fix's own commands for this mount are run as given, nothing filled in. A finding gives each
    // command once, so mounting fusectl is in the first fix (finding the mount) and not repeated.
    const mountFusectl = 'mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections';
    expect(fixes[0]?.commands).toContain(mountFusectl);
    const ours = [`echo 1 > ${FUSECTL}/${connectionOf(line as string)}/abort`, `umount -l ${mountPoint}`];
    expect(abort).toEqual(ours);
    expect(abort.join('\n')).not.toMatch(/<N>|<mount>/);
    mountedFusectl ||= !fusectlMounted();
    for (const command of [mountFusectl, ...ours]) execFileSync('sh', ['-c', command]);
    await waitFor('stat to exit once the connection is aborted', () => ['gone', 'Z'].includes(state(pid)), 10_000);
    await waitFor("the node worker's stat to fail once the connection is aborted", () => threadsInD(threaded?.pid as number).length === 0, 10_000);
    expect(mountLine()).toBeUndefined();
    // only the hung mount's connection was aborted: the other one still serves its files
    expect(await readFile(join(healthyPoint, 'report.txt'), 'utf8')).toBe('served over sftp\n');

    // diagnosed again, the same kernel report is history: the task is no longer blocked
    const again = await runDiagCli(sshd, knownHosts);
    expect(again.code, again.stderr).toBe(0);
    const after = AnalysisReportSchema.parse(JSON.parse(again.stdout));
    for (const task of [pid, blockedThread?.tid]) {
      const freed = after.findings.filter((f) => f.code === 'HUNG_TASK' && String(f.data?.['pids']).split(',').includes(String(task)));
      expect(freed.map((f) => f.earlier)).toEqual(['no longer blocked: none of its threads is in D state now']);
    }
    // (a task this machine had stuck before the test began may still be: not the test's)
    expect(after.findings.filter((f) => f.code === 'HUNG_TASK' && f.earlier === undefined && !stuckAlready(f)).map((f) => f.title)).toEqual([]);
    if (!after.findings.some((f) => f.code === 'HUNG_TASK' && f.earlier === undefined)) expect(reportProblems(after).map((p) => p.code)).not.toContain('HUNG_TASK');
    expect(after.findings.map((f) => f.code)).not.toContain('D_STATE_PILEUP');
  });
});
