import { chmod, cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, FindingCode } from '../../src/domain/index.js';
import { findPlaybook, loadPlaybooks, ParamError, parseDuration, parsePlaybook, renderTemplate, type Playbook } from '../../src/playbooks/index.js';
import {
  planDigest,
  planFromPlaybook,
  PlaybookPlanSource,
  remediationIndex,
  remediationsFor,
  RemediationPlanError,
  sameSubject,
} from '../../src/remediation/index.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';
import { LocalShellRunner } from '../helpers/local-shell-runner.js';

const shipped = await loadPlaybooks('playbooks');
const HOST = 'host-a3-60-17';
const ID = '8f8020e79b13bcbf40298d3c9680cd1a838e16dc810ef3b1357eb3e75f78ef99';

function finding(code: FindingCode, extra: Partial<Finding> = {}): Finding {
  return { code, severity: 'warning', title: code, evidence: [], fixes: [], ...extra };
}

/** Every shipped remediation with the playbook that holds it. */
const everyRemediation = [...shipped.playbooks.values()].flatMap(({ playbook }) => (playbook.remediations ?? []).map((r) => [r.id, playbook] as const));

/** Params a remediation needs: a container id where its playbook takes one. */
function paramsFor(playbook: Playbook): Record<string, string> {
  return playbook.params?.container ? { container: ID } : {};
}

describe('approvers.min', () => {
  it('travels from the playbook into the plan, where the policy reads it as a floor', () => {
    const playbook = findPlaybook(shipped, 'docker-host');
    const plan = planFromPlaybook(playbook, 'recover_containerd', { host: HOST, requestedBy: 'U0REQ' });
    expect(plan.minApprovals).toBe(2);
  });
});

