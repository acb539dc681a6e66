import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../../src/app/worker.js';
import { fixedClock } from '../../../src/domain/index.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { startLab, type Lab } from '../../../src/lab/index.js';
import { OfferStore, readAuditFile, type AuditEvent } from '../../../src/remediation/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { manualClock } from '../../helpers/local-shell-runner.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { sendBlockAction, sendSlashCommand, sickbayEnv, SlackStandIn, type RecordedCall } from '../../helpers/slack-standin.js';

const SECRET = 'remediation-signing-secret-0123';
const HOST = 'mesos-container-stop-timeout';
const STUCK = '8f8020e79b13';
const CHANNEL = 'C0REMEDY';
const REQUESTER = 'UREQ1';
const APPROVERS = ['UAPP1', 'UAPP2'] as const;
const standin = new SlackStandIn();
const prefix = uniquePrefix();
const clock = manualClock();

let work: string;
let lab: Lab;
let bot: BotHandle;
let worker: WorkerHandle;
let auditFile: string;
let thread: { parentTs: string; findingTs: string; offerId: string };

const textOf = (call: RecordedCall): string => String(call.body.text ?? '');
const inThread = () => standin.ok('chat.postMessage').filter((c) => c.body.channel === CHANNEL && c.body.thread_ts === thread.parentTs);
const requestPosts = () => inThread().filter((c) => textOf(c).startsWith('Remediation '));

