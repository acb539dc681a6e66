import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ApprovalStore, isRequestId, planDigest, REQUEST_ID_PATTERN } from '../../../src/remediation/index.js';
import { manualClock } from '../../helpers/local-shell-runner.js';
import { stuckContainerPlan } from '../../helpers/remediation-world.js';

const TTL = 15 * 60 * 1000;
const plan = stuckContainerPlan('/srv/lab');
const check = { currentDigest: planDigest(plan), allowSelfApproval: false, approvalsRequired: 1 };

describe('approval store', () => {
  let redis: Redis;
  let prefix: string;
  let clock: ReturnType<typeof manualClock>;
  let store: ApprovalStore;

  beforeEach(() => {
    redis = new Redis('redis://127.0.0.1:6379');
    prefix = `test-approval-${randomUUID()}`;
    clock = manualClock();
    store = new ApprovalStore({ redis, prefix, clock });
  });

  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('keys a request by an opaque url-safe id with a TTL in Redis and keeps no command in the id', async () => {
    const request = await store.create(plan, TTL);
    expect(request.id).toMatch(REQUEST_ID_PATTERN);
    expect(request.id).not.toContain(plan.host);
    const ttl = await redis.pttl(`${prefix}:req:${request.id}`);
    expect(ttl).toBeGreaterThan(TTL);
    expect(await store.get(request.id)).toMatchObject({ state: 'pending', digest: planDigest(plan), plan });
    const other = await store.create(plan, TTL);
    expect(other.id).not.toBe(request.id);
  });

  it('refuses a tampered or unknown id without finding anything', async () => {
    const request = await store.create(plan, TTL);
    const tampered = `${request.id.slice(0, -1)}${request.id.endsWith('A') ? 'B' : 'A'}`;
    expect(isRequestId(`${request.id}"; docker rm -f x`)).toBe(false);
    expect(await store.get(`${request.id}:x`)).toBeNull();
    expect(await store.approve(tampered, 'UAPP1', check)).toMatchObject({ status: 'unknown' });
    expect(await store.claim('not an id', check.currentDigest, 'token')).toMatchObject({ status: 'unknown' });
    expect((await store.get(request.id))?.state).toBe('pending');
  });

  it('lets exactly one of many concurrent approvals complete a one-approval request', async () => {
    const request = await store.create(plan, TTL);
    const results = await Promise.all(['UA1', 'UA2', 'UA3', 'UA4', 'UA5'].map((u) => store.approve(request.id, u, check)));
    expect(results.filter((r) => r.status === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'not_pending')).toHaveLength(4);
    expect((await store.get(request.id))?.approvals).toHaveLength(1);
  });

  it('counts a double click by the same approver once', async () => {
    const request = await store.create(plan, TTL);
    const twoNeeded = { ...check, approvalsRequired: 2 };
    const [first, second] = await Promise.all([store.approve(request.id, 'UA1', twoNeeded), store.approve(request.id, 'UA1', twoNeeded)]);
    expect([first?.status, second?.status].sort()).toEqual(['duplicate', 'recorded']);
    expect((await store.get(request.id))?.state).toBe('pending');
    expect(await store.approve(request.id, 'UA2', twoNeeded)).toMatchObject({ status: 'approved', approvals: 2 });
  });

  it('hands an approved request to exactly one of many concurrent claims from separate connections', async () => {
    const request = await store.create(plan, TTL);
    await store.approve(request.id, 'UA1', check);
    // four workers, each with its own connection, two claims each (a replayed job)
    const workers = Array.from({ length: 4 }, () => new Redis('redis://127.0.0.1:6379'));
    const stores = workers.map((r) => new ApprovalStore({ redis: r, prefix, clock }));
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => stores[i % 4]!.claim(request.id, check.currentDigest, `t${i}`)),
    ).finally(() => Promise.all(workers.map((r) => r.quit())));
    expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.status === 'not_claimable' && c.state === 'running')).toHaveLength(7);
    const winner = claims.findIndex((c) => c.status === 'claimed');
    expect(await store.finish(request.id, `t${(winner + 1) % 8}`, 'fixed')).toBe(false);
    expect(await store.finish(request.id, `t${winner}`, 'fixed')).toBe(true);
    expect(await store.get(request.id)).toMatchObject({ state: 'done', outcome: 'fixed' });
  });

  it('refuses the requester unless self-approval is allowed', async () => {
    const request = await store.create(plan, TTL);
    expect(await store.approve(request.id, plan.requestedBy, check)).toMatchObject({ status: 'self_approval' });
    expect(await store.approve(request.id, plan.requestedBy, { ...check, allowSelfApproval: true })).toMatchObject({ status: 'approved' });
  });

  it('voids a request whose plan digest changed, and never lets it be claimed', async () => {
    const request = await store.create(plan, TTL);
    const edited = planDigest({ ...plan, commands: [...plan.commands, 'reboot'] });
    expect(await store.approve(request.id, 'UA1', { ...check, currentDigest: edited })).toMatchObject({ status: 'plan_changed' });
    expect(await store.approve(request.id, 'UA2', check)).toMatchObject({ status: 'not_pending', state: 'void' });
    const approvedThenEdited = await store.create(plan, TTL);
    await store.approve(approvedThenEdited.id, 'UA1', check);
    expect(await store.claim(approvedThenEdited.id, edited, 't')).toMatchObject({ status: 'plan_changed' });
  });

  it('expires a request once its time is up, for approvals, claims and the sweeper alike', async () => {
    const clicked = await store.create(plan, TTL);
    const swept = await store.create(plan, TTL);
    const approved = await store.create(plan, TTL);
    await store.approve(approved.id, 'UA1', check);
    clock.advance(TTL);
    expect(await store.approve(clicked.id, 'UA1', check)).toMatchObject({ status: 'expired' });
    expect(await store.approve(clicked.id, 'UA1', check)).toMatchObject({ status: 'not_pending', state: 'expired' });
    expect(await store.claim(approved.id, check.currentDigest, 't')).toMatchObject({ status: 'expired' });
    expect(await store.expireDue()).toEqual([swept.id]);
    expect(await store.expireDue()).toEqual([]);
    expect((await store.get(swept.id))?.state).toBe('expired');
  });

  it('rejects a pending request once and leaves it unclaimable', async () => {
    const request = await store.create(plan, TTL);
    expect(await store.reject(request.id, 'UA1')).toMatchObject({ status: 'rejected' });
    expect(await store.reject(request.id, 'UA1')).toMatchObject({ status: 'not_pending', state: 'rejected' });
    expect(await store.approve(request.id, 'UA2', check)).toMatchObject({ status: 'not_pending', state: 'rejected' });
    expect(await store.get(request.id)).toMatchObject({ rejectedBy: 'UA1' });
  });
});
