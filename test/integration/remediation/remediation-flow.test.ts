import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicyConfig, readAuditFile, readAuditStream, type AuditEvent, type ExecutionProgress } from '../../../src/remediation/index.js';
import { blocks } from '../../../src/slack/index.js';
import { LocalShellRunner } from '../../helpers/local-shell-runner.js';
import { CONTAINER, HOST, makeRemediationWorld, stuckContainerAnalyzer, stuckContainerPlan } from '../../helpers/remediation-world.js';

type World = Awaited<ReturnType<typeof makeRemediationWorld>>;

async function runs(world: World): Promise<number> {
  const text = await readFile(join(world.lab.dir, 'runs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).length;
}

/** The audit as both the stream and the file hold it: they must agree, event for event. */
async function auditTrail(world: World): Promise<AuditEvent[]> {
  const stream = await readAuditStream(world.redis, world.audit.streamKey);
  const file = await readAuditFile(world.auditFile);
  expect(file).toEqual(stream);
  return stream;
}

const EXEC = { analyzer: stuckContainerAnalyzer, sudo: false, commandTimeoutMs: 10_000 };

describe('remediation flow', () => {
  let world: World;

  beforeEach(async () => {
    world = await makeRemediationWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  it('removes a stuck container end to end: request, approve, run, verify fixed, all audited', async () => {
    // given
    const plan = stuckContainerPlan(world.lab.dir);
    const runner = new LocalShellRunner(HOST);
    const progress: ExecutionProgress[] = [];
    // when
    const { request } = await world.service.request(plan);
    const approval = await world.service.approve(request!.id, 'UAPP1');
    const outcome = await world.service.execute(request!.id, runner, { ...EXEC, onProgress: (e) => progress.push(e) });
    // then
    expect(approval).toMatchObject({ readyToRun: true, decision: { allowed: true } });
    expect(outcome.ran).toBe(true);
    expect(outcome.report?.verification?.status).toBe('fixed');
    expect(runner.ran.slice(0, 2)).toEqual(plan.commands);
    expect(progress.map((p) => p.kind)).toEqual(['command-started', 'command-finished', 'command-started', 'command-finished', 'verify-started']);
    expect(await world.service.get(request!.id)).toMatchObject({ state: 'done', outcome: 'fixed' });
    const trail = await auditTrail(world);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'approved', 'executed', 'verified']);
    expect(trail[0]).toMatchObject({ host: HOST, actor: 'UREQ1', commands: plan.commands });
    expect(trail[2]).toMatchObject({ event: 'executed', ok: true, commands: [{ command: plan.commands[0], exit: 0 }, { command: plan.commands[1], exit: 0 }] });
    expect(trail[3]).toMatchObject({ event: 'verified', status: 'fixed', remaining: [] });
    expect((await stat(world.auditFile)).mode & 0o777).toBe(0o600);
  });

  it('runs the plan as approved, rendered again from its playbook, not a stored copy rewritten after the approval', async () => {
    // given: an approved request, and the playbook still rendering the approved plan
    const plan = stuckContainerPlan(world.lab.dir);
    world.plans.edit(plan.id, plan);
    const { request } = await world.service.request(plan);
    await world.service.approve(request!.id, 'UAPP1');
    // when: someone with Redis access rewrites the stored commands, keeping the approved digest
    const key = `${world.prefix}:req:${request!.id}`;
    const stored = JSON.parse((await world.redis.hget(key, 'plan')) ?? '{}') as { commands: string[] };
    stored.commands = [`touch ${world.lab.dir}/tampered`];
    await world.redis.hset(key, 'plan', JSON.stringify(stored));
    const runner = new LocalShellRunner(HOST);
    const outcome = await world.service.execute(request!.id, runner, EXEC);
    // then: the approved commands ran, the rewritten one did not
    expect(outcome.ran).toBe(true);
    expect(runner.ran.slice(0, 2)).toEqual(plan.commands);
    expect(runner.ran.join('\n')).not.toContain('tampered');
    await expect(stat(join(world.lab.dir, 'tampered'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes no secret from a command line or from host output to the audit file or stream', async () => {
    // given: a container whose listing carries a password and a GitHub token, and a fix that leaves it there
    const token = `ghp_${'R8tKq2LmZ4xV7nB1cW9yH3jF6dS0aP5eU2iO'}`;
    await writeFile(join(world.lab.dir, 'containers', CONTAINER), `{"ID":"${CONTAINER}","Status":"Removal In Progress","Env":"DB_PASSWORD=hunter2hunter2 GH=${token}"}\n`);
    const plan = stuckContainerPlan(world.lab.dir, { commands: [`echo DB_PASSWORD=hunter2hunter2 GH=${token} >> ${world.lab.dir}/runs`] });
    // when
    const { request } = await world.service.request(plan);
    await world.service.approve(request!.id, 'UAPP1');
    const outcome = await world.service.execute(request!.id, new LocalShellRunner(HOST), EXEC);
    // then: the secrets were in the command and in the evidence the verification kept
    expect(outcome.report?.verification?.status).toBe('still_present');
    expect(JSON.stringify(outcome.report?.verification?.remaining)).toContain('hunter2hunter2');
    // and neither the file nor the stream holds them
    const texts = [await readFile(world.auditFile, 'utf8'), JSON.stringify(await world.redis.xrange(world.audit.streamKey, '-', '+'))];
    for (const text of texts) {
      expect(text).not.toContain('hunter2hunter2');
      expect(text).not.toContain(token.slice(4));
    }
    const trail = await auditTrail(world);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'approved', 'executed', 'verified']);
    expect(trail[3]).toMatchObject({ event: 'verified', status: 'still_present' });
    expect(JSON.stringify(trail[3])).toContain('DB_PASSWORD=[REDACTED]');
    expect(trail[2]).toMatchObject({ event: 'executed', commands: [{ command: `echo DB_PASSWORD=[REDACTED] GH=ghp_[REDACTED] >> ${world.lab.dir}/runs`, exit: 0 }] });
  });

  it('refuses a requester approving their own request, and audits the refusal', async () => {
    const plan = stuckContainerPlan(world.lab.dir, { requestedBy: 'UAPP1' });
    const { request } = await world.service.request(plan);
    const approval = await world.service.approve(request!.id, 'UAPP1');
    expect(approval.decision).toMatchObject({ allowed: false, code: 'self_approval' });
    expect(approval.decision.reason).toMatch(/someone else has to approve/);
    expect(approval.readyToRun).toBe(false);
    expect((await auditTrail(world)).at(-1)).toMatchObject({ event: 'refused', action: 'approve', code: 'self_approval', actor: 'UAPP1' });
  });

  it('refuses an unauthorised approver but accepts a member of an approver group', async () => {
    const { request } = await world.service.request(stuckContainerPlan(world.lab.dir));
    const stranger = await world.service.approve(request!.id, 'USTRANGER');
    expect(stranger.decision).toMatchObject({ allowed: false, code: 'not_an_approver' });
    expect((await world.service.get(request!.id))?.state).toBe('pending');
    const member = await world.service.approve(request!.id, 'UGRP1');
    expect(member.readyToRun).toBe(true);
    const trail = await auditTrail(world);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'refused', 'approved']);
    expect(trail[1]).toMatchObject({ code: 'not_an_approver', actor: 'USTRANGER', host: HOST });
  });

  it('refuses approval of an expired request and reports it expired to the buttons and the audit', async () => {
    const { request } = await world.service.request(stuckContainerPlan(world.lab.dir));
    world.clock.advance(15 * 60 * 1000 + 1);
    const approval = await world.service.approve(request!.id, 'UAPP1');
    expect(approval.decision).toMatchObject({ allowed: false, code: 'expired' });
    expect(approval.request?.state).toBe('expired');
    const again = await world.service.approve(request!.id, 'UAPP2');
    expect(again.decision).toMatchObject({ allowed: false, code: 'expired' });
    const trail = await auditTrail(world);
    expect(trail.map((e) => e.event)).toEqual(['requested', 'expired', 'refused', 'refused']);
    expect(await runs(world)).toBe(0);
  });

  it('expires unanswered requests through the sweeper, once', async () => {
    const { request } = await world.service.request(stuckContainerPlan(world.lab.dir));
    world.clock.advance(15 * 60 * 1000);
    expect((await world.service.expireDue()).map((r) => r.id)).toEqual([request!.id]);
    expect(await world.service.expireDue()).toEqual([]);
    expect((await auditTrail(world)).map((e) => e.event)).toEqual(['requested', 'expired']);
  });

  it('runs the fix once for a double click and two concurrent approvals', async () => {
    const { request } = await world.service.request(stuckContainerPlan(world.lab.dir));
    const id = request!.id;
    const approvals = await Promise.all([world.service.approve(id, 'UAPP1'), world.service.approve(id, 'UAPP1'), world.service.approve(id, 'UAPP2')]);
    const ready = approvals.filter((a) => a.readyToRun);
    expect(ready).toHaveLength(1);
    // every approval that said "ready" enqueues, and the queue may replay: three executions race
    const runner = new LocalShellRunner(HOST);
    const outcomes = await Promise.all([0, 1, 2].map(() => world.service.execute(id, runner, EXEC)));
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ran).every((o) => !o.decision.allowed && o.decision.code === 'not_pending')).toBe(true);
    expect(await runs(world)).toBe(1);
    const trail = await auditTrail(world);
    expect(trail.filter((e) => e.event === 'executed')).toHaveLength(1);
    expect(trail.filter((e) => e.event === 'approved')).toHaveLength(1);
    expect(trail.filter((e) => e.event === 'refused' && e.action === 'approve')).toHaveLength(2);
    expect(trail.filter((e) => e.event === 'refused' && e.action === 'execute')).toHaveLength(2);
  });

  it('refuses a tampered button value without touching any request', async () => {
    const { request } = await world.service.request(stuckContainerPlan(world.lab.dir));
    const forged = `${request!.id.slice(0, 21)}${request!.id.endsWith('x') ? 'y' : 'x'}`;
    const outcomes = [
      await world.service.approve(forged, 'UAPP1'),
      await world.service.approve(`${request!.id};docker rm -f ${CONTAINER}`, 'UAPP1'),
    ];
    for (const o of outcomes) expect(o.decision).toMatchObject({ allowed: false, code: 'unknown_request' });
    expect((await world.service.execute(forged, new LocalShellRunner(HOST), EXEC)).ran).toBe(false);
    expect((await world.service.get(request!.id))?.state).toBe('pending');
    expect(await runs(world)).toBe(0);
    const refusals = (await auditTrail(world)).filter((e) => e.event === 'refused');
    expect(refusals.map((e) => e.event === 'refused' && e.code)).toEqual(['unknown_request', 'unknown_request', 'unknown_request']);
    expect(refusals[1]?.requestId).toBeUndefined();
  });

  it('voids an approval when the playbook changes the commands meanwhile', async () => {
    const plan = stuckContainerPlan(world.lab.dir);
    const { request } = await world.service.request(plan);
    world.plans.edit(plan.id, { ...plan, commands: [...plan.commands, 'echo extra'] });
    const approval = await world.service.approve(request!.id, 'UAPP1');
    expect(approval.decision).toMatchObject({ allowed: false, code: 'plan_changed' });
    expect(approval.request?.state).toBe('void');
    expect((await auditTrail(world)).at(-1)).toMatchObject({ event: 'refused', code: 'plan_changed' });
  });

  it('does not run an approved plan whose host or commands changed before execution', async () => {
    const plan = stuckContainerPlan(world.lab.dir);
    const { request } = await world.service.request(plan);
    await world.service.approve(request!.id, 'UAPP1');
    const elsewhere = await world.service.execute(request!.id, new LocalShellRunner('host-b1'), EXEC);
    expect(elsewhere).toMatchObject({ ran: false, decision: { code: 'plan_changed' } });
    world.plans.edit(plan.id, null);
    const removed = await world.service.execute(request!.id, new LocalShellRunner(HOST), EXEC);
    expect(removed).toMatchObject({ ran: false, decision: { code: 'plan_changed' } });
    expect(await runs(world)).toBe(0);
  });

  it('needs two distinct approvers for a high-risk remediation', async () => {
    const { request } = await world.service.request(stuckContainerPlan(world.lab.dir, { risk: 'high' }));
    const first = await world.service.approve(request!.id, 'UAPP1');
    expect(first).toMatchObject({ readyToRun: false, approvals: 1, required: 2, decision: { allowed: true } });
    expect((await world.service.approve(request!.id, 'UAPP1')).decision).toMatchObject({ allowed: false, code: 'already_approved_by_you' });
    const second = await world.service.approve(request!.id, 'UGRP1');
    expect(second).toMatchObject({ readyToRun: true, approvals: 2 });
    const approved = (await auditTrail(world)).filter((e) => e.event === 'approved');
    expect(approved.map((e) => e.event === 'approved' && e.complete)).toEqual([false, true]);
  });

  it('says "still present" with the evidence when the fix does not clear the finding', async () => {
    const plan = stuckContainerPlan(world.lab.dir, { commands: [`echo run >> ${world.lab.dir}/runs`] });
    const { request } = await world.service.request(plan);
    await world.service.approve(request!.id, 'UAPP1');
    const outcome = await world.service.execute(request!.id, new LocalShellRunner(HOST), EXEC);
    const verification = outcome.report?.verification;
    expect(verification?.status).toBe('still_present');
    expect(verification?.remaining[0]?.evidence[0]?.text).toContain(CONTAINER);
    expect((await auditTrail(world)).at(-1)).toMatchObject({
      event: 'verified',
      status: 'still_present',
      remaining: [{ code: 'CONTAINER_STOP_TIMEOUT' }],
    });
    expect((await world.service.get(request!.id))?.outcome).toBe('still_present');
  });

  it('judges the fixed container alone when the plan names its subject', async () => {
    const other = 'b'.repeat(64);
    await world.lab.addContainer(other);
    const plan = stuckContainerPlan(world.lab.dir);
    const runFor = async (p: typeof plan) => {
      await world.lab.addContainer(CONTAINER);
      const { request } = await world.service.request(p);
      await world.service.approve(request!.id, 'UAPP1');
      return (await world.service.execute(request!.id, new LocalShellRunner(HOST), EXEC)).report?.verification;
    };
    const anyContainer = await runFor(plan);
    expect(anyContainer?.status).toBe('still_present');
    expect(anyContainer?.remaining.map((f) => f.subject)).toEqual([other]);
    const thisContainer = await runFor({ ...plan, verify: { ...plan.verify, subject: CONTAINER } });
    expect(thisContainer).toMatchObject({ status: 'fixed', remaining: [] });
  });

  it('says "unverified", not "fixed", when a verify step times out', async () => {
    const plan = stuckContainerPlan(world.lab.dir);
    const slow = { ...plan, verify: { ...plan.verify, steps: [{ ...plan.verify.steps[0]!, command: 'sleep 30', timeoutMs: 300 }] } };
    const { request } = await world.service.request(slow);
    await world.service.approve(request!.id, 'UAPP1');
    const outcome = await world.service.execute(request!.id, new LocalShellRunner(HOST), EXEC);
    expect(outcome.report?.verification).toMatchObject({ status: 'unverified', remaining: [] });
    expect(outcome.report?.verification?.problems[0]).toMatch(/timed out/);
    expect((await auditTrail(world)).at(-1)).toMatchObject({ event: 'verified', status: 'unverified' });
  });

  it('stops at the first failing command and verifies nothing', async () => {
    const plan = stuckContainerPlan(world.lab.dir, {
      commands: [`echo run >> ${world.lab.dir}/runs`, 'echo boom >&2; exit 3', `rm -f ${world.lab.dir}/containers/${CONTAINER}`],
    });
    const { request } = await world.service.request(plan);
    await world.service.approve(request!.id, 'UAPP1');
    const outcome = await world.service.execute(request!.id, new LocalShellRunner(HOST), EXEC);
    expect(outcome.report).toMatchObject({ ok: false, commands: [{ exit: 0 }, { exit: 3 }] });
    expect(outcome.report?.verification).toBeUndefined();
    expect((await world.service.get(request!.id))?.outcome).toBe('failed');
    const trail = await auditTrail(world);
    expect(trail.at(-1)).toMatchObject({ event: 'executed', ok: false });
    expect(trail.some((e) => e.event === 'verified')).toBe(false);
  });

  it('refuses a request from someone not allowed to request it', async () => {
    await world.close();
    world = await makeRemediationWorld(parsePolicyConfig({ defaults: { requesters: { users: ['UREQ9'] }, approvers: { users: ['UAPP1'] } } }));
    const outcome = await world.service.request(stuckContainerPlan(world.lab.dir));
    expect(outcome).toMatchObject({ decision: { allowed: false, code: 'not_a_requester' } });
    expect(outcome.request).toBeUndefined();
    expect((await auditTrail(world)).map((e) => e.event === 'refused' && e.action)).toEqual(['request']);
  });

  it('lets the requester withdraw and refuses a stranger rejecting', async () => {
    const { request } = await world.service.request(stuckContainerPlan(world.lab.dir));
    expect((await world.service.reject(request!.id, 'USTRANGER')).decision).toMatchObject({ code: 'not_allowed_to_reject' });
    expect((await world.service.reject(request!.id, 'UREQ1')).decision.allowed).toBe(true);
    const late = (await world.service.approve(request!.id, 'UAPP1')).decision;
    // the core names the person plainly; the Slack reply mentions them
    expect(late.reason).toMatch(/rejected by @UREQ1\./);
    expect(blocks.withMentions(late)).toMatch(/rejected by <@UREQ1>/);
    expect((await auditTrail(world)).map((e) => e.event)).toEqual(['requested', 'refused', 'rejected', 'refused']);
  });
});
