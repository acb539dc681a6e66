import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { containerExitedRule } from '../../../../src/analysis/rules/docker/container-exited.js';
import { exitMeaning } from '../../../../src/analysis/rules/docker/exit-status.js';
import { bundleFromRecord, reportProblems } from '../../../../src/domain/index.js';
import { factsFrom, ID, inspectJson, run } from './rule-harness.js';

const SHORT = ID('1').slice(0, 12);

/** One exited container, as docker inspect shows it, with State.FinishedAt and (where given) State.Error. */
function exited(exitCode: number, more: { error?: string; restartCount?: number; status?: string } = {}): string {
  const c = inspectJson({ id: ID('1'), name: 'task', path: 'sh', args: ['-c', 'run-task'], running: false, exitCode, restartCount: more.restartCount ?? 0 }) as { State: Record<string, unknown> };
  c.State = { ...c.State, FinishedAt: '2025-12-31T23:00:00Z', ...(more.error ? { Error: more.error } : {}), ...(more.status ? { Status: more.status } : {}) };
  return JSON.stringify([c], null, 4);
}

describe('CONTAINER_EXITED', () => {
  it('names a failed exit with when it ended, and says what the status means', () => {
    const [f] = run(containerExitedRule, factsFrom({ docker_inspect: exited(3) }));
    expect(f?.title).toBe(`Container task (${SHORT}) exited with 3 at 2025-12-31T23:00:00Z`);
    expect(f?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringContaining('"ExitCode": 3'), expect.stringContaining('"FinishedAt": "2025-12-31T23:00:00Z"')]));
    expect(f?.fixes[0]?.detail).toBe("Exit 3 is the application's own status: its last lines say what it means.");
    expect(f?.seen?.last?.utc).toBe('2025-12-31T23:00:00Z');
  });

  it("quotes Docker's own error for a command it could not start (exit 127, created, State.Error)", () => {
    // the runc error of docker/cli#5591's example, for a command not in the image
    const error = 'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuchcommand": executable file not found in $PATH: unknown';
    const [f] = run(containerExitedRule, factsFrom({ docker_inspect: exited(127, { error, status: 'created' }) }));
    expect(f?.title).toBe(`Container task (${SHORT}) exited with 127 (command not found) at 2025-12-31T23:00:00Z`);
    expect(f?.evidence.map((e) => e.text)).toContainEqual(expect.stringContaining('executable file not found in $PATH'));
    expect(f?.fixes[0]?.detail).toMatch(/^Exit 127: its command was not found: .* Docker's own error: "failed to create task/);
  });

  it('leaves alone what is not a failure or has its own code: 0, a stop asked for, SIGKILL, a restart loop, a running container', () => {
    for (const code of [0, 130, 137, 143]) expect(run(containerExitedRule, factsFrom({ docker_inspect: exited(code) })), `exit ${code}`).toEqual([]);
    expect(run(containerExitedRule, factsFrom({ docker_inspect: exited(1, { restartCount: 5 }) }))).toEqual([]);
    const running = JSON.stringify([inspectJson({ id: ID('1'), name: 'task', path: 'sh', args: [], running: true, exitCode: 1 })]);
    expect(run(containerExitedRule, factsFrom({ docker_inspect: running }))).toEqual([]);
  });

  it('reads a docker ps row where inspect is missing: its status, and its words', () => {
    const ps = 'CONTAINER ID        IMAGE               COMMAND                  CREATED             STATUS                      PORTS               NAMES\n7da82b961e8b        postgres:9.4        "docker-entrypoint.s…"   18 seconds ago      Exited (1) 17 seconds ago                       db\n';
    const [f] = run(containerExitedRule, factsFrom({ docker_ps: ps }));
    expect(f?.title).toBe('Container db (7da82b961e8b) exited with 1 (Exited (1) 17 seconds ago)');
  });

  it('files an exit docker ps alone says is days old under Earlier, and one of minutes as current', () => {
    const ps = (status: string) =>
      `CONTAINER ID        IMAGE               COMMAND             CREATED             STATUS                        PORTS               NAMES\n7da82b961e8b        postgres:9.4        "docker-entry"      3 weeks ago         ${status.padEnd(30)}                    db\n`;
    const report = (status: string) => analyze(bundleFromRecord({ docker_ps: ps(status) }, { host: 'h', collected_at: '2026-01-01T00:00:00Z' }), { now: new Date('2026-01-01T00:00:00Z') });
    const old = report('Exited (1) 2 weeks ago').findings.find((f) => f.code === 'CONTAINER_EXITED');
    expect(old?.earlier).toBe('it ended 14 days or more before collection, as docker ps says, outside the 24 h window');
    expect(old?.data).toMatchObject({ ended_at_least_seconds_ago: 14 * 86_400 });
    expect(report('Exited (1) 17 minutes ago').findings.find((f) => f.code === 'CONTAINER_EXITED')?.earlier).toBeUndefined();
  });

  it('says what starts it again, from what its scheduler put on it, and quotes no name that is not one', () => {
    const withMeta = (env: string[], labels: Record<string, string>) => {
      const c = JSON.parse(exited(1)) as [{ Config: Record<string, unknown> }];
      c[0].Config = { ...c[0].Config, Env: env, Labels: labels };
      return run(containerExitedRule, factsFrom({ docker_inspect: JSON.stringify(c) }))[0]?.fixes.at(-1);
    };
    // Marathon's task environment (the Marathon docs' MARATHON_APP_ID), the Compose, Swarm and kubelet labels
    expect(withMeta(['MARATHON_APP_ID=/business/product-rpc'], {})).toMatchObject({ commands: ['curl -X POST "$MARATHON_URL"/v2/apps/business/product-rpc/restart'] });
    expect(withMeta([], { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'worker' })?.commands).toEqual(['docker compose -p shop up -d worker']);
    expect(withMeta([], { 'com.docker.swarm.service.name': 'web' })?.commands).toEqual(['docker service ps --no-trunc web', 'docker service logs --tail 100 web']);
    expect(withMeta([], { 'io.kubernetes.pod.name': 'api-7d9f8b6c5-x2x7q', 'io.kubernetes.pod.namespace': 'prod' })?.commands).toEqual(['kubectl -n prod describe pod api-7d9f8b6c5-x2x7q', 'kubectl -n prod logs --previous api-7d9f8b6c5-x2x7q']);
    expect(withMeta(['NOMAD_ALLOC_ID=5ab2a9f4-1d3e-4c6f-9a8b-7c6d5e4f3a2b', 'NOMAD_JOB_NAME=reports'], {})?.title).toContain('Nomad allocation 5ab2a9f4-1d3e-4c6f-9a8b-7c6d5e4f3a2b of job reports');
    // nothing runs it: docker start; a name that is not one is not a scheduler, and reaches no command
    expect(withMeta([], {})?.commands).toEqual([`docker start --attach ${SHORT}`]);
    const hostile = withMeta(['MARATHON_APP_ID=/app; reboot'], { 'com.docker.compose.project': 'a$(id)', 'com.docker.compose.service': 'w' });
    expect(hostile?.commands).toEqual([`docker start --attach ${SHORT}`]);
  });

  it('says what each status Docker gives or a signal means', () => {
    expect(exitMeaning(125)?.short).toBe('Docker could not run it');
    expect(exitMeaning(126)?.short).toBe('command cannot be run');
    expect(exitMeaning(132)).toMatchObject({ short: 'SIGILL', signal: 'SIGILL' });
    expect(exitMeaning(134)?.sentence).toBe('Exit 134 is 128 + 6: the process died of SIGABRT, it aborted itself: a failed assertion, the C library finding its heap corrupt, or a runtime giving up.');
    expect(exitMeaning(1)).toBeUndefined();
    expect(exitMeaning(200)).toBeUndefined();
  });

  it("ties a write refused for want of space to a full filesystem holding Docker's data root, and to no other", () => {
    const tail = `# container ${SHORT}\n2025-12-31T22:59:59.100000000Z dd: error writing '/report.csv': No space left on device\n2025-12-31T22:59:59.200000000Z export: giving up\n`;
    const df = (mount: string) => `Filesystem     Type 1024-blocks     Used Available Capacity Mounted on\n/dev/sdb1      ext4    10000000  9990000     10000     100% ${mount}\n`;
    const bundle = (mount: string) =>
      bundleFromRecord({ docker_inspect: exited(1), container_log_tail: tail, df: df(mount), docker_log_sizes: '# data-root /var/lib/docker (from docker-info)\n' }, { host: 'h', collected_at: '2026-01-01T00:00:00Z' });
    const onRoot = analyze(bundle('/var/lib/docker'), { now: new Date('2026-01-01T00:00:00Z') });
    const f = onRoot.findings.find((x) => x.code === 'CONTAINER_EXITED');
    expect(f?.data).toMatchObject({ exit_code: 1, out_of_space: true });
    expect(f?.fixes[0]?.detail).toContain('Its last error line (2025-12-31T22:59:59.100000000Z): "dd: error writing \'/report.csv\': No space left on device". Its last line (2025-12-31T22:59:59.200000000Z): "export: giving up". That is a write refused for want of space');
    expect(reportProblems(onRoot).find((p) => p.code === 'FS_FULL')?.explains).toContain('CONTAINER_EXITED');
    // the cleanup the full disk offers would delete the words that say why it failed: they are read first
    const reclaim = onRoot.findings.find((x) => x.code === 'FS_FULL')?.fixes.find((x) => x.title === 'Reclaim Docker space');
    expect(reclaim?.detail).toContain('Removing exited containers deletes their logs too: one of them failed (task); read why first (docker logs).');
    // a full filesystem elsewhere (a volume, a backup disk) is not claimed as its cause
    const elsewhere = analyze(bundle('/srv/backup'), { now: new Date('2026-01-01T00:00:00Z') });
    expect(reportProblems(elsewhere).find((p) => p.code === 'FS_FULL')?.explains ?? []).not.toContain('CONTAINER_EXITED');
  });
});
