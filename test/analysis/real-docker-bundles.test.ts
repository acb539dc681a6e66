import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, buildFacts } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { reportProblems } from '../../src/domain/index.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';

/**
 * Bundles captured from a real Debian 12 host with Debian's docker.io 20.10 (cgroup v1, kernel 6.x)
 * by test/integration/real-docker.test.ts: what the analysis reads from real output, exactly.
 */
const NOW = new Date('2026-12-04T17:00:00Z');
const ROOT = '/tmp/sickbay-docker-Yp7V5M/mnt/docker';
const MEMHOG = 'bb8efa844fd039b8d6be4235fb503abe6a818c073ab6e71019bcae6bf5ecf302';
const FLAPPER = 'f448235c7ef1213917ce48d64635e7bd5768ec61897c725d6847093331c04106';
const CHATTY = 'fd38ecd9413b7b7d276c5b5aac21dd44e83e6a0e857ac07584b2c8e93da9b696';

const load = async (name: string) => readBundle(join(INCIDENTS_DIR, name));

describe('debian12-docker20-moved-root-full (a live daemon)', () => {
  it("reads docker info 20.10's layout and docker inspect's exit 137, OOMKilled and restart count", async () => {
    const facts = buildFacts(await load('debian12-docker20-moved-root-full'));
    expect(facts.docker.info).toMatchObject({ serverVersion: '20.10.24+dfsg1', storageDriver: 'overlay2', dockerRootDir: ROOT });
    const byName = (name: string) => facts.docker.containers.find((c) => c.name?.replace(/^\//, '') === name);
    expect(byName('memhog')).toMatchObject({ id: MEMHOG, exitCode: 137, oomKilled: true, memoryLimitBytes: 32 * 2 ** 20 });
    expect(byName('flapper')).toMatchObject({ id: FLAPPER, exitCode: 1, restartCount: 6 });
  });

  it("reads a kernel 6.x cgroup v1 OOM report: the process, pid, usage and limit, and the container's cgroup", async () => {
    const report = analyze(await load('debian12-docker20-moved-root-full'), { now: NOW });
    const oom = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED');
    expect(oom?.title).toBe('tail (pid 3529) in container memhog bb8efa844fd0 killed by the memory cgroup at its 32.0 MiB limit');
    expect(oom?.data).toMatchObject({ container_id: MEMHOG, container_name: 'memhog', process: 'tail', pid: 3529, limit_bytes: 32 * 2 ** 20 });
    // busybox tail, not a JVM: the advice starts with where the memory went, not heap flags
    expect(oom?.fixes[0]?.title).toBe('Find what grew in the container before raising its limit');
    expect(oom?.fixes.map((f) => f.title).join(' ')).not.toContain('JVM');
    expect(report.findings.some((f) => f.code === 'CONTAINER_KILLED_137')).toBe(false);
  });

  it('names the restart loop, the huge log and the full filesystem holding the moved data root', async () => {
    const report = analyze(await load('debian12-docker20-moved-root-full'), { now: NOW });
    const of = (code: string) => report.findings.find((f) => f.code === code);
    expect(of('CONTAINER_RESTART_LOOP')?.subject).toBe(FLAPPER);
    expect(of('CONTAINER_LOGS_HUGE')?.title).toBe('Container chatty (fd38ecd9413b) json log is 29.44 MB, 12 % of /tmp/sickbay-docker-Yp7V5M/mnt');
    const full = of('FS_FULL');
    expect(full?.title).toContain(`it holds Docker's data root ${ROOT}`);
    expect(full?.evidence).toContainEqual({ spec: 'docker_info', line: 42, text: ` Docker Root Dir: ${ROOT}` });
    expect(full?.data).toMatchObject({ docker_root_from: 'docker-info' });
  });

  it('does not blame a log of 12 % for a filesystem that something else filled', async () => {
    const report = analyze(await load('debian12-docker20-moved-root-full'), { now: NOW });
    const problems = reportProblems(report);
    expect(problems.map((p) => p.code)).not.toContain('CONTAINER_LOGS_HUGE');
    // the full filesystem is a problem of its own, explained by nothing else
    expect(problems.filter((p) => p.code !== 'FS_FULL').flatMap((p) => p.explains)).not.toContain('FS_FULL');
  });
});

describe('debian12-docker20-dockerd-sigstop (the same host, dockerd stopped)', () => {
  it('reports the daemon unresponsive and stopped, with the signal that resumes it', async () => {
    const report = analyze(await load('debian12-docker20-dockerd-sigstop'), { now: NOW });
    const hung = report.findings.find((f) => f.code === 'DOCKERD_UNRESPONSIVE');
    expect(hung?.title).toBe('Docker daemon does not answer: docker info and docker ps timed out, and dockerd (pid 3395) is stopped (state Tsl in ps)');
    expect(hung?.fixes[0]?.commands).toEqual(['kill -CONT 3395']);
    expect(hung?.data).toMatchObject({ dockerd_pid: 3395, dockerd_state: 'stopped' });
    // a stopped daemon hangs for that reason alone: neither the full disk nor anything else explains it
    const problems = reportProblems(report);
    expect(problems.filter((p) => p.code !== 'DOCKERD_UNRESPONSIVE').flatMap((p) => p.explains)).not.toContain('DOCKERD_UNRESPONSIVE');
    // and it leads: nothing on the host can be run or stopped until it answers
    expect(report.root_cause?.code).toBe('DOCKERD_UNRESPONSIVE');
  });

  it("still finds the data root without the daemon, from dockerd's command line, and the log and OOM kill under it", async () => {
    const report = analyze(await load('debian12-docker20-dockerd-sigstop'), { now: NOW });
    const full = report.findings.find((f) => f.code === 'FS_FULL');
    expect(full?.data).toMatchObject({ docker_root: ROOT, docker_root_from: 'dockerd-cmdline' });
    expect(full?.evidence).toContainEqual({ spec: 'docker_log_sizes', line: 1, text: `# data-root ${ROOT} (from dockerd-cmdline)` });
    expect(report.findings.find((f) => f.code === 'CONTAINER_LOGS_HUGE')?.subject).toBe(CHATTY);
    expect(report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.subject).toBe(MEMHOG);
  });

  it('with a second daemon listed first in ps, picks the one the collection spoke to (its data root), not the first', async () => {
    const bundle = await load('debian12-docker20-dockerd-sigstop');
    const [header, ...rows] = (bundle.files.get('ps') ?? '').split('\n');
    // another daemon, running, on its own socket and data root (a CI daemon beside the system one)
    const other = ' 2001 Ssl      900 futex_do_wait                    /usr/sbin/dockerd -H unix:///run/ci-docker.sock --data-root=/srv/ci-docker --exec-root=/run/ci-docker';
    const files = new Map(bundle.files);
    files.set('ps', [header, other, ...rows].join('\n'));
    const facts = buildFacts({ meta: bundle.meta, files });
    expect(facts.docker.daemon.command?.dataRoot).toBe(ROOT);
    expect(facts.docker.daemon.others.map((c) => c.dataRoot)).toEqual(['/srv/ci-docker']);
    const report = analyze({ meta: bundle.meta, files }, { now: NOW });
    expect(report.findings.find((f) => f.code === 'DOCKERD_UNRESPONSIVE')?.data).toMatchObject({ dockerd_pid: 3395, dockerd_state: 'stopped' });
    expect(report.findings.find((f) => f.code === 'FS_FULL')?.data).toMatchObject({ docker_root: ROOT, docker_root_from: 'dockerd-cmdline' });
  });
});

describe('fixes while the daemon does not answer', () => {
  it('keeps the docker commands of a container finding, saying they wait for the daemon, and drops its cleanup', async () => {
    const report = analyze(await load('debian12-docker20-dockerd-sigstop'), { now: NOW });
    const oom = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED');
    const look = oom?.fixes.find((f) => f.title === 'Find what grew in the container before raising its limit');
    expect(look?.commands).toEqual(['docker stats --no-stream bb8efa844fd0', 'docker top bb8efa844fd0 -o pid,rss,args']);
    expect(look?.detail).toMatch(/The docker commands here need the daemon, which does not answer now: they work once it answers again\.$/);
    // the daemon's own finding is about getting it back: its fixes are left as they are
    expect(report.findings.find((f) => f.code === 'DOCKERD_UNRESPONSIVE')?.fixes[0]?.commands).toEqual(['kill -CONT 3395']);
    // a cleanup through docker cannot run: it leaves, with what to do first
    const full = report.findings.find((f) => f.code === 'FS_FULL');
    expect(full?.fixes.flatMap((f) => f.commands ?? []).filter((c) => /^docker (?:system prune|rmi? )/.test(c))).toEqual([]);
    expect(full?.will_not_help).toContain('docker system prune');
  });
});

describe('debian12-docker20-paused-container (a container paused while its processes slept)', () => {
  it('reads the D state at an interruptible sleep as the cgroup freezer, and tells to unpause that container, not to free I/O', async () => {
    const report = analyze(await load('debian12-docker20-paused-container'), { now: NOW });
    const frozen = report.findings.find((f) => f.code === 'D_STATE_PILEUP');
    expect(frozen?.title).toBe('6 processes in uninterruptible sleep (D), frozen by the cgroup freezer: sleep ×6');
    expect(frozen?.data).toMatchObject({ io_class: 'freezer', d_state_processes: 6 });
    expect(frozen?.fixes.map((f) => f.title)).toEqual(['The tasks are frozen by the cgroup freezer: thaw their cgroup (paused container sleepers)']);
    expect(frozen?.fixes[0]?.commands).toEqual(['docker unpause 514a788fcce1']);
    // not the daemon's trouble, nor an explanation for anything else
    const problems = report.problems ?? [];
    expect(problems.flatMap((p) => p.explains).filter((c) => c === 'DOCKERD_UNRESPONSIVE')).toEqual([]);
  });

  it('does not call frozen what the freezer cannot have frozen: commands caught in D beside the paused container, counted apart', async () => {
    // the same host's ps, with three commands of a collection caught in D elsewhere (as one real run
    // saw while this machine was loaded): their channels are not the interruptible sleeps of frozen tasks
    const bundle = await load('debian12-docker20-paused-container');
    const ps = bundle.files.get('ps') ?? '';
    const caught = ['wc -l', 'wc -l', 'journalctl -u docker'].map((cmd, i) => `${String(90001 + i).padStart(5)} D          1 folio_wait_bit_common            ${cmd}`);
    const files = new Map(bundle.files).set('ps', `${ps.trimEnd()}\n${caught.join('\n')}\n`);
    const frozen = analyze({ ...bundle, files }, { now: NOW }).findings.find((f) => f.code === 'D_STATE_PILEUP');
    expect(frozen?.title).toBe('9 processes in uninterruptible sleep (D): 6 frozen by the cgroup freezer (sleep ×6), 3 waiting on something else (wc ×2, journalctl)');
    expect(frozen?.data).toMatchObject({ io_class: 'freezer', d_state_processes: 9 });
  });
});

describe('debian12-docker20-sigstop-oom-container-gone (the OOM-killed container was removed, then dockerd stopped)', () => {
  it('keeps no command naming the removed container, and sends its limit to where the next one is defined', async () => {
    const report = analyze(await load('debian12-docker20-sigstop-oom-container-gone'), { now: NOW });
    const gone = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED');
    expect(gone?.earlier).toMatch(/^the container no longer exists/);
    const id = String(gone?.data?.['container_id']).slice(0, 12);
    expect(gone?.fixes.flatMap((f) => f.commands ?? []).filter((c) => c.includes(id))).toEqual([]);
    // looking into it is no longer possible; the limit it should have had is kept, for its successor
    expect(gone?.fixes.map((f) => f.title)).toEqual(['If the process really needs more, raise the memory limit: 48 MiB, half again the 32.0 MiB it used when killed (rounded up)']);
    expect(gone?.fixes[0]?.detail).toMatch(/^The container is gone: set this where it is defined \(its docker run line, Compose file or the scheduler's app definition\)/);
  });
});
