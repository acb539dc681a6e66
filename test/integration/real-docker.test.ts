import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, buildFacts } from '../../src/analysis/index.js';
import { memoryOf } from '../../src/analysis/facts/docker.js';
import { parseSize } from '../../src/analysis/parsers/sizes.js';
import { parseDockerInspect } from '../../src/analysis/parsers/docker-inspect.js';
import { parsePs } from '../../src/analysis/parsers/ps.js';
import { heapSizeOf, jvmVersion } from '../../src/analysis/rules/docker/jvm.js';
import { readBundle } from '../../src/bundles/index.js';
import { AnalysisReportSchema, FindingSchema, reportProblems, staticGroupResolver } from '../../src/domain/index.js';
import { findPlaybook, loadPlaybooks } from '../../src/playbooks/index.js';
import { planFromPlaybook, PlaybookPlanSource, RemediationService, remediationsFor } from '../../src/remediation/index.js';
import { createSshRunner } from '../../src/ssh/index.js';
import { ensureBuilt, REPO } from '../helpers/processes.js';
import { makeRemediationWorld, POLICY } from '../helpers/remediation-world.js';
import { BUSYBOX_IMAGE, leftovers, startRealDocker, type RealDocker } from '../helpers/real-docker.js';
import { startSshd, type SshdHandle } from '../helpers/sshd.js';
import { runDiagCli } from '../helpers/diag-cli.js';
import { conntrackOverflowUnavailable, overflowConntrack, type ConntrackOverflow } from '../helpers/conntrack-overflow.js';
import { loopVolumeLeftovers, makeLoopVolume, setXfsSyncInterval, xfsSyncInterval, type LoopVolume } from '../helpers/loop-volume.js';

/**
 * `sickbay diag` over a real OpenSSH sshd against a REAL dockerd on this machine (the lab replays
 * recorded hosts; this is the live thing): a memory-cgroup OOM kill, a restart loop, a json-file
 * log over 10 % of its filesystem and the data root's filesystem over 95 % full are made for real,
 * and a paused container (its six processes frozen by the cgroup freezer, in D state), then the
 * daemon is frozen with SIGSTOP. Two real JVMs (this machine's JDK, bind-mounted read-only) run
 * under a 256 MiB limit with no -Xmx: one as it comes (it sizes its heap from the limit), one told
 * to ignore the limit with -XX:-UseContainerSupport. Root's login shell sleeps 0.3 s, as on many real hosts.
 * With SICKBAY_REAL_DOCKER_KEEP=DIR the bundles it collected are copied there (how the
 * debian12-docker20-* incident fixtures were captured).
 */

interface JsonFinding {
  code: string;
  title: string;
  fixes: { title: string; detail?: string; commands?: string[]; container_env?: string[]; env_where?: string }[];
  evidence: { spec: string; text: string }[];
  subject?: string;
  data?: Record<string, unknown>;
  earlier?: string;
}
interface JsonReport {
  host: string;
  findings: JsonFinding[];
  root_cause: { code: string } | null;
  gaps?: { spec: string; reason: string }[];
}
interface Inspect {
  Id: string;
  RestartCount: number;
  LogPath: string;
  Path: string;
  State: { Status: string; ExitCode: number; OOMKilled: boolean; StartedAt: string; FinishedAt: string; Error?: string };
}

const SLOW_SHELL_SECONDS = 0.3;
/** The root of the pod-like cgroup parent: this run's own, removed from every hierarchy at the end. */
const POD_PARENT = `/sickbay-test-kubepods-${process.pid}`;

/** The cgroup directories the pod-like parent left in each hierarchy (dockerd removes only the container's own). */
function podParentDirs(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    found.push(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const root = join('/sys/fs/cgroup', hierarchy, POD_PARENT);
    if (existsSync(root)) walk(root);
  }
  return found;
}

function removePodParent(): void {
  // deepest first: a cgroup directory goes only once it is empty of others
  for (const dir of podParentDirs().reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // still in use: the final test's check says so
    }
  }
}
const work = mkdtempSync(join(tmpdir(), 'sickbay-real-docker-test-'));
let docker: RealDocker;
let sshd: SshdHandle;
let knownHosts: string;
/** The report of the diagnosis asked while the daemon answered: the fix test acts on its findings. */
let answering: JsonReport | undefined;
/** The volume on an image file whose filesystem fills up, made in beforeAll. */
let volume: LoopVolume | undefined;
/** The volume out of inodes, made in beforeAll. */
let spoolVolume: LoopVolume | undefined;
/** The XFS volume whose filesystem XFS shuts down, made in beforeAll. */
let xfsVolume: LoopVolume | undefined;
/** XFS's log worker interval as this machine had it, and what puts it back. */
const xfsSyncBefore = xfsSyncInterval();
let restoreXfsSync: (() => void) | undefined;
/** The overflow of the connection-tracking table made in beforeAll. */
let overflow: ConntrackOverflow | undefined;
const ids = { memhog: '', flapper: '', chatty: '', sleepers: '', jvm: '', jvmBlind: '', jvmGrow: '', jvmFullHeap: '', jvmOptsIgnored: '', jvmInit: '', heapOom: '', nodeHeap: '', nodeScript: '', exporter: '', noCommand: '', migrate: '', podWorker: '', checkRefused: '', checkMissing: '', checkSlow: '', forker: '', halfKilled: '', oomRestarted: '', cacheWriter: '', spooler: '', xfsWriter: '' };
/** This machine's java, as packages install it (/usr/lib/jvm/java-17-openjdk-amd64/bin/java); .ci/run installs one. */
const JAVA = realpathSync(execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim());
/** The major release in that path, which the rule reads: a JDK directory named by its release. */
const JAVA_MAJOR = /\/(?:java-|jdk-?)(?:1\.)?(\d+)/.exec(JAVA)?.[1];

/** The heap a JVM in the container picks, in bytes, as -XX:+PrintFlagsFinal reports it. */
function maxHeapIn(name: string, ...options: string[]): number {
  return maxHeapWith(name, [], options);
}

/** The same, with variables the JVM reads its options from set for that java (`NAME=value`). */
function maxHeapWith(name: string, env: readonly string[], options: readonly string[]): number {
  const flags = docker.docker('exec', ...env.flatMap((e) => ['-e', e]), name, JAVA, ...options, '-XX:+PrintFlagsFinal', '-version');
  const m = /\bMaxHeapSize\s+=\s+(\d+)/.exec(flags);
  if (!m?.[1]) throw new Error(`no MaxHeapSize in -XX:+PrintFlagsFinal of ${name}`);
  return Number(m[1]);
}

function inspect(name: string): Inspect {
  const [found] = JSON.parse(docker.docker('inspect', name)) as Inspect[];
  if (!found) throw new Error(`docker inspect ${name} gave nothing`);
  return found;
}

