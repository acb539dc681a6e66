import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/index.js';
import { readBundle } from '../../../src/bundles/index.js';
import { staticGroupResolver, type Bundle, type CommandResult, type CommandRunner, type Finding } from '../../../src/domain/index.js';
import { findPlaybook, loadPlaybooks } from '../../../src/playbooks/index.js';
import { OfferStore, planFromPlaybook, PlaybookPlanSource, RemediationDesk, RemediationService, remediationsFor } from '../../../src/remediation/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { makeRemediationWorld, POLICY } from '../../helpers/remediation-world.js';

const INCIDENT = join(INCIDENTS_DIR, 'mesos-container-stop-timeout');

const RM = /^docker rm -f '([0-9a-f]{12,64})'$/;
const PS = /^docker ps -a --no-trunc --filter id='([0-9a-f]{12,64})' --format '\{\{json \.\}\}'$/;
const JOURNAL = /^journalctl -u docker --no-pager -n \d+ \| grep -F -e '([0-9a-f]{12,64})' \| tail -n \d+$/;

/**
 * The incident's host, replayed from its bundle: it answers the container playbook's commands as
 * docker would (`docker ps --filter id=` matches an id prefix, the journal grep keeps the lines that
 * name the container). `docker rm -f` succeeds; with `removes: false` the container stays listed,
 * as when the removal never completes. Anything else exits 127.
 */
class StuckContainerHost implements CommandRunner {
  readonly ran: string[] = [];
  private readonly removed = new Set<string>();

  constructor(
    readonly host: string,
    private readonly bundle: Bundle,
    private readonly removes: boolean,
  ) {}

  private lines(spec: 'docker_ps' | 'journal_docker', keep: (line: string) => boolean): string {
    return (this.bundle.files.get(spec) ?? '')
      .split('\n')
      .filter((line) => line !== '' && keep(line))
      .map((line) => `${line}\n`)
      .join('');
  }