interface Button {
  action_id: string;
  value: string;
  text: { text: string };
  confirm?: { text: { text: string } };
}
const buttonsOf = (call: { body: Record<string, unknown> }): Button[] =>
  ((call.body.blocks ?? []) as { type: string; elements?: Button[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

/** Clicks the stuck container's fix button; returns the approval request it posted. */
async function requestFix(user: string): Promise<{ id: string; ts: string; call: RecordedCall }> {
  const before = requestPosts().length;
  const res = await sendBlockAction(bot.port, SECRET, { actionId: 'remediation_offer_0', value: thread.offerId, user, channel: CHANNEL, messageTs: thread.findingTs, threadTs: thread.parentTs });
  expect(res.status).toBe(200);
  const call = await standin.waitFor(() => requestPosts()[before], 'the approval request');
  const approve = buttonsOf(call).find((b) => b.action_id === 'remediation_approve');
  return { id: String(approve?.value), ts: String(call.result?.ts), call };
}

async function click(actionId: 'remediation_approve' | 'remediation_reject', user: string, value: string, messageTs: string): Promise<void> {
  const res = await sendBlockAction(bot.port, SECRET, { actionId, value, user, channel: CHANNEL, messageTs, threadTs: thread.parentTs });
  expect(res.status).toBe(200);
}

const ephemerals = (user: string) => standin.ok('chat.postEphemeral').filter((c) => c.body.user === user).map(textOf);
async function nextEphemeral(user: string, count: number): Promise<string> {
  return standin.waitFor(() => ephemerals(user)[count], `ephemeral reply #${count + 1} to ${user}`);
}

async function verdict(host: string, after: number): Promise<RecordedCall> {
  return standin.waitFor(() => inThread().slice(after).find((c) => textOf(c).startsWith(`${host}: `) && /: (fixed|still present|unverified|failed|not run)$/.test(textOf(c))), 'the verdict');
}

async function audit(requestId?: string): Promise<AuditEvent[]> {
  const events = await readAuditFile(auditFile);
  return requestId === undefined ? events : events.filter((e) => e.requestId === requestId);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sickbay-remediation-e2e-'));
  auditFile = join(work, 'audit.jsonl');
  await writeFile(join(work, 'policy.yaml'), `defaults:\n  approvers:\n    users: [${APPROVERS.join(', ')}]\n`);
  await standin.start();
  lab = await startLab({ bundlesDir: INCIDENTS_DIR, names: [HOST], durationScale: 0 });
  await lab.writeInventory(join(work, 'inventory.yaml'));
  const directory = await loadInventory(join(work, 'inventory.yaml'));
  const env = sickbayEnv(
    standin,
    { secret: SECRET, redisUrl: REDIS_URL, prefix },
    { LOG_LEVEL: 'silent', SICKBAY_AUDIT_FILE: auditFile, SICKBAY_REMEDIATION_POLICY_FILE: join(work, 'policy.yaml'), SICKBAY_REMEDIATION_SWEEP_MS: '100' },
  );
  bot = await startBot({ env, replayBundles: INCIDENTS_DIR, clock });
  worker = await startWorker({ env, replayBundles: INCIDENTS_DIR, clock: fixedClock('2017-12-05T05:08:40Z'), progressIntervalMs: 50, remediation: { directory } });

  await sendSlashCommand(bot.port, SECRET, { text: HOST, channel: CHANNEL, user: REQUESTER, responseUrl: standin.responseUrl('diag') });
  const finding = await standin.waitFor(
    () => standin.ok('chat.postMessage').find((c) => c.body.channel === CHANNEL && c.body.thread_ts && textOf(c).includes('CONTAINER_STOP_TIMEOUT')),
    'the stuck-container finding in the thread',
  );
  const offer = buttonsOf(finding)[0];
  thread = { parentTs: String(finding.body.thread_ts), findingTs: String(finding.result?.ts), offerId: String(offer?.value) };
});

afterAll(async () => {
  await worker?.stop();
  await bot?.stop();
  await lab?.stop();
  await standin.stop();
  await deleteUnder(prefix);
  await rm(work, { recursive: true, force: true });
});

describe('remediation from a Slack thread (real Redis, the Slack stand-in, the lab over SSH)', () => {
  it('puts a fix button under the finding whose value is an opaque id and whose confirmation shows the host and the exact command', () => {
    const finding = standin.ok('chat.postMessage').find((c) => c.result?.ts === thread.findingTs) as RecordedCall;
    const [button] = buttonsOf(finding);
    expect(button?.value).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(button?.value).not.toContain(HOST);
    expect(button?.confirm?.text.text).toContain(HOST);
    expect(button?.confirm?.text.text).toContain(`docker rm -f '${STUCK}'`);
  });

  it('runs the whole flow for the stuck container: request, approval by a second user, the fix over SSH, verified "fixed"', async () => {
    await lab.resetState(HOST);
    const request = await requestFix(REQUESTER);
    const shown = JSON.stringify(request.call.body.blocks);
    expect(shown).toContain(`docker rm -f '${STUCK}'`);
    expect(shown).toContain(HOST);
    expect(shown).toContain('risk *low*');
    expect(shown).toContain(`<@${REQUESTER}>`);
    expect(shown).toContain('expires');
    const before = inThread().length;
    await click('remediation_approve', APPROVERS[0], request.id, request.ts);
    const result = await verdict(HOST, before);
    expect(textOf(result)).toMatch(/: fixed$/);
    const output = inThread().slice(before).find((c) => textOf(c).includes(`docker rm -f '${STUCK}'`));
    expect(JSON.stringify(output?.body.blocks)).toContain(STUCK);
    expect(await readFile(join(lab.stateDir(HOST), 'removed'), 'utf8')).toContain(STUCK);
    const final = await standin.waitFor(
      () => standin.ok('chat.update').find((c) => c.body.ts === request.ts && textOf(c).startsWith('Remediation done')),
      'the approval message marked done',
    );
    expect(buttonsOf(final).map((b) => b.text.text)).toEqual(['Done']);
    const events = await audit(request.id);
    expect(events.map((e) => e.event)).toEqual(['requested', 'approved', 'executed', 'verified']);
    expect(events[2]).toMatchObject({ ok: true, commands: [{ command: `docker rm -f '${STUCK}'`, exit: 0 }] });
    expect(events[3]).toMatchObject({ status: 'fixed', host: HOST });
    expect(events[1]).toMatchObject({ actor: APPROVERS[0], complete: true });
  });

  it('refuses the requester approving their own request, in an ephemeral reply, and audits it', async () => {
    const request = await requestFix(APPROVERS[0]);
    const seen = ephemerals(APPROVERS[0]).length;
    await click('remediation_approve', APPROVERS[0], request.id, request.ts);
    expect(await nextEphemeral(APPROVERS[0], seen)).toMatch(/yourself; someone else has to approve it/);
    expect((await audit(request.id)).map((e) => (e.event === 'refused' ? `refused:${e.code}` : e.event))).toEqual(['requested', 'refused:self_approval']);
  });

  it('refuses an approval from someone who is not an approver, and audits it', async () => {
    const request = await requestFix(REQUESTER);
    await click('remediation_approve', 'UNOBODY', request.id, request.ts);
    expect(await nextEphemeral('UNOBODY', 0)).toMatch(/not an approver/);
    await click('remediation_reject', 'UNOBODY', request.id, request.ts);
    expect(await nextEphemeral('UNOBODY', 1)).toMatch(/Only the requester or an approver may reject/);
    expect((await audit(request.id)).filter((e) => e.event === 'refused').map((e) => e.event === 'refused' && e.code)).toEqual(['not_an_approver', 'not_allowed_to_reject']);
  });

  it('runs the fix once for a double click and two approvers at once, and refuses the rest', async () => {
    await lab.resetState(HOST);
    const request = await requestFix(REQUESTER);
    const seen = APPROVERS.map((u) => ephemerals(u).length);
    const before = inThread().length;
    await Promise.all([
      click('remediation_approve', APPROVERS[0], request.id, request.ts),
      click('remediation_approve', APPROVERS[0], request.id, request.ts),
      click('remediation_approve', APPROVERS[1], request.id, request.ts),
    ]);
    await verdict(HOST, before);
    // two of the three clicks are refused, whichever order Redis saw them in
    await standin.waitFor(() => APPROVERS.reduce((n, u, i) => n + ephemerals(u).length - (seen[i] ?? 0), 0) >= 2, 'two refusals');
    await click('remediation_approve', APPROVERS[1], request.id, request.ts);
    await standin.waitFor(() => ephemerals(APPROVERS[1]).some((t) => /already been carried out/.test(t)), 'the refusal of a late click');
    const events = await audit(request.id);
    expect(events.filter((e) => e.event === 'executed')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'approved')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'refused')).toHaveLength(3);
    const removed = (await readFile(join(lab.stateDir(HOST), 'removed'), 'utf8')).split('\n').filter((l) => l.includes(STUCK));
    expect(removed).toHaveLength(2); // one `docker rm -f` records the id as two patterns
    expect(inThread().slice(before).filter((c) => textOf(c).includes(`docker rm -f '${STUCK}'`))).toHaveLength(1);
  });

  it('refuses a tampered or unknown button value, for offers and approvals alike, and audits it', async () => {
    const before = requestPosts().length;
    for (const value of ['AAAAAAAAAAAAAAAAAAAAAA', `${HOST}; docker rm -f ${STUCK}`]) {
      await click('remediation_approve', APPROVERS[1], value, thread.findingTs);
      await sendBlockAction(bot.port, SECRET, { actionId: 'remediation_offer_0', value, user: APPROVERS[1], channel: CHANNEL, messageTs: thread.findingTs, threadTs: thread.parentTs });
    }
    const replies = await standin.waitFor(() => {
      const r = ephemerals(APPROVERS[1]).filter((t) => /does not point at a remediation/.test(t));
      return r.length >= 4 ? r : undefined;
    }, 'four refusals');
    expect(replies).toHaveLength(4);
    expect(requestPosts()).toHaveLength(before);
    const refused = (await audit()).filter((e) => e.event === 'refused' && e.code === 'unknown_request' && e.actor === APPROVERS[1]);
    expect(refused.map((e) => e.event === 'refused' && e.action).sort()).toEqual(['approve', 'approve', 'request', 'request']);
    expect(refused.some((e) => e.requestId === 'AAAAAAAAAAAAAAAAAAAAAA')).toBe(true);
  });

  it('refuses an offer whose param fails its pattern before anything reaches the host', async () => {
    await lab.resetState(HOST);
    const redis = new Redis(REDIS_URL);
    try {
      const offers = new OfferStore({ redis, prefix: `${prefix}:remediation` });
      const hostile = await offers.create({ host: HOST, playbook: 'container', remediation: 'remove_stuck_container', params: { container: `${STUCK}; reboot` }, finding: 'CONTAINER_STOP_TIMEOUT' });
      const before = requestPosts().length;
      await sendBlockAction(bot.port, SECRET, { actionId: 'remediation_offer_0', value: hostile.id, user: REQUESTER, channel: CHANNEL, messageTs: thread.findingTs, threadTs: thread.parentTs });
      const reply = await standin.waitFor(() => ephemerals(REQUESTER).find((t) => t.startsWith('Refused before anything ran')), 'the refusal');
      expect(reply).toContain(HOST);
      expect(requestPosts()).toHaveLength(before);
      const refused = (await audit()).filter((e) => e.event === 'refused' && e.code === 'param_invalid');
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ actor: REQUESTER, host: HOST, remediation: 'remove_stuck_container', action: 'request' });
      await expect(readFile(join(lab.stateDir(HOST), 'removed'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      redis.disconnect();
    }
  });

  it('says "still present", with the evidence that remains, when the fix does not clear the finding', async () => {
    await lab.resetState(HOST);
    await lab.setFixesNoop(HOST, true);
    try {
      const request = await requestFix(REQUESTER);
      const before = inThread().length;
      await click('remediation_approve', APPROVERS[1], request.id, request.ts);
      const result = await verdict(HOST, before);
      expect(textOf(result)).toMatch(/: still present$/);
      const shown = JSON.stringify(result.body.blocks);
      expect(shown).toContain('CONTAINER_STOP_TIMEOUT');
      expect(shown).toContain('failed to exit within');
      const verified = (await audit(request.id)).find((e) => e.event === 'verified');
      expect(verified).toMatchObject({ status: 'still_present', remaining: [{ code: 'CONTAINER_STOP_TIMEOUT' }] });
    } finally {
      await lab.setFixesNoop(HOST, false);
    }
  });

  it('expires a request nobody approved in time: its buttons say so, and a late approval is refused', async () => {
    const request = await requestFix(REQUESTER);
    clock.advance(16 * 60 * 1000);
    const updated = await standin.waitFor(
      () => standin.ok('chat.update').find((c) => c.body.ts === request.ts && buttonsOf(c).some((b) => b.text.text === 'Expired')),
      'the approval message relabelled "Expired"',
    );
    expect(buttonsOf(updated).map((b) => b.text.text)).toEqual(['Expired']);
    const seen = ephemerals(APPROVERS[0]).length;
    await click('remediation_approve', APPROVERS[0], request.id, request.ts);
    expect(await nextEphemeral(APPROVERS[0], seen)).toMatch(/has expired/);
    const events = (await audit(request.id)).map((e) => (e.event === 'refused' ? `refused:${e.code}` : e.event));
    expect(events).toEqual(['requested', 'expired', 'refused:expired']);
  });
});