/** The state letter of /proc/PID/stat (R, S, D, T, ...), or "gone". */
function processState(pid: number): string {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? '?';
  } catch {
    return 'gone';
  }
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms; dockerd said:\n${docker.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `sickbay diag ... --json` against this suite's sshd, its bundles kept; returns the report and the wall time. */
async function diag(label: string, more: readonly string[] = []): Promise<{ report: JsonReport; ms: number; shellStarts: number }> {
  const before = sshd.shellStarts();
  const { code, stdout, stderr, ms } = await runDiagCli(sshd, knownHosts, ['--keep-bundles', join(work, `bundles-${label}`), ...more]);
  expect(code, `sickbay diag exited ${code}:\n${stderr}`).toBe(0);
  const report = JSON.parse(stdout) as JsonReport;
  const keep = process.env.SICKBAY_REAL_DOCKER_KEEP;
  if (keep) cpSync(join(work, `bundles-${label}`), join(keep, label), { recursive: true });
  const shellStarts = sshd.shellStarts() - before;
  console.log(`real-docker: sickbay diag (${label}) took ${ms} ms wall, ${shellStarts} login shell start-ups; findings:\n${report.findings.map((f) => `  ${f.code}  ${f.title}`).join('\n')}`);
  return { report, ms, shellStarts };
}

const about = (report: JsonReport, code: string, subject: string): JsonFinding | undefined => report.findings.find((f) => f.code === code && f.subject === subject);

beforeAll(async () => {
  ensureBuilt();
  docker = await startRealDocker({ sizeMiB: 256 });
  const run = (...args: string[]) => docker.docker('run', '-d', ...args).trim();

  // a memory-cgroup OOM kill: tail keeps one endless line of zeros in memory until the cgroup kills it
  ids.memhog = run('--name', 'memhog', '--memory', '32m', '--memory-swap', '32m', BUSYBOX_IMAGE, 'sh', '-c', 'cat /dev/zero | tail');
  // a restart loop: a service that cannot start, restarted for ever
  ids.flapper = run('--name', 'flapper', '--restart', 'always', BUSYBOX_IMAGE, 'sh', '-c', 'echo "flapper: cannot reach its database" >&2; exit 1');
  // a json-file log over 10 % of the data root's filesystem
  const fs = statfsSync(docker.mount);
  const fsBytes = fs.blocks * fs.bsize;
  const logBytes = Math.ceil(fsBytes * 0.12);
  ids.chatty = run('--name', 'chatty', BUSYBOX_IMAGE, 'sh', '-c', `head -c ${logBytes} /dev/zero | tr '\\0' x | fold -w 4000; exec sleep 3600`);

  // a paused container: docker pause freezes its cgroup, and its six processes sit in D state
  ids.sleepers = run('--name', 'sleepers', BUSYBOX_IMAGE, 'sh', '-c', 'for i in 1 2 3 4 5; do sleep 3600 & done; exec sleep 3600');
  // java with no -Xmx under a 256 MiB limit, the JDK and its libraries bind-mounted from this machine
  // (no registry); the program sleeps, launched from its source file
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'Idle.java'), 'public class Idle { public static void main(String[] a) throws Exception { Thread.sleep(Long.MAX_VALUE); } }\n');
  // a heap that grows a MiB at a time, on a JVM that takes a quarter of the host's memory for its limit
  writeFileSync(join(app, 'Grow.java'), 'public class Grow { public static void main(String[] a) { java.util.List<byte[]> kept = new java.util.ArrayList<>(); for (;;) kept.add(new byte[1 << 20]); } }\n');
  const jdkFiles = ['/usr', '/lib', '/lib64', ...readdirSync('/etc').filter((e) => /^java-\d+-openjdk$/.test(e)).map((e) => `/etc/${e}`)].filter(existsSync).flatMap((d) => ['-v', `${d}:${d}:ro`]);
  const limited = (name: string) => ['--name', name, '--memory', '256m', '--memory-swap', '256m', ...jdkFiles, '-v', `${app}:/app:ro`];
  const jvm = (name: string, program: string, ...options: string[]) => run(...limited(name), BUSYBOX_IMAGE, JAVA, ...options, program);
  ids.jvm = jvm('jvm', '/app/Idle.java');
  // the blind one is started as many images start java: by name, from a shell, with the JDK's bin on
  // PATH (inspect shows sh -c, ps shows a bare java)
  ids.jvmBlind = run(...limited('jvm-blind'), '-e', `PATH=${dirname(JAVA)}:/bin`, BUSYBOX_IMAGE, 'sh', '-c', 'exec java -XX:-UseContainerSupport /app/Idle.java');
  ids.jvmGrow = jvm('jvm-grow', '/app/Grow.java', '-XX:-UseContainerSupport');
  // the same heap on a JVM that reads the limit, told it may have all of it (-Xmx256m): what the JVM
  // maps beside its heap takes the container over the limit first, and the memory cgroup kills it
  // (labelled as Compose labels its services' containers: its limit lasts only in the Compose file)
  ids.jvmFullHeap = run(...limited('jvm-full-heap'), '--label', 'com.docker.compose.project=shop', '--label', 'com.docker.compose.service=reports', BUSYBOX_IMAGE, JAVA, '-Xmx256m', '/app/Grow.java');
  // java two levels below the container's first process (docker run --init, then a script that does
  // not exec it): inspect shows only the script; ps, with parents, shows the JVM and the -Xmx the
  // script gives it from a variable of the image's own (as Elasticsearch's gives ES_JAVA_OPTS)
  writeFileSync(join(app, 'start.sh'), 'java $APP_JAVA_OPTS /app/Idle.java\necho "start.sh: java exited with $?"\n');
  // (a Compose service's container: the variable lasts only in the Compose file)
  ids.jvmInit = run(...limited('jvm-init'), '--init', '-e', `PATH=${dirname(JAVA)}:/bin`, '-e', 'APP_JAVA_OPTS=-Xmx256m', '--label', 'com.docker.compose.project=shop', '--label', 'com.docker.compose.service=batch', BUSYBOX_IMAGE, 'sh', '/app/start.sh');
  // JAVA_OPTS set for a launcher that is not there: Docker runs java itself, and java never reads it
  ids.jvmOptsIgnored = run(...limited('jvm-opts-ignored'), '-e', 'JAVA_OPTS=-Xmx64m', BUSYBOX_IMAGE, JAVA, '-XX:-UseContainerSupport', '/app/Idle.java');
  // the same heap growing under -Xmx32m: the JVM throws its own OutOfMemoryError and exits 1, well
  // under the limit, and Docker starts it again and again
  ids.heapOom = run('--restart', 'on-failure', ...limited('heap-oom'), BUSYBOX_IMAGE, JAVA, '-Xmx32m', '/app/Grow.java');

  // node told a 24 MiB heap, filling it: V8 prints its GC trace and FATAL ERROR and aborts, well
  // under the limit, again and again. The node running these tests, its files bind-mounted likewise.
  const node = realpathSync(process.execPath);
  const nodeFiles = node.startsWith('/usr/') ? [] : ['-v', `${dirname(dirname(node))}:${dirname(dirname(node))}:ro`];
  const fill = 'const kept = []; for (;;) kept.push(new Array(1e5).fill(1.5));';
  ids.nodeHeap = run('--restart', 'on-failure', '--ulimit', 'core=0', ...limited('node-heap'), ...nodeFiles, BUSYBOX_IMAGE, node, '--max-old-space-size=24', '-e', fill);
  // node run by a start script (as npm start runs one), told a heap larger than the limit: the first
  // run fills it until the memory cgroup kills node, Docker starts the container again, and the
  // second run idles, so that ps shows node below the script, with the bound the script gives it
  writeFileSync(
    join(app, 'start-node.sh'),
    `if [ -e /tmp/killed-once ]; then ${node} --max-old-space-size=512 -e 'setInterval(() => {}, 1 << 30)'; else mkdir -p /tmp; touch /tmp/killed-once; ${node} --max-old-space-size=512 -e '${fill}'; fi\nexit $?\n`,
  );
  ids.nodeScript = run('--restart', 'on-failure', '--ulimit', 'core=0', ...limited('node-script'), ...nodeFiles, BUSYBOX_IMAGE, 'sh', '/app/start-node.sh');

  await waitFor('memhog to be killed', () => inspect('memhog').State.Status === 'exited');
  await waitFor('jvm-grow to be killed', () => inspect('jvm-grow').State.Status === 'exited');
  await waitFor('jvm-full-heap to be killed', () => inspect('jvm-full-heap').State.Status === 'exited');
  await waitFor('flapper to restart 3 times', () => inspect('flapper').RestartCount >= 3);
  await waitFor('heap-oom to restart 3 times', () => inspect('heap-oom').RestartCount >= 3);
  await waitFor('node-heap to restart 3 times', () => inspect('node-heap').RestartCount >= 3);
  await waitFor('node-script to run again after its kill', () => inspect('node-script').RestartCount >= 1 && docker.docker('top', 'node-script').includes('setInterval'));
  const logPath = inspect('chatty').LogPath;
  await waitFor("chatty's log to pass 12 % of its filesystem", () => existsSync(logPath) && statSync(logPath).size >= logBytes);

  for (const name of ['jvm', 'jvm-blind', 'jvm-opts-ignored', 'jvm-init']) await waitFor(`${name} to run Idle`, () => docker.docker('top', name).includes('/app/Idle.java') && inspect(name).State.Status === 'running');
  await waitFor('sleepers to start its six processes', () => docker.docker('top', 'sleepers').trim().split('\n').length >= 7);
  docker.docker('pause', 'sleepers');

  // a one-off task that fails on its own and is not started again: exit 3, its reason on stderr;
  // labelled as Compose labels the containers of its services
  ids.migrate = run('--name', 'migrate', '--label', 'com.docker.compose.project=shop', '--label', 'com.docker.compose.service=migrate', BUSYBOX_IMAGE, 'sh', '-c', 'echo "migrate: applying 0042_orders"; echo "migrate: relation \\"users\\" does not exist" >&2; exit 3');
  // a task whose command is not in its image: Docker cannot start it (exit 127, with State.Error)
  ids.noCommand = docker.docker('create', '--name', 'no-command', BUSYBOX_IMAGE, 'report-exporter', '--all').trim();
  try {
    docker.docker('start', 'no-command');
  } catch {
    // docker start says why and fails; the container stays created, with the status and the error
  }

  // a container under a parent of the kubelet's cgroupfs layout (kubepods/<qos>/pod<uid>/<id>), as
  // a --cgroup-parent puts it: its memory is read from there too
  ids.podWorker = run('--name', 'pod-worker', '--cgroup-parent', `${POD_PARENT}/burstable/pod1f3b5c7e-2d4a-4b6c-8e9f-0a1b2c3d4e5f`, '--memory', '48m', BUSYBOX_IMAGE, 'sleep', '3600');

  // three services their own HEALTHCHECK calls unhealthy, each for another reason, checked every
  // second: nothing listens where the check connects; the check runs curl, which BusyBox has not;
  // the check does not finish within its timeout
  const checked = (name: string, check: string, ...more: string[]) =>
    run('--name', name, '--health-cmd', check, '--health-interval', '1s', '--health-retries', '2', '--health-timeout', '1s', ...more, BUSYBOX_IMAGE, 'sleep', '3600');
  ids.checkRefused = checked('check-refused', 'wget -q -O- http://127.0.0.1:8080/health');
  ids.checkMissing = checked('check-missing', 'curl -fsS http://localhost/health');
  ids.checkSlow = checked('check-slow', 'sleep 5');
  // a container at its pids limit whose PID 1 reaps nothing: a shell starts short-lived children
  // until the kernel refuses it a fork (and says so), they are orphaned to PID 1, which by then is
  // sleep, and each stays defunct, holding its pid
  ids.forker = run('--name', 'forker', '--pids-limit', '12', BUSYBOX_IMAGE, 'sh', '-c', 'sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sleep 2 & done" 2>/dev/null; exec sleep 3600');
  // a service whose worker its memory cgroup kills while the container runs on: its check looks for
  // the worker, and fails from the kill on (the worker is orphaned to the init, which reaps it: a
  // defunct one would still answer pidof). The worker starts at once: killed within a second of the
  // start, which the kernel's time alone cannot place on either side of it
  ids.halfKilled = run('--name', 'half-killed', '--init', '--memory', '32m', '--memory-swap', '32m', '--health-cmd', 'pidof tail', '--health-interval', '1s', '--health-retries', '2', '--health-timeout', '1s', BUSYBOX_IMAGE, 'sh', '-c', '(cat /dev/zero | tail &); exec sleep 3600');
  // a service whose main process its memory cgroup kills once, started again by its restart policy
  // a fraction of a second later (the second run finds the mark the first left, and sleeps): the
  // kill is the last run's
  ids.oomRestarted = run('--name', 'oom-restarted', '--restart', 'on-failure', '--memory', '32m', '--memory-swap', '32m', BUSYBOX_IMAGE, 'sh', '-c', 'if [ -e /killed-once ]; then exec sleep 3600; fi; touch /killed-once; exec tail /dev/zero');
  for (const name of ['check-refused', 'check-missing', 'check-slow', 'half-killed']) {
    await waitFor(`${name} to be unhealthy`, () => docker.docker('inspect', '-f', '{{.State.Health.Status}}', name).trim() === 'unhealthy');
  }
  await waitFor('oom-restarted to run again after its kill', () => inspect('oom-restarted').RestartCount >= 1 && inspect('oom-restarted').State.Status === 'running');
  await waitFor("the memory cgroup to kill half-killed's worker", () => execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 }).includes(`task_memcg=/docker/${ids.halfKilled},task=tail`));
  await waitFor('the kernel to refuse forker a fork', () => execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 }).includes(`fork rejected by pids controller in /docker/${ids.forker}`));
  // (docker top lists the cgroup's tasks, which a defunct process has left: ps of the host shows them)
  const forkerPid = docker.docker('inspect', '-f', '{{.State.Pid}}', 'forker').trim();
  await waitFor("forker's children to be defunct", () => execFileSync('ps', ['-o', 'stat=', '--ppid', forkerPid], { encoding: 'utf8' }).split('\n').filter((s) => s.startsWith('Z')).length >= 5);

  // a volume on an image file whose filesystem fills up: the loop device's writes fail, ext4 goes
  // read-only, and the service writing there dies of it
  volume = makeLoopVolume();
  // (its data writes fail at once; ext4 gives up only when its journal cannot be written, which the
  // small files and syncs that follow bring about within a few rounds)
  ids.cacheWriter = run(
    '--name', 'cache-writer', '-v', `${volume.mount}:/cache`, BUSYBOX_IMAGE, 'sh', '-c',
    'dd if=/dev/urandom of=/cache/blob bs=1M count=20 conv=fsync 2>/dev/null; i=0; while [ $i -lt 100 ] && echo $i 2>/dev/null > /cache/part.$i; do sync; i=$((i+1)); sleep 0.1; done; echo "cache-writer: saving state"; echo saved > /cache/state',
  );
  const loopName = volume.loop.replace('/dev/', '');
  await waitFor('cache-writer to exit', () => inspect('cache-writer').State.Status === 'exited');
  await waitFor(`the kernel to make ${loopName} read-only`, () => readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.startsWith(`${volume?.loop} `) && /[ ,](?:ro|emergency_ro)[ ,]/.test(` ${l.split(' ')[3] ?? ''} `)));

  // a volume out of inodes with most of its space free: a spooler that writes small files dies of it
  spoolVolume = makeLoopVolume({ backingMiB: 32, imageMiB: 16, mkfs: ['-N', '64'] });
  ids.spooler = run('--name', 'spooler', '-v', `${spoolVolume.mount}:/spool`, BUSYBOX_IMAGE, 'sh', '-c', 'i=0; while touch /spool/batch-$i 2>/dev/null; do i=$((i+1)); done; echo "spooler: $i batches queued"; touch /spool/batch-$i');
  await waitFor('spooler to exit', () => inspect('spooler').State.Status === 'exited');

  // an XFS volume on an image file whose filesystem fills up: XFS cannot write its metadata back and
  // shuts the filesystem down (at once: no retries for ENOSPC), and the service writing there dies of
  // the I/O errors. Its log worker pushes metadata every second instead of every 30 s meanwhile.
  restoreXfsSync = setXfsSyncInterval(100);
  xfsVolume = makeLoopVolume({ fs: 'xfs', backingMiB: 100, imageMiB: 300 });
  const xfsLoop = xfsVolume.loop.replace('/dev/', '');
  const shutdownLines = () => (execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 }).match(new RegExp(`XFS \\(${xfsLoop}\\): .*Shutting down filesystem`, 'g')) ?? []).length;
  const shutdownsBefore = shutdownLines();
  ids.xfsWriter = run(
    '--name', 'xfs-writer', '-v', `${xfsVolume.mount}:/data`, BUSYBOX_IMAGE, 'sh', '-c',
    'dd if=/dev/zero of=/data/blob bs=1M count=150 2>/dev/null; i=0; while [ $i -lt 50000 ] && echo $i 2>/dev/null > /data/part.$i; do i=$((i+1)); [ $((i % 200)) -eq 0 ] && sleep 0.2; done; echo "xfs-writer: $i parts written"; echo done > /data/state',
  );
  await waitFor(`XFS to shut ${xfsLoop} down`, () => shutdownLines() > shutdownsBefore);
  await waitFor('xfs-writer to exit', () => inspect('xfs-writer').State.Status === 'exited');

  // the kernel's connection-tracking table full, for real, in a network namespace of its own
  const unavailable = conntrackOverflowUnavailable();
  if (unavailable) throw new Error(`the real-Docker suite cannot overflow the conntrack table here: ${unavailable}`);
  const conntrackLines = () => (execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 }).match(/conntrack: table full(?: in netns \d+)?, dropping packet/g) ?? []).length;
  const before = conntrackLines();
  overflow = overflowConntrack();
  await waitFor('the kernel to say the conntrack table is full', () => conntrackLines() > before);

  // the data root's filesystem over 95 % full: a filler next to Docker's data root
  const now = statfsSync(docker.mount);
  const filler = now.bavail * now.bsize - Math.floor(fsBytes * 0.02);
  execFileSync('fallocate', ['-l', String(filler), join(docker.mount, 'filler')]);

  // root's login shell: slow, and counted. Sessions talk to this daemon (DOCKER_HOST) with the docker
  // client of its own release, Debian's, as on a Debian host (this machine may have another first on PATH).
  sshd = await startSshd({ env: { DOCKER_HOST: docker.host, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, slowLoginShell: { seconds: SLOW_SHELL_SECONDS } });
  knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
  await docker?.stop();
  volume?.remove();
  spoolVolume?.remove();
  xfsVolume?.remove();
  restoreXfsSync?.();
  removePodParent();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('a real dockerd with real incidents', () => {
  it('has made each incident for real: exit 137 with OOMKilled and the kernel line, restarts, a big log, a full disk', async () => {
    const state = inspect('memhog').State;
    // exit 137; OOMKilled is true unless dockerd missed the cgroup's OOM event (it races the exit
    // event on cgroup v1 and is seen here now and then): then the kernel's line below is the proof,
    // and the diagnoses must still call it an OOM kill
    expect(state, `memhog ended ${JSON.stringify(state)}; docker logs: ${docker.docker('logs', 'memhog').slice(-500)}`).toMatchObject({ ExitCode: 137 });
    // the kernel's own word: a memory-cgroup kill in the container's cgroup (printk may lag a little)
    const kernelLine = new RegExp(`oom-kill:constraint=CONSTRAINT_MEMCG,.*task_memcg=/docker/${ids.memhog},task=tail`);
    await waitFor('the memory-cgroup OOM line in dmesg', () => kernelLine.test(execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 })));
    expect(execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 })).toMatch(/Memory cgroup out of memory: Killed process \d+ \(tail\)/);
    expect(inspect('flapper').RestartCount).toBeGreaterThanOrEqual(3);
    const fs = statfsSync(docker.mount);
    expect(statSync(inspect('chatty').LogPath).size / (fs.blocks * fs.bsize)).toBeGreaterThan(0.1);
    expect(1 - fs.bavail / fs.blocks).toBeGreaterThan(0.95);
    expect(inspect('chatty').LogPath.startsWith(`${docker.dataRoot}/containers/`)).toBe(true);
    // the JVM as it comes sizes its heap from the 256 MiB limit; told -XX:-UseContainerSupport, from the host's memory
    expect(maxHeapIn('jvm')).toBeLessThanOrEqual(256 * 2 ** 20);
    expect(maxHeapIn('jvm-blind', '-XX:-UseContainerSupport')).toBeGreaterThan(256 * 2 ** 20);
    expect(inspect('jvm').State.Status).toBe('running');
    // and the blind one whose heap grows is killed by the memory cgroup, not by its own OutOfMemoryError
    expect(inspect('jvm-grow').State).toMatchObject({ ExitCode: 137 });
    expect(docker.docker('logs', 'jvm-grow')).not.toContain('OutOfMemoryError');
    await waitFor('the kernel line of the java kill', () => new RegExp(`task_memcg=/docker/${ids.jvmGrow},task=java`).test(execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 << 20 })));
    // -Xmx256m under the 256 MiB limit: killed by the cgroup too, before its heap was full
    expect(inspect('jvm-full-heap').State).toMatchObject({ ExitCode: 137 });
    expect(docker.docker('logs', 'jvm-full-heap')).not.toContain('OutOfMemoryError');
  });

  it("sizes a JVM's heap in a 256 MiB container as HotSpot itself does, for each way of giving it", () => {
    // the options go to a second java started in the running jvm container, so it sees the same limit;
    // HotSpot rounds its heap up to its alignment, which is what the 2 % allows
    const [record] = parseDockerInspect(docker.docker('inspect', 'jvm'));
    if (!record) throw new Error('no inspect record of jvm');
    const cases: [env: string[], options: string[]][] = [
      [[], []],
      [[], ['-XX:MaxRAMPercentage=100']],
      [[], ['-XX:MaxRAMPercentage=90']],
      [[], ['-XX:MinRAMPercentage=25']],
      [[], ['-XX:MaxRAMFraction=1']],
      [[], ['-Xmx200m']],
      [[], ['-XX:MaxRAM=2g']],
      [[], ['-XX:MaxRAMPercentage=60', '-XX:MaxHeapSize=100m']],
      // which -Xmx wins: the command line over JAVA_TOOL_OPTIONS, _JAVA_OPTIONS over both, any -Xmx over a share
      [['JAVA_TOOL_OPTIONS=-Xmx192m'], ['-Xmx32m']],
      [['_JAVA_OPTIONS=-Xmx192m'], ['-Xmx32m']],
      [['JAVA_TOOL_OPTIONS=-Xmx192m'], ['-XX:MaxRAMPercentage=10']],
      // told to ignore the limit, it takes its share of the host's memory (MemTotal)
      [[], ['-XX:-UseContainerSupport']],
      [[], ['-XX:-UseContainerSupport', '-XX:MaxRAMPercentage=5']],
    ];
    const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024;
    for (const [env, options] of cases) {
      const container = { ...record, env: [...(record.env ?? []), ...env], command: [JAVA, ...options, '/app/Idle.java'].join(' ') };
      const ours = heapSizeOf(container, undefined, jvmVersion(container), 1, memTotal)?.bytes ?? 0;
      const hotspot = maxHeapWith('jvm', env, options);
      expect(Math.abs(ours - hotspot) / hotspot, `${[...env, ...options].join(' ') || 'no options'}: ours ${ours}, HotSpot ${hotspot}`).toBeLessThan(0.02);
    }
  });

  it("the ps step reads a BusyBox host's processes, with their parents, where procps is not there", async () => {
    // BusyBox's ps has no ELAPSED or WCHAN: the step falls back on what it has. Run by a container
    // of its own (its own pid namespace: busybox sh and ps, and a sleep it starts), not by exec into
    // a container whose memory a later test reads.
    const step = findPlaybook(await loadPlaybooks(join(REPO, 'playbooks')), 'docker-host').steps.find((s) => s.id === 'ps');
    // The background child is `sh` until it has exec'd sleep: wait (bounded) for ps to be able to see it.
    const sleeping = `sleep 60 & n=0; until tr '\\0' ' ' </proc/$!/cmdline | grep -q '^sleep 60' || [ $n -ge 200 ]; do n=$((n+1)); sleep 0.05; done`;
    const listed = docker.docker('run', '--rm', BUSYBOX_IMAGE, 'sh', '-c', `${sleeping}; ${step?.command ?? 'missing'}; kill $!`);
    const processes = parsePs(listed);
    // BusyBox's own header: the fallback ran
    expect(listed.split('\n')[0]?.trim().split(/\s+/)).toEqual(['PID', 'PPID', 'STAT', 'COMMAND']);
    expect(processes?.find((p) => p.pid === 1)).toMatchObject({ ppid: 0 });
    expect(processes?.find((p) => p.command === 'sleep 60'), `the step listed:\n${listed}`).toMatchObject({ ppid: 1 });
    expect(processes?.filter((p) => p.ppid === undefined)).toEqual([]);
  });

  it('sickbay diag names each incident, its container and the data root, asked of the daemon', async () => {
    const { report, shellStarts } = await diag('answering');
    answering = report;
    // every step went through one shell session: the slow login shell started once
    expect(shellStarts).toBe(1);
    const codes = report.findings.map((f) => f.code);
    expect(codes).not.toContain('DOCKERD_UNRESPONSIVE');
    expect(codes).not.toContain('DOCKERD_DOWN');

    const oom = about(report, 'CONTAINER_OOM_KILLED', ids.memhog);
    expect(oom?.title).toContain('memhog');
    expect(oom?.title).toMatch(/^tail \(pid \d+\)/);
    expect(about(report, 'CONTAINER_KILLED_137', ids.memhog)).toBeUndefined();

    // two real JVMs with no -Xmx: the one that reads the limit is left alone (its release is read from
    // the path of the java that runs), the one told to ignore it is flagged, with the flag to remove;
    // that one runs java by name, so its release comes from the JDK directory on its PATH
    expect(about(report, 'JVM_HEAP_UNBOUNDED', ids.jvm)).toBeUndefined();
    const blind = about(report, 'JVM_HEAP_UNBOUNDED', ids.jvmBlind);
    expect(blind?.title).toBe(`Container jvm-blind (${ids.jvmBlind.slice(0, 12)}) runs java with a 256 MiB memory limit and no -Xmx; -XX:-UseContainerSupport tells Java ${JAVA_MAJOR} (PATH entry ${dirname(JAVA)}) to ignore the limit`);
    expect(blind?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringMatching(/\sjava -XX:-UseContainerSupport \/app\/Idle\.java$/), expect.stringContaining(`"PATH=${dirname(JAVA)}:/bin"`)]));
    expect(blind?.fixes.map((f) => f.title)).toEqual([`Remove -XX:-UseContainerSupport: Java ${JAVA_MAJOR} then sizes its heap from the 256 MiB limit`, 'Or bound the heap: -Xmx192m for a 256 MiB limit']);
    // JAVA_OPTS=-Xmx64m on a java Docker runs itself: not on the command line ps shows, so no bound, and the fix says why
    const ignored = about(report, 'JVM_HEAP_UNBOUNDED', ids.jvmOptsIgnored);
    expect(ignored?.title).toContain('runs java with a 256 MiB memory limit and no -Xmx; -XX:-UseContainerSupport tells');
    expect(ignored?.fixes.map((f) => f.detail).join(' ')).toContain('JAVA_OPTS holds a heap option the JVM never sees');
    expect(ignored?.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/^\s*"JAVA_OPTS=-Xmx64m",?$/));
    // java below docker run --init and a script: only ps's parents show it, with the -Xmx the script
    // gives it, changed in the variable the script takes it from
    const belowInit = about(report, 'JVM_HEAP_UNBOUNDED', ids.jvmInit);
    expect(inspect('jvm-init').Path).toBe('sh');
    expect(belowInit?.title).toBe(`Container jvm-init (${ids.jvmInit.slice(0, 12)}) runs java with a 256 MiB memory limit and -Xmx256m: its heap alone may take the whole limit`);
    expect(belowInit?.evidence.filter((e) => e.spec === 'ps').map((e) => e.text)).toEqual([expect.stringMatching(/\sjava -Xmx256m \/app\/Idle\.java$/)]);
    expect(belowInit?.fixes[0]?.detail).toContain('It is set in APP_JAVA_OPTS; a later option there wins.');
    expect(belowInit?.fixes[0]?.container_env).toEqual(['APP_JAVA_OPTS=<what it holds now> -Xmx192m']);
    expect(belowInit?.fixes[0]?.env_where).toBe('the environment of Compose service batch in its file, then docker compose -p shop up -d batch');
    // node killed by the memory cgroup and run again by its start script: ps shows it below the
    // script, and the bound is changed in that script, not in a NODE_OPTIONS it outranks
    const nodeKill = about(report, 'CONTAINER_OOM_KILLED', ids.nodeScript);
    expect(nodeKill?.title).toMatch(/^node \(pid \d+\) in container node-script /);
    expect(nodeKill?.fixes[0]?.title).toBe('Cap the V8 heap below the container limit: --max-old-space-size=192 for 256.0 MiB in place of --max-old-space-size=512 on its command line');
    expect(nodeKill?.fixes[0]?.detail).toContain("A script puts it on node's command line");
    expect(nodeKill?.fixes[0]?.container_env).toBeUndefined();
    expect(nodeKill?.evidence.filter((e) => e.spec === 'ps').map((e) => e.text)).toEqual([expect.stringMatching(/\s--max-old-space-size=512 -e setInterval/)]);
    // the JVM the memory cgroup killed: the kill, with the advice of its own JVM, and the unbounded heap as its cause
    const killed = about(report, 'CONTAINER_OOM_KILLED', ids.jvmGrow);
    expect(killed?.title).toMatch(/^java \(pid \d+\) in container jvm-grow /);
    expect(killed?.fixes[0]?.title).toBe(`Remove -XX:-UseContainerSupport: Java ${JAVA_MAJOR} then sizes its heap from the 256 MiB limit`);
    expect(about(report, 'JVM_HEAP_UNBOUNDED', ids.jvmGrow)?.title).toContain(`-XX:-UseContainerSupport tells Java ${JAVA_MAJOR} (path ${JAVA})`);
    // (two JVMs' heaps, jvm-grow's and jvm-full-heap's below, are one problem with the kills they explain)
    const problems = reportProblems(AnalysisReportSchema.parse(report));
    expect(problems.find((p) => p.code === 'JVM_HEAP_UNBOUNDED')?.explains).toEqual(expect.arrayContaining(['CONTAINER_OOM_KILLED']));
    // the JVM told -Xmx256m under the 256 MiB limit: not a larger share, but a smaller heap, quoting the option
    const fullHeap = about(report, 'CONTAINER_OOM_KILLED', ids.jvmFullHeap);
    expect(fullHeap?.title).toMatch(/^java \(pid \d+\) in container jvm-full-heap /);
    expect(fullHeap?.fixes.slice(0, 2).map((f) => f.title)).toEqual(['Lower the heap below the limit: -Xmx192m in place of -Xmx256m', 'Or let the heap follow the limit: -XX:MaxRAMPercentage=75.0 in place of -Xmx256m']);
    expect(fullHeap?.fixes[0]?.detail).toMatch(/^-Xmx256m lets the heap alone grow to 256\.0 MiB, the whole 256 MiB limit\./);
    expect(fullHeap?.evidence.map((e) => e.text.trim())).toContain('"-Xmx256m",');
    // and its -Xmx as large as the limit is the cause: the heap alone may take the whole limit
    // a larger limit goes where Compose takes it from: a docker update would be undone when Compose recreates it
    const raise = fullHeap?.fixes.find((f) => f.title.includes('raise the memory limit'));
    expect(raise?.commands).toEqual(['docker compose -p shop up -d reports']);
    expect(raise?.detail).toContain('Compose recreates service reports from its file, so a docker update is undone then');
    expect(about(report, 'JVM_HEAP_UNBOUNDED', ids.jvmFullHeap)?.title).toBe(`Container jvm-full-heap (${ids.jvmFullHeap.slice(0, 12)}) runs java with a 256 MiB memory limit and -Xmx256m: its heap alone may take the whole limit`);
    expect(problems.filter((p) => p.code === 'CONTAINER_OOM_KILLED').map((p) => p.title).join('\n')).not.toMatch(/jvm-full-heap|jvm-grow/);

    // the task that failed minutes ago: the whole-host diagnosis reads its last words too
    const migrate = about(report, 'CONTAINER_EXITED', ids.migrate);
    expect(migrate?.title).toBe(`Container migrate (${ids.migrate.slice(0, 12)}) exited with 3 at ${inspect('migrate').State.FinishedAt}`);
    // (docker logs orders its stdout and stderr lines by the time Docker read them, which can put the
    // error before or after the line echoed just before it: either way the error is the one quoted first)
    expect(migrate?.fixes[0]?.detail).toMatch(/^Its last (?:error )?line \(\d{4}-[\d-]+T[\d:.]+Z\): "migrate: relation "users" does not exist"\./);
    // it is a Compose service's: Compose starts it again, once the cause is fixed
    expect(migrate?.fixes.at(-1)?.commands).toEqual(['docker compose -p shop up -d migrate']);
    // what is not a failure is left alone: the paused, the running, the OOM kill with its own code
    // (cache-writer and spooler are: a volume went read-only under one, the other's ran out of inodes)
    expect(report.findings.filter((f) => f.code === 'CONTAINER_EXITED').map((f) => f.subject).sort()).toEqual([ids.migrate, ids.noCommand, ids.cacheWriter, ids.spooler, ids.xfsWriter].sort());

    const loop = about(report, 'CONTAINER_RESTART_LOOP', ids.flapper);
    expect(loop?.title).toContain('flapper');
    // the whole-host sweep reads what each container docker lists as restarting printed last
    expect(loop?.fixes[0]?.detail).toMatch(/^Its last line \(\d{4}-\d\d-\d\dT[\d:.]+Z\): "flapper: cannot reach its database"\. /);

    const log = about(report, 'CONTAINER_LOGS_HUGE', ids.chatty);
    expect(log?.title).toContain('chatty');
    expect(log?.data?.log_path).toBe(`${docker.dataRoot}/containers/${ids.chatty}/${ids.chatty}-json.log`);

    const full = about(report, 'FS_FULL', docker.mount);
    expect(full?.title).toContain(`it holds Docker's data root ${docker.dataRoot}`);
    expect(full?.data).toMatchObject({ docker_root: docker.dataRoot, docker_root_from: 'docker-info' });

    // overlay2 on a kernel with or without device-mapper: dmsetup ran, answered at once, and no
    // thin pool is claimed (without device-mapper its error is a failed step, not a finding)
    const hostDir = join(work, 'bundles-answering', readdirSync(join(work, 'bundles-answering'))[0] ?? '');
    const bundleDir = join(hostDir, readdirSync(hostDir)[0] ?? '');
    const meta = JSON.parse(readFileSync(join(bundleDir, 'meta.json'), 'utf8')) as { steps: Record<string, { timed_out: boolean; exit: number | null }> };
    expect(meta.steps['dmsetup_status']).toMatchObject({ timed_out: false });
    expect(codes.filter((c) => c.startsWith('DM_'))).toEqual([]);

    // each running container's memory, read from its cgroup: the jvm's 256 MiB limit, and chatty's
    // working set as docker stats counts it (chatty sleeps: its figure holds between the two readings)
    expect(meta.steps['container_memory']).toMatchObject({ timed_out: false, exit: 0 });
    const memory = buildFacts(await readBundle(bundleDir)).docker;
    expect(memoryOf(memory, ids.jvm)).toMatchObject({ source: 'cgroup', cgroupVersion: 1, limitBytes: 256 * 2 ** 20 });
    // and the one under the pod-like parent, three levels down
    expect(memoryOf(memory, ids.podWorker)).toMatchObject({ source: 'cgroup', cgroupVersion: 1, limitBytes: 48 * 2 ** 20 });
    expect(memoryOf(memory, ids.chatty)?.limitBytes).toBeUndefined();
    const statsSays = parseSize(docker.docker('stats', '--no-stream', '--format', '{{.MemUsage}}', 'chatty').split('/')[0]?.trim() ?? '');
    expect(statsSays).toBeGreaterThan(0);
    expect(Math.abs((memoryOf(memory, ids.chatty)?.workingSetBytes ?? 0) - (statsSays ?? 0))).toBeLessThan((statsSays ?? 0) * 0.05 + 64 * 1024);

    // the paused container's processes: D state, told apart from I/O by their wait channel, and the
    // fix names the container to unpause
    const frozen = report.findings.find((f) => f.code === 'D_STATE_PILEUP');
    // the six frozen sleeps; whatever else this machine has in D at that instant (a shell of the
    // collection caught in a vfork, a kworker of a loop device, a thread of its init) may be listed with them
    // (a process stuck in D for good, as one waiting on a filesystem frozen for ever, is told apart: "6 frozen by the cgroup freezer (sleep ×6), 1 waiting on something else")
    expect(frozen?.title).toMatch(/^\d+ processes(?: and \d+ threads?)? in uninterruptible sleep \(D\)(?:, frozen by the cgroup freezer: sleep ×6|: 6 frozen by the cgroup freezer \(sleep ×6\))/);
    expect(Number(frozen?.data?.['d_state_processes'])).toBeGreaterThanOrEqual(6);
    expect(frozen?.data).toMatchObject({ io_class: 'freezer' });
    expect(frozen?.fixes.map((f) => f.title)).toContain('The tasks are frozen by the cgroup freezer: thaw their cgroup (paused container sleepers)');
    expect(frozen?.fixes.flatMap((f) => f.commands ?? [])).toContain(`docker unpause ${ids.sleepers.slice(0, 12)}`);
  });

  it('says why each unhealthy container fails its check, from the check\'s own output, and what to do for that cause', () => {
    const report = answering;
    expect(report, 'the diagnosis of the answering daemon ran first').toBeDefined();
    if (!report) return;
    const refused = about(report, 'CONTAINER_UNHEALTHY', ids.checkRefused);
    expect(refused?.title).toMatch(new RegExp(`^Container check-refused \\(${ids.checkRefused.slice(0, 12)}\\) is unhealthy: its health check failed \\d+ times in a row \\(connection refused on port 8080\\)$`));
    // the lines that prove it: the status, the streak, BusyBox wget's own words, and the check itself
    expect(refused?.evidence.map((e) => e.text)).toEqual(
      expect.arrayContaining([expect.stringContaining('"Status": "unhealthy"'), expect.stringMatching(/"FailingStreak": \d+/), expect.stringContaining('Connection refused'), expect.stringContaining('http://127.0.0.1:8080/health')]),
    );
    expect(refused?.fixes[0]?.title).toBe('Nothing listens where the check connects (port 8080): the service is down inside the container, or listens elsewhere');
    expect(refused?.fixes.at(-1)?.commands).toEqual([`docker restart ${ids.checkRefused.slice(0, 12)}`]);

    const missing = about(report, 'CONTAINER_UNHEALTHY', ids.checkMissing);
    expect(missing?.title).toMatch(/\(curl is not in the image\)$/);
    expect(missing?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringContaining('curl: not found')]));
    // a check that can never pass: no restart is offered for it
    expect(missing?.fixes.flatMap((f) => f.commands ?? []).filter((c) => c.startsWith('docker restart'))).toEqual([]);

    const slow = about(report, 'CONTAINER_UNHEALTHY', ids.checkSlow);
    expect(slow?.title).toMatch(/\(it timed out after 1s\)$/);
    expect(slow?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringContaining('Health check exceeded timeout (1s)')]));
    // when it happened: the failed checks' own times, seconds before collection
    const seen = (slow as JsonFinding & { seen?: { count: number; last?: { ago_seconds?: number } } }).seen;
    expect(seen?.count).toBeGreaterThanOrEqual(2);
    expect(seen?.last?.ago_seconds).toBeLessThan(600);
    // healthy and unchecked containers are not reported
    expect(report.findings.filter((f) => f.code === 'CONTAINER_UNHEALTHY').map((f) => f.subject).sort()).toEqual([ids.checkRefused, ids.checkMissing, ids.checkSlow, ids.halfKilled].sort());
    // the worker its memory cgroup killed is why the one that runs on fails its check
    expect(about(report, 'CONTAINER_OOM_KILLED', ids.halfKilled)?.title).toMatch(/^tail \(pid \d+\) in container half-killed/);
    const problem = reportProblems(AnalysisReportSchema.parse(report)).find((p) => p.code === 'CONTAINER_OOM_KILLED');
    expect(problem?.title).toContain('half-killed');
    expect(problem?.explains).toEqual(['CONTAINER_OOM_KILLED', 'CONTAINER_UNHEALTHY']);
    // killed within a second of its start, in the only run it has had: this run's kill, not history
    expect(about(report, 'CONTAINER_OOM_KILLED', ids.halfKilled)?.earlier).toBeUndefined();
    // killed, and started again by its restart policy a fraction of a second later: the last run's
    const restarted = inspect('oom-restarted').State;
    expect(Date.parse(restarted.StartedAt) - Date.parse(restarted.FinishedAt)).toBeLessThan(2000);
    expect(about(report, 'CONTAINER_OOM_KILLED', ids.oomRestarted)?.earlier).toBe(`the container was started again after it (${restarted.StartedAt}) and runs`);
  });

  it("follows a volume's I/O errors to the full filesystem under its image file, and the service that died of the read-only remount to both", () => {
    const report = answering;
    if (!report || !volume) throw new Error('the diagnosis of the answering daemon ran first');
    const loopName = volume.loop.replace('/dev/', '');
    const io = report.findings.find((f) => f.code === 'FS_IO_ERROR');
    // (this machine's kernel log may hold other runs' errors on other loop devices: they are named too)
    expect(io?.title).toContain(`${loopName} is the file ${volume.image}, on ${volume.backing} (100 % used, 0 B free)`);
    expect(io?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([`/sys/block/${loopName}/loop/backing_file:${volume.image}`, expect.stringMatching(new RegExp(`100% ${volume.backing}$`))]));
    expect(io?.fixes.map((f) => f.title)).toContain(`Free space on ${volume.backing}: ${loopName}'s file cannot grow there, so every write to ${loopName} that needs new space fails`);
    expect(io?.fixes.flatMap((f) => f.commands ?? []).filter((c) => c.startsWith('smartctl'))).toEqual([]);
    const remount = report.findings.find((f) => f.code === 'FS_READ_ONLY_REMOUNT');
    expect(remount?.title).toContain(`${loopName} on ${volume.mount}, still read-only`);
    expect(remount?.earlier).toBeUndefined();
    // the service's own last words: the write the read-only filesystem refused
    const writer = about(report, 'CONTAINER_EXITED', ids.cacheWriter);
    expect(writer?.fixes[0]?.detail).toMatch(/Read-only file system/);
    // one story: the full tmpfs under the image explains the errors, the remount and the service's end
    const problem = reportProblems(AnalysisReportSchema.parse(report)).find((p) => p.explains.includes('FS_IO_ERROR'));
    expect(problem?.code).toBe('FS_FULL');
    // (the XFS volume's tmpfs is full too, and the I/O errors are one finding: its full filesystem may lead the one problem)
    expect([volume.backing, xfsVolume?.backing].some((b) => b !== undefined && problem?.title.includes(b))).toBe(true);
    expect(report.findings.filter((f) => f.code === 'FS_FULL').map((f) => f.subject)).toContain(volume.backing);
    expect(problem?.explains).toEqual(expect.arrayContaining(['FS_FULL', 'FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT', 'CONTAINER_EXITED']));
  });

  it('finds the XFS volume that XFS shut down for want of space under its file, says it is still mounted and down, and explains the service that died of it', () => {
    const report = answering;
    if (!report || !xfsVolume) throw new Error('the diagnosis of the answering daemon ran first');
    const loopName = xfsVolume.loop.replace('/dev/', '');
    const shutdown = report.findings.find((f) => f.code === 'FS_SHUTDOWN');
    // (this machine's kernel log may hold other runs' shutdowns of other loop devices: they are named too)
    expect(shutdown?.title).toContain(`${loopName} on ${xfsVolume.mount} after its device refused a write for want of space, still mounted: every read and write there fails`);
    expect(shutdown?.earlier).toBeUndefined();
    expect(shutdown?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`XFS \\(${loopName}\\): .*Shutting down filesystem`)), expect.stringContaining(` ${xfsVolume.mount} `)]));
    const fix = shutdown?.fixes.find((f) => f.commands?.includes(`xfs_repair ${xfsVolume?.loop}`));
    expect(fix?.commands).toEqual([`umount ${xfsVolume.mount}`, `xfs_repair ${xfsVolume.loop}`, `mount ${xfsVolume.loop} ${xfsVolume.mount}`]);
    // the mount still says rw: only the kernel's log tells
    expect(readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.startsWith(`${xfsVolume?.loop} `))).toMatch(/ xfs rw,/);
    const writer = about(report, 'CONTAINER_EXITED', ids.xfsWriter);
    expect(writer?.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/can't create \/data\/state: Input\/output error$/));
    expect(writer?.data).toMatchObject({ io_error: true, refused_path: '/data/state' });
    // one story: the full tmpfs under the image, the errors, the shutdown, and the service's end
    const problem = reportProblems(AnalysisReportSchema.parse(report)).find((p) => p.explains.includes('FS_SHUTDOWN'));
    expect(problem?.code).toBe('FS_FULL');
    expect(report.findings.filter((f) => f.code === 'FS_FULL').map((f) => f.subject)).toContain(xfsVolume.backing);
    expect(problem?.explains).toEqual(expect.arrayContaining(['FS_FULL', 'FS_IO_ERROR', 'FS_SHUTDOWN', 'CONTAINER_EXITED']));
  });

  it('explains a service that died for want of inodes by the volume it writes to, though that volume has space', () => {
    const report = answering;
    if (!report || !spoolVolume) throw new Error('the diagnosis of the answering daemon ran first');
    const inodes = report.findings.find((f) => f.code === 'FS_INODES_FULL' && f.subject === spoolVolume?.mount);
    expect(inodes?.title).toContain(spoolVolume.mount);
    const spooler = about(report, 'CONTAINER_EXITED', ids.spooler);
    expect(spooler?.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/touch: \/spool\/batch-\d+: No space left on device$/));
    const problem = reportProblems(AnalysisReportSchema.parse(report)).find((p) => p.code === 'FS_INODES_FULL');
    expect(problem?.explains).toEqual(['FS_INODES_FULL', 'CONTAINER_EXITED']);
    // the write went to its volume (the path it names): not the full data root's doing, where its writable layer is
    expect(spooler?.data?.['refused_path']).toMatch(/^\/spool\/batch-\d+$/);
  });

  it('names the container the kernel refused a fork at its pids limit, its limit, and the defunct processes that fill it', () => {
    const report = answering;
    if (!report) throw new Error('the diagnosis of the answering daemon ran first');
    const forker = about(report, 'PIDS_LIMIT_REACHED', ids.forker);
    expect(forker?.title).toBe(`Container forker (${ids.forker.slice(0, 12)}) hit its pids limit of 12: the kernel refused it a new process or thread`);
    expect(forker?.evidence.map((e) => e.text)).toEqual(
      expect.arrayContaining([expect.stringContaining(`fork rejected by pids controller in /docker/${ids.forker}`), expect.stringContaining('"PidsLimit": 12'), expect.stringMatching(/\sZ\s.*\[sleep\] <defunct>$/)]),
    );
    expect(forker?.fixes[0]?.title).toMatch(/^\d+ defunct processes in it: its PID 1 does not reap/);
    expect(forker?.fixes.map((f) => f.commands?.[0])).toEqual(expect.arrayContaining([`docker update --pids-limit 24 ${ids.forker.slice(0, 12)}`]));
    expect(forker?.earlier).toBeUndefined();
  });

  it("reports the connection-tracking table that was full, when, and its maximum now with a raise sized from it", () => {
    const report = answering;
    if (!report || !overflow) throw new Error('the diagnosis of the answering daemon ran first');
    // one finding per namespace the kernel names (earlier runs on this machine may have left others);
    // a kernel that names none gives one for all
    const full = report.findings.find((f) => f.code === 'CONNTRACK_TABLE_FULL' && (f.subject === overflow?.inode || f.subject === undefined)) as
      | (JsonFinding & { seen?: { count: number; last?: { ago_seconds?: number } } })
      | undefined;
    // the table of the host's own namespace is nearly empty now: the overflow was another namespace's
    expect(full?.title).toMatch(new RegExp(`^The kernel's connection-tracking table was full and it dropped packets(?: in network namespace ${overflow.inode})? \\(\\d+ kernel reports?, rate-limited\\); now \\d+ of ${overflow.max} entries \\(\\d+ %\\) in the host's own network namespace$`));
    expect(full?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringMatching(/nf_conntrack: table full(?: in netns \d+)?, dropping packet$/), `/proc/sys/net/netfilter/nf_conntrack_max:${overflow.max}`]));
    expect(full?.seen?.last?.ago_seconds).toBeLessThan(600);
    // a kernel that names the namespace (6.x): the title names it too, and lsns is asked whose it is
    const named = /table full in netns (\d+)/.exec(full?.evidence.map((e) => e.text).join('\n') ?? '')?.[1];
    if (named) expect(full?.title).toContain(`in network namespace ${named} (`);
    if (named) expect(full?.fixes.at(-1)?.commands).toEqual([`lsns -t net -o NS,PID,COMMAND | awk 'NR == 1 || $1 == ${named}'`]);
    expect(full?.fixes[0]?.commands?.[0]).toMatch(/^sysctl -w net\.netfilter\.nf_conntrack_max=\d+$/);
    expect(reportProblems(AnalysisReportSchema.parse(report)).map((p) => p.code)).toContain('CONNTRACK_TABLE_FULL');
  });

  it('the container playbook reads what the restart loop printed last and quotes it as why it dies', async () => {
    const short = ids.flapper.slice(0, 12);
    const { report } = await diag('flapper', ['--playbook', 'container', '--param', `container=${short}`]);
    const loop = about(report, 'CONTAINER_RESTART_LOOP', ids.flapper);
    // Docker's own time, then the line the service wrote to stderr before it exited
    expect(loop?.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z flapper: cannot reach its database$/));
    expect(loop?.fixes[0]?.detail).toMatch(/^Its last line \(\d{4}-\d\d-\d\dT[\d:.]+Z\): "flapper: cannot reach its database"\. /);
  });

  it("the container playbook reads a JVM's own OutOfMemoryError and sizes its heap from the limit, not the limit from the heap", async () => {
    const { report } = await diag('heap-oom', ['--playbook', 'container', '--param', `container=${ids.heapOom.slice(0, 12)}`]);
    const loop = about(report, 'CONTAINER_RESTART_LOOP', ids.heapOom);
    expect(loop?.evidence.map((e) => e.text)).toContainEqual(expect.stringMatching(/Z Exception in thread "main" java\.lang\.OutOfMemoryError: Java heap space$/));
    // its -Xmx32m is on its command line, which outranks JAVA_TOOL_OPTIONS: it is changed there
    expect(loop?.fixes[0]?.title).toBe("Its JVM ran out of heap (java.lang.OutOfMemoryError: Java heap space): give the heap more room, within the container's 256 MiB limit: -Xmx192m in place of -Xmx32m");
    expect(loop?.fixes[0]?.container_env).toBeUndefined();
    expect(loop?.evidence.map((e) => e.text.trim())).toContain('"-Xmx32m",');
    // the JVM stopped at its own bound: no memory-cgroup kill, and the kernel's log has none for it
    expect(about(report, 'CONTAINER_OOM_KILLED', ids.heapOom)).toBeUndefined();
  });

  it("the container playbook reads node's own heap exhaustion under its native stack, and gives the heap the limit's room", async () => {
    const { report } = await diag('node-heap', ['--playbook', 'container', '--param', `container=${ids.nodeHeap.slice(0, 12)}`]);
    const loop = about(report, 'CONTAINER_RESTART_LOOP', ids.nodeHeap);
    const quoted = loop?.evidence.map((e) => e.text) ?? [];
    expect(quoted).toContainEqual(expect.stringMatching(/Z FATAL ERROR: .*Allocation failed - JavaScript heap out of memory$/));
    // V8's last full collection says how much heap it reached: about the 24 MiB it was told
    const gc = quoted.find((t) => /Mark-(?:Compact|sweep)/.test(t));
    expect(gc, quoted.join('\n')).toBeDefined();
    const reached = Number(loop?.data?.['node_heap_out_of_memory_mib']);
    expect(reached).toBeGreaterThan(8);
    expect(reached).toBeLessThanOrEqual(40);
    expect(loop?.fixes[0]?.title).toBe(
      `Its node process ran out of heap at about ${reached} MiB (${/FATAL ERROR: .*JavaScript heap out of memory/.exec(quoted.join('\n'))?.[0]}): give the heap more room, within the container's 256 MiB limit: --max-old-space-size=192 in place of --max-old-space-size=24 on its command line`,
    );
    expect(loop?.fixes[0]?.detail).toMatch(/^node stopped at the heap bound it was given \(--max-old-space-size=24\)/);
    // its bound is on its command line, which outranks NODE_OPTIONS: nothing is set there in vain
    expect(loop?.fixes[0]?.detail).toContain("It is on the container's command line, which outranks NODE_OPTIONS: change it where the container is defined.");
    expect(loop?.fixes[0]?.container_env).toBeUndefined();
    const heapLimitMiB = (nodeOptions: string, ...args: string[]) =>
      Number(execFileSync(process.execPath, [...args, '-p', 'Math.round(require("v8").getHeapStatistics().heap_size_limit / 2 ** 20)'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } }).trim());
    // as this node itself does: NODE_OPTIONS=--max-old-space-size=192 under a command line's 24 keeps the small heap
    expect(heapLimitMiB('--max-old-space-size=192', '--max-old-space-size=24')).toBeLessThan(heapLimitMiB('--max-old-space-size=192'));
    // whichever signal V8 ended it with (139 here, node 20 as pid 1), the fix says it was on purpose
    expect(loop?.fixes[0]?.detail).toMatch(/Its exit 1(?:3[234]|39) \(SIG[A-Z]+\) is V8 ending the process after that FATAL ERROR, on purpose/);
    // its last words are V8's, not the native frames printed under them
    expect(loop?.fixes.find((f) => f.title.startsWith('Read why'))?.detail).toMatch(/^Its last line \([^)]+\): "FATAL ERROR: /);
    expect(about(report, 'CONTAINER_OOM_KILLED', ids.nodeHeap)).toBeUndefined();
  });

  it('sickbay diag reports a daemon frozen with SIGSTOP as unresponsive, and still finds its data root, log and OOM kill', async () => {
    // the OOM-killed container is removed first: its kill stays in the kernel log, as history
    docker.docker('rm', 'memhog');
    docker.freeze();
    await waitFor('dockerd to be stopped', () => processState(docker.pid) === 'T', 5_000);
    let result: Awaited<ReturnType<typeof diag>>;
    // the daemon's state when the diagnosis ended: a failure below says whether it stayed stopped
    let stateAfter = '';
    try {
      result = await diag('frozen');
      stateAfter = processState(docker.pid);
    } finally {
      docker.thaw();
    }
    const { report, shellStarts } = result;
    expect(shellStarts).toBe(1);
    const hung = report.findings.find((f) => f.code === 'DOCKERD_UNRESPONSIVE');
    const seen = JSON.stringify({ stateAfter, ms: result.ms, codes: report.findings.map((f) => f.code), gaps: report.gaps });
    expect(hung?.data, seen).toMatchObject({ dockerd_pid: docker.pid, dockerd_state: 'stopped' });
    expect(report.gaps).toEqual(expect.arrayContaining([{ spec: 'docker_info', reason: 'timed out' }]));
    // no docker info: the data root comes from dockerd's command line, the log from du under it
    const full = about(report, 'FS_FULL', docker.mount);
    expect(full?.title).toContain(`it holds Docker's data root ${docker.dataRoot}`);
    expect(full?.data).toMatchObject({ docker_root: docker.dataRoot, docker_root_from: 'dockerd-cmdline' });
    expect(about(report, 'CONTAINER_LOGS_HUGE', ids.chatty)?.data?.log_path).toBe(`${docker.dataRoot}/containers/${ids.chatty}/${ids.chatty}-json.log`);
    // the containers' memory still answers: it is read from their cgroups, not asked of the daemon
    const frozenHost = join(work, 'bundles-frozen', readdirSync(join(work, 'bundles-frozen'))[0] ?? '');
    const frozenBundle = await readBundle(join(frozenHost, readdirSync(frozenHost)[0] ?? ''));
    expect(frozenBundle.meta.steps?.['container_memory']).toMatchObject({ timed_out: false, exit: 0 });
    expect(memoryOf(buildFacts(frozenBundle).docker, ids.jvm)?.limitBytes).toBe(256 * 2 ** 20);
    // the kill of a container that no longer exists is under "Earlier", and the frozen daemon is the cause
    expect(about(report, 'CONTAINER_OOM_KILLED', ids.memhog)?.earlier).toMatch(/no longer exists/);
    expect(report.root_cause?.code).toBe('DOCKERD_UNRESPONSIVE');
  });

  it("empties chatty's log for real once two other people approve, verifies it over SSH, and audits every step", async () => {
    // the daemon answers again after SIGCONT; the finding is the one the first diagnosis reported
    await waitFor('dockerd to answer again', () => processState(docker.pid) !== 'T', 5_000);
    const finding = FindingSchema.parse(answering?.findings.find((f) => f.code === 'CONTAINER_LOGS_HUGE' && f.subject === ids.chatty));
    const playbooks = await loadPlaybooks(join(REPO, 'playbooks'));
    const offers = remediationsFor(finding, playbooks);
    expect(offers.map((o) => `${o.playbook}/${o.remediation.id}`)).toEqual(['container/truncate_container_log']);
    const offer = offers[0]!;
    const world = await makeRemediationWorld();
    const runner = await createSshRunner({ name: 'real-docker', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKeyPath, knownHostsFile: knownHosts });
    try {
      const service = new RemediationService({ store: world.store, audit: world.audit, policy: POLICY, groups: staticGroupResolver({}), plans: new PlaybookPlanSource(join(REPO, 'playbooks')), clock: world.clock });
      const plan = planFromPlaybook(findPlaybook(playbooks, offer.playbook), offer.remediation.id, { host: 'real-docker', params: offer.params, requestedBy: 'UREQ1', finding });
      const { request } = await service.request(plan);
      // the one who asked cannot approve it; a high-risk fix runs once two other authorised people have
      expect((await service.approve(request!.id, 'UREQ1')).decision).toMatchObject({ allowed: false });
      expect(await service.approve(request!.id, 'UAPP1')).toMatchObject({ readyToRun: false, approvals: 1, required: 2 });
      expect((await service.approve(request!.id, 'UAPP2')).readyToRun).toBe(true);
      const logPath = inspect('chatty').LogPath;
      expect(statSync(logPath).size).toBeGreaterThan(0);
      const outcome = await service.execute(request!.id, runner);
      expect(outcome.report?.commands.map((c) => c.exit)).toEqual([0]);
      // the log is empty on disk, chatty still runs, and the verdict came from a fresh du under the data root
      expect(statSync(logPath).size).toBe(0);
      expect(inspect('chatty').State.Status).toBe('running');
      expect(outcome.report?.verification).toMatchObject({ status: 'fixed', remaining: [] });
      expect(outcome.report?.verification?.bundle.files.get('docker_log_sizes')).toContain(`# data-root ${docker.dataRoot} (from docker-info)`);
      await world.audit.close();
      const events = readFileSync(world.auditFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event: string; actor?: string; status?: string });
      expect(events.map((e) => e.event)).toEqual(['requested', 'refused', 'approved', 'approved', 'executed', 'verified']);
      expect(events.find((e) => e.event === 'verified')?.status).toBe('fixed');
    } finally {
      await runner.close();
      await world.close();
    }
  });

  it('restarts a container the memory cgroup killed, found by the container playbook, and verifies it from its state alone', async () => {
    // killed once: the first start fills its 32 MiB and is OOM-killed, a restart finds the marker and sleeps
    const id = docker.docker('run', '-d', '--name', 'oomonce', '--memory', '32m', '--memory-swap', '32m', BUSYBOX_IMAGE, 'sh', '-c', '[ -e /oomed ] || { touch /oomed; cat /dev/zero | tail; exit 137; }; exec sleep 3600').trim();
    await waitFor('oomonce to be killed', () => inspect('oomonce').State.Status === 'exited');
    // what the intake runs for a failed task: the container playbook, for this container alone
    const { report } = await diag('oomonce', ['--playbook', 'container', '--param', `container=${id.slice(0, 12)}`]);
    const finding = FindingSchema.parse(report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED' && f.subject === id));
    const playbooks = await loadPlaybooks(join(REPO, 'playbooks'));
    const offers = remediationsFor(finding, playbooks);
    expect(offers.map((o) => `${o.playbook}/${o.remediation.id}`)).toContain('container/restart_container');
    const offer = offers.find((o) => o.remediation.id === 'restart_container')!;
    const world = await makeRemediationWorld();
    const runner = await createSshRunner({ name: 'real-docker', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKeyPath, knownHostsFile: knownHosts });
    try {
      const service = new RemediationService({ store: world.store, audit: world.audit, policy: POLICY, groups: staticGroupResolver({}), plans: new PlaybookPlanSource(join(REPO, 'playbooks')), clock: world.clock });
      const plan = planFromPlaybook(findPlaybook(playbooks, offer.playbook), offer.remediation.id, { host: 'real-docker', params: offer.params, requestedBy: 'UREQ1', finding });
      expect(plan.commands).toEqual([`docker restart '${id.slice(0, 12)}'`]);
      const { request } = await service.request(plan);
      expect((await service.approve(request!.id, 'UAPP1')).readyToRun).toBe(true);
      const outcome = await service.execute(request!.id, runner);
      expect(outcome.report?.commands.map((c) => c.exit)).toEqual([0]);
      // it runs again; Docker keeps OOMKilled true from the run that was killed, so the verdict rests on
      // the new run having started after the kill
      expect(inspect('oomonce').State).toMatchObject({ Status: 'running', OOMKilled: true });
      expect(outcome.report?.verification).toMatchObject({ status: 'fixed', remaining: [] });
      const after = outcome.report?.verification?.bundle;
      const again = after ? analyze(after, { now: new Date() }).findings.find((f) => f.code === 'CONTAINER_OOM_KILLED') : undefined;
      expect(again?.earlier).toMatch(/^the container was started again after it/);
    } finally {
      await runner.close();
      await world.close();
      docker.docker('rm', '-f', 'oomonce');
    }
  });

  it('restarts an unhealthy container once another person approves, and verifies it only when its check passes again', async () => {
    // unhealthy on its first run (its check looks for a file it makes only on a later run), healthy
    // after a restart; and one whose check can never pass, for which no restart is offered
    const id = docker
      .docker('run', '-d', '--name', 'wedged', '--stop-timeout', '1', '--health-cmd', 'test -e /tmp/ready', '--health-interval', '1s', '--health-retries', '2', '--health-timeout', '1s', BUSYBOX_IMAGE, 'sh', '-c', 'if [ -e /ran-once ]; then touch /tmp/ready; else touch /ran-once; fi; exec sleep 3600')
      .trim();
    await waitFor('wedged to be unhealthy', () => docker.docker('inspect', '-f', '{{.State.Health.Status}}', 'wedged').trim() === 'unhealthy');
    const { report } = await diag('wedged', ['--playbook', 'container', '--param', `container=${id.slice(0, 12)}`]);
    const finding = FindingSchema.parse(report.findings.find((f) => f.code === 'CONTAINER_UNHEALTHY' && f.subject === id));
    expect(finding.title).toMatch(/^Container wedged \([0-9a-f]{12}\) is unhealthy: its health check failed \d+ times in a row \(exit 1\)$/);
    const playbooks = await loadPlaybooks(join(REPO, 'playbooks'));
    expect(remediationsFor(finding, playbooks).map((o) => o.remediation.id)).toEqual(['restart_unhealthy_container']);
    const missing = FindingSchema.parse(answering?.findings.find((f) => f.code === 'CONTAINER_UNHEALTHY' && f.subject === ids.checkMissing));
    expect(remediationsFor(missing, playbooks)).toEqual([]);

    const world = await makeRemediationWorld();
    const runner = await createSshRunner({ name: 'real-docker', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKeyPath, knownHostsFile: knownHosts });
    try {
      const service = new RemediationService({ store: world.store, audit: world.audit, policy: POLICY, groups: staticGroupResolver({}), plans: new PlaybookPlanSource(join(REPO, 'playbooks')), clock: world.clock });
      const plan = planFromPlaybook(findPlaybook(playbooks, 'container'), 'restart_unhealthy_container', { host: 'real-docker', params: { container: id.slice(0, 12) }, requestedBy: 'UREQ1', finding });
      expect(plan.commands).toEqual([`docker restart '${id.slice(0, 12)}'`]);
      const { request } = await service.request(plan);
      expect((await service.approve(request!.id, 'UAPP1')).readyToRun).toBe(true);
      const outcome = await service.execute(request!.id, runner);
      expect(outcome.report?.commands.map((c) => c.exit)).toEqual([0]);
      // after the 10 s settle the check has passed again: healthy, read from the container's own state
      expect(inspect('wedged').State.Status).toBe('running');
      expect(docker.docker('inspect', '-f', '{{.State.Health.Status}}', 'wedged').trim()).toBe('healthy');
      expect(outcome.report?.verification).toMatchObject({ status: 'fixed', remaining: [], problems: [] });
    } finally {
      await runner.close();
      await world.close();
      docker.docker('rm', '-f', 'wedged');
    }
  });

  it('the container playbook reads why a one-off task exited: a write the full filesystem refused, and that filesystem as its cause', async () => {
    // a one-off task that writes to its own layer, on the full filesystem: its write is refused, it
    // says so and exits 1, and Docker leaves it exited. Its partial file fills the last of the
    // filesystem, so it runs last and is removed at once
    ids.exporter = docker.docker('run', '-d', '--name', 'exporter', BUSYBOX_IMAGE, 'sh', '-c', 'echo "export: writing /report.csv"; dd if=/dev/zero of=/report.csv bs=1M count=64 || { echo "export: giving up" >&2; exit 1; }').trim();
    await waitFor('exporter to give up', () => inspect('exporter').State.Status === 'exited');
    const finishedAt = inspect('exporter').State.FinishedAt;
    let diagnosis: Awaited<ReturnType<typeof diag>>;
    try {
      diagnosis = await diag('exporter', ['--playbook', 'container', '--param', `container=${ids.exporter.slice(0, 12)}`]);
    } finally {
      docker.docker('rm', 'exporter');
    }
    const { report } = diagnosis;
    const exited = about(report, 'CONTAINER_EXITED', ids.exporter);
    expect(exited?.title).toBe(`Container exporter (${ids.exporter.slice(0, 12)}) exited with 1 at ${finishedAt}`);
    const quoted = exited?.evidence.map((e) => e.text) ?? [];
    expect(quoted).toContainEqual(expect.stringMatching(/Z dd: error writing '\/report\.csv': No space left on device$/));
    expect(quoted).toContainEqual(expect.stringMatching(/"ExitCode": 1,/));
    // its last line gives up; the error above it says why, and that is the want of space
    expect(exited?.fixes[0]?.detail).toMatch(/^Its last error line \([^)]+\): "dd: error writing '\/report\.csv': No space left on device"\. Its last line \([^)]+\): "export: giving up"\. That is a write refused for want of space/);
    expect(exited?.data).toMatchObject({ exit_code: 1, out_of_space: true });
    // the container playbook reads the filesystems now: the full one holding Docker's data root is the cause
    const problems = reportProblems(AnalysisReportSchema.parse(report));
    expect(problems.find((p) => p.code === 'FS_FULL')?.explains).toContain('CONTAINER_EXITED');
  });

  it('the container playbook says a task whose command is not in its image could not be started, in Docker\'s words', async () => {
    const { report } = await diag('no-command', ['--playbook', 'container', '--param', `container=${ids.noCommand.slice(0, 12)}`]);
    const exited = about(report, 'CONTAINER_EXITED', ids.noCommand);
    const state = inspect('no-command').State;
    expect(state).toMatchObject({ Status: 'created', ExitCode: 127 });
    expect(exited?.title).toMatch(new RegExp(`^Container no-command \\(${ids.noCommand.slice(0, 12)}\\) exited with 127 \\(command not found\\)`));
    expect(exited?.evidence.map((e) => e.text)).toContainEqual(expect.stringContaining('executable file not found'));
    expect(exited?.fixes[0]?.detail).toContain('Exit 127: its command was not found');
    expect(exited?.fixes[0]?.detail).toContain(`Docker's own error: "${state.Error ?? ''}"`);
  });

  it('takes down everything it started: no dockerd, mount, loop device, tmpfs, temp dir or network namespace is left, and the conntrack maximum and XFS log interval are back', async () => {
    await sshd.stop();
    await docker.stop();
    removePodParent();
    expect(leftovers(docker.dir)).toEqual({ loops: [], mounts: [], processes: [] });
    for (const v of [volume, spoolVolume, xfsVolume]) {
      v?.remove();
      expect(loopVolumeLeftovers(v?.dir ?? '/nonexistent')).toEqual({ mounts: [], loops: [], dir: false });
    }
    expect(podParentDirs()).toEqual([]);
    expect(existsSync(docker.dir)).toBe(false);
    // the conntrack overflow's namespace is gone, and the machine has its own maximum again
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(overflow?.namespace ?? 'sickbay-ct-');
    expect(Number(readFileSync('/proc/sys/net/netfilter/nf_conntrack_max', 'utf8'))).toBe(overflow?.max);
    restoreXfsSync?.();
    expect(xfsSyncInterval()).toBe(xfsSyncBefore);
  });
});