  run(command: string): Promise<CommandResult> {
    this.ran.push(command);
    const answer = (stdout: string, exit = 0): Promise<CommandResult> =>
      Promise.resolve({ stdout, stderr: exit === 0 ? '' : `sh: ${command}: not found\n`, exit, timedOut: false, truncated: false, durationMs: 1 });
    let m: RegExpExecArray | null;
    if ((m = RM.exec(command))) {
      if (this.removes) this.removed.add(m[1]!);
      return answer(`${m[1]!}\n`);
    }
    if ((m = PS.exec(command))) {
      const prefix = m[1]!;
      return answer(this.lines('docker_ps', (line) => {
        const id = /"ID":"([0-9a-f]{64})"/.exec(line)?.[1] ?? '';
        return id.startsWith(prefix) && ![...this.removed].some((r) => id.startsWith(r));
      }));
    }
    if ((m = JOURNAL.exec(command))) {
      const id = m[1]!;
      return answer(this.lines('journal_docker', (line) => line.includes(id)));
    }
    return answer('', 127);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

type World = Awaited<ReturnType<typeof makeRemediationWorld>>;

describe('remove a stuck container, from the real analysis to a verified fix', () => {
  let world: World;
  let playbooksDir: string;
  let service: RemediationService;
  let bundle: Bundle;
  let stuck: Finding;

  beforeEach(async () => {
    world = await makeRemediationWorld();
    playbooksDir = await mkdtemp(join(tmpdir(), 'sickbay-playbooks-'));
    await cp('playbooks', playbooksDir, { recursive: true });
    service = new RemediationService({
      store: world.store,
      audit: world.audit,
      policy: POLICY,
      groups: staticGroupResolver({}),
      plans: new PlaybookPlanSource(playbooksDir),
      clock: world.clock,
    });
    bundle = await readBundle(INCIDENT);
    const report = analyze(bundle, { now: new Date(bundle.meta.collected_at ?? '2017-12-05T05:08:40Z') });
    const found = report.findings.find((f) => f.code === 'CONTAINER_STOP_TIMEOUT');
    if (!found) throw new Error('the analysis no longer finds the stuck container in mesos-container-stop-timeout');
    stuck = found;
  });

  afterEach(async () => {
    await world.close();
    await rm(playbooksDir, { recursive: true, force: true });
  });

  /** What the Slack button would do: the offer for the finding, rendered from the playbook on disk. */
  async function requestFix(requestedBy = 'UREQ1') {
    const offers = remediationsFor(stuck, await loadPlaybooks(playbooksDir));
    expect(offers.map((o) => [o.playbook, o.remediation.id])).toEqual([['container', 'remove_stuck_container']]);
    const offer = offers[0]!;
    const playbook = findPlaybook(await loadPlaybooks(playbooksDir), offer.playbook);
    const plan = planFromPlaybook(playbook, offer.remediation.id, { host: bundle.meta.host ?? 'h', params: offer.params, requestedBy, finding: stuck });
    const { request } = await service.request(plan);
    return { plan, id: request!.id };
  }

  it('removes the container the analysis found stuck and says "fixed" once docker ps no longer lists it', async () => {
    const { plan, id } = await requestFix();
    expect(plan.commands).toEqual([`docker rm -f '${stuck.subject!.slice(0, 12)}'`]);
    expect((await service.approve(id, 'UAPP1')).readyToRun).toBe(true);
    const host = new StuckContainerHost(plan.host, bundle, true);
    const outcome = await service.execute(id, host);
    expect(outcome.ran).toBe(true);
    expect(host.ran[0]).toBe(plan.commands[0]);
    expect(host.ran.slice(1).sort()).toEqual(plan.verify.steps.map((s) => s.command).sort());
    expect(outcome.report?.verification).toMatchObject({ status: 'fixed', remaining: [], problems: [] });
    expect(outcome.report?.verification?.bundle.files.get('docker_ps')).toBe('');
    expect(await service.get(id)).toMatchObject({ state: 'done', outcome: 'fixed' });
  });

  it('says "still present", quoting dockerd and docker ps, when the container is still listed after the fix', async () => {
    const { plan, id } = await requestFix();
    await service.approve(id, 'UAPP1');
    const outcome = await service.execute(id, new StuckContainerHost(plan.host, bundle, false));
    const verification = outcome.report?.verification;
    expect(verification?.status).toBe('still_present');
    expect(verification?.remaining.map((f) => [f.code, f.subject])).toEqual([['CONTAINER_STOP_TIMEOUT', stuck.subject]]);
    const quoted = verification?.remaining[0]?.evidence.filter((e) => e.spec === 'journal_docker').map((e) => e.text) ?? [];
    expect(quoted.some((t) => t.includes('failed to exit within 120 seconds'))).toBe(true);
    // the short id finds the line dockerd wrote with the short id only
    expect(verification?.bundle.files.get('journal_docker')).toContain('Container 8f8020e79b13 failed to exit within 10 seconds of kill');
    expect(await service.get(id)).toMatchObject({ state: 'done', outcome: 'still_present' });
  });

  it('voids the approval when the playbook is edited after the request, and runs nothing', async () => {
    const { plan, id } = await requestFix();
    const file = join(playbooksDir, 'container.yml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('- docker rm -f {{container}}', '- docker rm -f -v {{container}}'));
    const approval = await service.approve(id, 'UAPP1');
    expect(approval.decision).toMatchObject({ allowed: false, code: 'plan_changed' });
    expect(approval.request?.state).toBe('void');
    const host = new StuckContainerHost(plan.host, bundle, true);
    expect((await service.execute(id, host)).ran).toBe(false);
    expect(host.ran).toEqual([]);
  });

  it('voids an approved request whose playbook changed before it ran', async () => {
    const { plan, id } = await requestFix();
    await service.approve(id, 'UAPP1');
    const file = join(playbooksDir, 'container.yml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('steps: [docker_ps, journal_docker]', 'steps: [docker_ps]'));
    const host = new StuckContainerHost(plan.host, bundle, true);
    expect(await service.execute(id, host)).toMatchObject({ ran: false, decision: { code: 'plan_changed' } });
    expect(host.ran).toEqual([]);
  });

  it("offers the container fix under an alert's thread only when the container is the failed task's own", async () => {
    const desk = new RemediationDesk({
      offers: new OfferStore({ redis: world.redis, prefix: `${world.prefix}:offers` }),
      service,
      audit: world.audit,
      playbooks: () => loadPlaybooks(playbooksDir),
    });
    const host = bundle.meta.host ?? 'h';
    const id = stuck.subject!;
    expect((await desk.offersFor(host, stuck)).map((o) => o.commands)).toEqual([[`docker rm -f '${id.slice(0, 12)}'`]]);
    // the failed task's container, by its short or its full id: offered
    expect(await desk.offersFor(host, stuck, { containers: [id.slice(0, 12)] })).toHaveLength(1);
    expect(await desk.offersFor(host, stuck, { containers: [id] })).toHaveLength(1);
    // another container, or none found for the task: nothing to click
    expect(await desk.offersFor(host, stuck, { containers: ['0123456789ab'] })).toEqual([]);
    expect(await desk.offersFor(host, stuck, { containers: [] })).toEqual([]);
  });
});