describe('shipped remediations', () => {
  it('every playbook with remediations loads and lints, and remediation ids are unique across playbooks', () => {
    expect(shipped.errors.map((e) => e.userMessage)).toEqual([]);
    expect(Object.fromEntries(remediationIndex(shipped))).toEqual({
      remove_stuck_container: 'container',
      restart_container: 'container',
      restart_unhealthy_container: 'container',
      truncate_container_log: 'container',
      restart_docker: 'docker-daemon-hung',
      recover_containerd: 'docker-host',
      prune_docker: 'docker-host',
    });
  });

  it.each(everyRemediation)('%s renders into a valid plan whose verify steps are the playbook steps, rendered', (id, playbook) => {
    const plan = planFromPlaybook(playbook, id, { host: HOST, params: paramsFor(playbook), requestedBy: 'UREQ1' });
    const fix = playbook.remediations?.find((r) => r.id === id);
    expect(plan).toMatchObject({ id, host: HOST, risk: fix?.risk, answers: fix?.answers, source: { playbook: playbook.name, params: paramsFor(playbook) } });
    expect(plan.commands).toHaveLength(fix?.commands.length ?? -1);
    expect(plan.verify.gone).toEqual(fix?.verify.gone);
    for (const step of plan.verify.steps) {
      const source = playbook.steps.find((s) => s.id === step.id);
      expect(step).toEqual({ id: source?.id, spec: source?.spec, command: renderTemplate(source?.command ?? '', paramsFor(playbook)), timeoutMs: parseDuration(source?.timeout ?? '') });
    }
    if (playbook.params?.container) expect(plan.verify.subject).toBe(ID);
  });

  it('renders the shipped commands exactly, the container id single-quoted', () => {
    const container = findPlaybook(shipped, 'container');
    const host = findPlaybook(shipped, 'docker-host');
    const render = (p: Playbook, id: string) => planFromPlaybook(p, id, { host: HOST, params: paramsFor(p), requestedBy: 'UREQ1' }).commands;
    expect(render(container, 'remove_stuck_container')).toEqual([`docker rm -f '${ID}'`]);
    expect(render(container, 'restart_container')).toEqual([`docker restart '${ID}'`]);
    // a restart is verified after the host had time to kill it again
    expect(planFromPlaybook(container, 'restart_container', { host: HOST, params: paramsFor(container), requestedBy: 'UREQ1' }).verify.settleMs).toBe(10_000);
    expect(planFromPlaybook(container, 'remove_stuck_container', { host: HOST, params: paramsFor(container), requestedBy: 'UREQ1' }).verify.settleMs).toBeUndefined();
    expect(render(container, 'truncate_container_log')[0]).toContain(`docker inspect --format '{{.LogPath}}' '${ID}'`);
    expect(render(host, 'prune_docker')).toEqual(['docker system prune -f']);
    expect(render(findPlaybook(shipped, 'docker-daemon-hung'), 'restart_docker')).toEqual(['if [ -d /run/systemd/system ]; then systemctl restart docker; else service docker restart; fi']);
    const recover = render(host, 'recover_containerd');
    expect(recover[0]).toBe('test -d /var/lib/docker/libcontainerd');
    expect(recover.at(-1)).toBe('if [ -d /run/systemd/system ]; then systemctl start docker; else service docker start; fi');
    expect(recover.some((c) => /^mv -T \/var\/lib\/docker\/libcontainerd \/var\/lib\/docker\/libcontainerd\.moved-\$\(date/.test(c))).toBe(true);
  });

  it('no shipped remediation deletes state it should keep: no rm -r, no volume prune, no image prune -a', () => {
    const commands = everyRemediation.flatMap(([, playbook]) => (playbook.remediations ?? []).flatMap((r) => r.commands));
    for (const command of commands) {
      expect(command).not.toMatch(/\brm\s+-[a-z]*r|--volumes|\bprune\b.*\s-a\b|volume\s+prune/);
    }
  });

  it('offers, for each code the seeds fix, the remediation that answers it', () => {
    const offered = (code: FindingCode, extra: Partial<Finding> = {}) => remediationsFor(finding(code, extra), shipped).map((o) => o.remediation.id);
    const about = { subject: ID };
    expect(offered('CONTAINER_STOP_TIMEOUT', about)).toEqual(['remove_stuck_container']);
    expect(offered('CONTAINER_OOM_KILLED', about)).toEqual(['restart_container']);
    expect(offered('CONTAINER_KILLED_137', about)).toEqual(['restart_container']);
    expect(offered('CONTAINER_LOGS_HUGE', about)).toEqual(['truncate_container_log']);
    expect(offered('CONTAINER_UNHEALTHY', about)).toEqual(['restart_unhealthy_container']);
    // a check that can never pass: the finding says a restart will not help, and no button is offered
    expect(offered('CONTAINER_UNHEALTHY', { ...about, will_not_help: ['docker restart'] })).toEqual([]);
    expect(offered('DOCKERD_UNRESPONSIVE')).toEqual(['restart_docker']);
    expect(offered('CONTAINERD_RESTORE_FAILED')).toEqual(['recover_containerd']);
    for (const code of ['DM_POOL_DATA_FULL', 'DM_POOL_DATA_HIGH', 'FS_FULL'] as const) expect(offered(code)).toEqual(['prune_docker']);
    expect(offered('HUNG_TASK')).toEqual([]);
  });

  it('takes the short container id from the finding subject, else from its data, and the plan is about that container', () => {
    const fromSubject = remediationsFor(finding('CONTAINER_STOP_TIMEOUT', { subject: ID }), shipped);
    expect(fromSubject.map((o) => o.params)).toEqual([{ container: ID.slice(0, 12) }]);
    const fromData = remediationsFor(finding('CONTAINER_LOGS_HUGE', { subject: 'album-facade', data: { container_id: ID } }), shipped);
    expect(fromData.map((o) => o.params)).toEqual([{ container: ID.slice(0, 12) }]);
    const offer = fromData[0]!;
    const plan = planFromPlaybook(findPlaybook(shipped, offer.playbook), offer.remediation.id, { host: HOST, params: offer.params, requestedBy: 'UREQ1' });
    expect(plan.verify.subject).toBe(ID.slice(0, 12));
    expect(sameSubject(ID, plan.verify.subject!)).toBe(true);
    expect(sameSubject('b'.repeat(64), plan.verify.subject!)).toBe(false);
    expect(sameSubject('/var', '/')).toBe(false);
  });

  it('says which container a fix acts on, so that an alert can keep fixes to its own task', () => {
    expect(remediationsFor(finding('CONTAINER_OOM_KILLED', { subject: ID }), shipped).map((o) => o.container)).toEqual([ID.slice(0, 12)]);
    expect(remediationsFor(finding('FS_FULL'), shipped).map((o) => o.container)).toEqual([undefined]);
  });

  it('offers no container fix when the finding names no well-formed container id', () => {
    for (const [, value] of HOSTILE_INPUTS) {
      const hostile = finding('CONTAINER_STOP_TIMEOUT', { subject: value, data: { container_id: value, id: `${ID.slice(0, 12)};id` } });
      expect(remediationsFor(hostile, shipped)).toEqual([]);
    }
  });
});

describe('planFromPlaybook refusals', () => {
  const container = findPlaybook(shipped, 'container');

  it('refuses every hostile container id before a runner is even created', () => {
    let runnersCreated = 0;
    const offerFix = (id: string, value: string) => {
      planFromPlaybook(container, id, { host: HOST, params: { container: value }, requestedBy: 'UREQ1' });
      runnersCreated += 1;
    };
    for (const id of ['remove_stuck_container', 'restart_container', 'truncate_container_log']) {
      for (const [what, value] of HOSTILE_INPUTS) expect(() => offerFix(id, value), `${id}: ${what}`).toThrow(ParamError);
    }
    expect(runnersCreated).toBe(0);
    offerFix('remove_stuck_container', ID.slice(0, 12));
    expect(runnersCreated).toBe(1);
  });

  it('refuses the param before anything else, even with a bad host or a finding it does not answer', () => {
    const options = { host: 'host-a1; reboot', params: { container: '$(id)' }, requestedBy: 'UREQ1', finding: finding('HUNG_TASK') };
    expect(() => planFromPlaybook(container, 'remove_stuck_container', options)).toThrow(ParamError);
  });

  it('refuses an unknown param, a missing container, an unknown remediation and a finding it does not answer', () => {
    const base = { host: HOST, requestedBy: 'UREQ1' };
    expect(() => planFromPlaybook(container, 'remove_stuck_container', { ...base, params: { container: ID, force: '1' } })).toThrow(/has no param "force"/);
    expect(() => planFromPlaybook(container, 'remove_stuck_container', base)).toThrow(/needs container/);
    expect(() => planFromPlaybook(container, 'rm -rf /', { ...base, params: { container: ID } })).toThrow(RemediationPlanError);
    expect(() => planFromPlaybook(container, 'rm -rf /', { ...base, params: { container: ID } })).toThrow(
      'playbook container has no remediation "rm -rf /"; it has remove_stuck_container, restart_container, restart_unhealthy_container, truncate_container_log',
    );
    const wrong = { ...base, params: { container: ID }, finding: finding('CONTAINER_OOM_KILLED', { subject: ID }) };
    expect(() => planFromPlaybook(container, 'remove_stuck_container', wrong)).toThrow(/does not answer CONTAINER_OOM_KILLED/);
  });

  it('refuses a host that fails its pattern', () => {
    expect(() => planFromPlaybook(container, 'remove_stuck_container', { host: 'host-a1; reboot', params: { container: ID }, requestedBy: 'UREQ1' })).toThrow(/plan is malformed/);
  });
});

describe('PlaybookPlanSource', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sickbay-plans-'));
    await cp('playbooks', dir, { recursive: true });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const request = async () => planFromPlaybook(findPlaybook(await loadPlaybooks(dir), 'container'), 'remove_stuck_container', { host: HOST, params: { container: ID }, requestedBy: 'UREQ1' });

  it('re-renders the same plan from an unchanged playbook, and a changed one when the playbook is edited', async () => {
    const plans = new PlaybookPlanSource(dir);
    const requested = await request();
    expect(planDigest((await plans.current(requested))!)).toBe(planDigest(requested));
    const file = join(dir, 'container.yml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('- docker rm -f {{container}}', '- docker rm -f -v {{container}}'));
    const edited = await plans.current(requested);
    expect(edited?.commands).toEqual([`docker rm -f -v '${ID}'`]);
    expect(planDigest(edited!)).not.toBe(planDigest(requested));
    await writeFile(file, original.replace('subject: container }', '}'));
    expect(planDigest((await plans.current(requested))!)).not.toBe(planDigest(requested));
    await writeFile(file, original);
  });

  it('gives no plan when the remediation, its playbook or its params are gone, or the plan names no playbook', async () => {
    const plans = new PlaybookPlanSource(dir);
    const requested = await request();
    const file = join(dir, 'container.yml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('id: remove_stuck_container', 'id: remove_container'));
    expect(await plans.current(requested)).toBeNull();
    await writeFile(file, original.replace('type: container_id', 'type: count'));
    expect(await plans.current(requested)).toBeNull();
    await writeFile(file, `${original}\n  - broken: [`);
    expect(await plans.current(requested)).toBeNull();
    await writeFile(file, original);
    expect(await plans.current({ ...requested, source: undefined })).toBeNull();
    expect(await plans.current({ ...requested, source: { playbook: 'gone', params: {} } })).toBeNull();
    expect(await plans.current(requested)).not.toBeNull();
  });
});

describe('truncate_container_log on a shell', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sickbay-truncate-'));
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'logs'));
    await mkdir(join(dir, 'root', 'containers'), { recursive: true });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Runs the rendered command with a `docker` on PATH that reports `logPath` as the container's log
   * and `root` as Docker's data root (docker info).
   */
  async function truncateWith(logPath: string, root = join(dir, 'root')) {
    await writeFile(join(dir, 'bin', 'docker'), `#!/bin/sh\ncase "$1" in info) printf '%s\\n' '${root}' ;; *) printf '%s\\n' '${logPath}' ;; esac\n`);
    await chmod(join(dir, 'bin', 'docker'), 0o755);
    const [command] = planFromPlaybook(findPlaybook(shipped, 'container'), 'truncate_container_log', { host: HOST, params: { container: ID }, requestedBy: 'UREQ1' }).commands;
    return new LocalShellRunner(HOST).run(`PATH=${dir}/bin:$PATH; ${command}`, { timeoutMs: 10_000, maxBytes: 65_536 });
  }

  it("empties the log under the data root dockerd reports, wherever it was moved, and keeps the file", async () => {
    const root = join(dir, 'big-disk', 'docker');
    const log = join(root, 'containers', ID, `${ID}-json.log`);
    await mkdir(dirname(log), { recursive: true });
    await writeFile(log, 'x'.repeat(4096));
    const result = await truncateWith(log, root);
    expect(result.exit, result.stderr).toBe(0);
    expect(await readFile(log, 'utf8')).toBe('');
    // the same log, but dockerd says its root is elsewhere: not one of its logs, left alone
    await writeFile(log, 'kept\n');
    const refused = await truncateWith(log);
    expect(refused.exit).toBe(3);
    expect(await readFile(log, 'utf8')).toBe('kept\n');
  });

  it('refuses to truncate a log path that dockerd reports outside its data root', async () => {
    const victim = join(dir, 'logs', `${ID}-json.log`);
    await writeFile(victim, 'precious\n');
    const result = await truncateWith(victim);
    expect(result.exit).toBe(3);
    expect(result.stderr).toContain(`refusing to truncate ${victim}`);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });

  it("refuses a path that climbs out of the root's containers/ with ..", async () => {
    const victim = join(dir, 'logs', 'climb-json.log');
    await writeFile(victim, 'precious\n');
    const result = await truncateWith(`${join(dir, 'root')}/containers/../../logs/climb-json.log`);
    expect(result.exit).toBe(3);
    expect(result.stderr).toContain(`refusing to truncate ${victim}`);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });
});

describe('remediation linting', () => {
  const playbook = (remediations: string) => `name: one
description: One container.
params:
  container: { type: container_id, required: true }
  note: { pattern: '^[a-z]{1,8}$' }
steps:
  - id: docker_ps
    spec: docker_ps
    command: docker ps -a --filter id={{container}}
    timeout: 5s
remediations:
${remediations}`;
  const fix = (id: string, subject: string) => `  - id: ${id}
    title: Remove it
    answers: [CONTAINER_STOP_TIMEOUT]
    commands:
      - docker rm -f {{container}}
    risk: low
    verify: { steps: [docker_ps], gone: [CONTAINER_STOP_TIMEOUT], subject: ${subject} }
`;

  it('accepts a verify subject that names a required param', () => {
    expect(parsePlaybook(playbook(fix('remove', 'container')), 'one.yml').remediations?.[0]?.verify.subject).toBe('container');
  });

  it('refuses a verify subject that is optional or undeclared, and a remediation id used twice, with file:line', () => {
    expect(() => parsePlaybook(playbook(fix('remove', 'note')), 'one.yml')).toThrow(/one\.yml:18:\d+: remediations\[0\]\.verify\.subject: "note" must name a required param/);
    expect(() => parsePlaybook(playbook(fix('remove', 'nothing')), 'one.yml')).toThrow(/"nothing" must name a required param/);
    expect(() => parsePlaybook(playbook(fix('remove', 'container') + fix('remove', 'container')), 'one.yml')).toThrow(/duplicate remediation id "remove"/);
  });

  it('refuses a remediation that names no code to verify', () => {
    const none = fix('remove', 'container').replace('gone: [CONTAINER_STOP_TIMEOUT]', 'gone: []');
    expect(() => parsePlaybook(playbook(none), 'one.yml')).toThrow(/one\.yml:18:\d+: remediations\[0\]\.verify\.gone/);
  });
});
