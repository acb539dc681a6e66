import { describe, expect, it } from 'vitest';
import {
  canApprove,
  canReject,
  canRequest,
  DEFAULT_APPROVAL_TTL_MS,
  parsePolicyConfig,
  resolvePolicy,
} from '../../src/remediation/index.js';
import { staticGroupResolver } from '../../src/domain/index.js';

const config = parsePolicyConfig({
  defaults: { approvers: { users: ['UOPS1'], groups: ['SONCALL'] } },
  byRisk: { high: { approvers: { users: ['USRE1', 'USRE2'], groups: [] } } },
  byRemediation: {
    'prune-docker': { requesters: { users: ['UREQ1'], groups: [] }, allowSelfApproval: true, ttlMs: 60_000 },
  },
});

describe('remediation policy', () => {
  it('needs one approval for low risk and two for high risk unless configured otherwise', () => {
    expect(resolvePolicy(config, { id: 'remove-container', risk: 'low' }).approvalsRequired).toBe(1);
    expect(resolvePolicy(config, { id: 'restart-docker', risk: 'high' }).approvalsRequired).toBe(2);
    const custom = parsePolicyConfig({ byRisk: { high: { approvalsRequired: 3 } } });
    expect(resolvePolicy(custom, { id: 'restart-docker', risk: 'high' }).approvalsRequired).toBe(3);
  });

  it('never asks for fewer approvals than the playbook\'s approvers.min, whatever the policy says', () => {
    const lenient = parsePolicyConfig({ defaults: { approvalsRequired: 1 } });
    expect(resolvePolicy(lenient, { id: 'recover-containerd', risk: 'high', minApprovals: 3 }).approvalsRequired).toBe(3);
    // a stricter policy still wins
    const strict = parsePolicyConfig({ byRisk: { high: { approvalsRequired: 4 } } });
    expect(resolvePolicy(strict, { id: 'recover-containerd', risk: 'high', minApprovals: 3 }).approvalsRequired).toBe(4);
  });

  it('lets the most specific layer win field by field and defaults the lifetime to fifteen minutes', () => {
    const prune = resolvePolicy(config, { id: 'prune-docker', risk: 'high' });
    expect(prune.approvers.users).toEqual(['USRE1', 'USRE2']);
    expect(prune.allowSelfApproval).toBe(true);
    expect(prune.ttlMs).toBe(60_000);
    expect(resolvePolicy(config, { id: 'remove-container', risk: 'low' }).ttlMs).toBe(DEFAULT_APPROVAL_TTL_MS);
    expect(DEFAULT_APPROVAL_TTL_MS).toBe(15 * 60 * 1000);
  });

  it('refuses every approval when no approvers are configured', () => {
    const policy = resolvePolicy(parsePolicyConfig({}), { id: 'remove-container', risk: 'low' });
    const decision = canApprove(policy, { userId: 'UANY1', groups: ['SONCALL'] }, { requestedBy: 'UREQ1', title: 'Remove container' });
    expect(decision).toMatchObject({ allowed: false, code: 'no_approvers_configured' });
    expect(decision.reason).toContain('no approvers are configured');
  });

  it('refuses an approver who is neither listed nor in a listed group', () => {
    const policy = resolvePolicy(config, { id: 'remove-container', risk: 'low' });
    expect(canApprove(policy, { userId: 'UNOBODY', groups: ['SOTHER'] }, { requestedBy: 'UREQ1', title: 'Remove' })).toMatchObject({
      allowed: false,
      code: 'not_an_approver',
    });
    expect(canApprove(policy, { userId: 'UNOBODY', groups: ['SONCALL'] }, { requestedBy: 'UREQ1', title: 'Remove' }).allowed).toBe(true);
  });

  it('refuses self-approval unless the policy allows it', () => {
    const low = resolvePolicy(config, { id: 'remove-container', risk: 'low' });
    expect(canApprove(low, { userId: 'UOPS1', groups: [] }, { requestedBy: 'UOPS1', title: 'Remove' })).toMatchObject({
      allowed: false,
      code: 'self_approval',
    });
    const prune = resolvePolicy(config, { id: 'prune-docker', risk: 'high' });
    expect(canApprove(prune, { userId: 'USRE1', groups: [] }, { requestedBy: 'USRE1', title: 'Prune' }).allowed).toBe(true);
  });

  it('lets anyone request by default and only listed requesters where a list is set', () => {
    const low = resolvePolicy(config, { id: 'remove-container', risk: 'low' });
    expect(canRequest(low, { userId: 'UANY1', groups: [] }, 'Remove').allowed).toBe(true);
    const prune = resolvePolicy(config, { id: 'prune-docker', risk: 'high' });
    expect(canRequest(prune, { userId: 'UANY1', groups: [] }, 'Prune')).toMatchObject({ allowed: false, code: 'not_a_requester' });
    expect(canRequest(prune, { userId: 'UREQ1', groups: [] }, 'Prune').allowed).toBe(true);
  });

  it('lets the requester or an approver reject, and nobody else', () => {
    const low = resolvePolicy(config, { id: 'remove-container', risk: 'low' });
    const request = { requestedBy: 'UREQ1', title: 'Remove' };
    expect(canReject(low, { userId: 'UREQ1', groups: [] }, request).allowed).toBe(true);
    expect(canReject(low, { userId: 'UOPS1', groups: [] }, request).allowed).toBe(true);
    expect(canReject(low, { userId: 'UANY1', groups: [] }, request)).toMatchObject({ allowed: false, code: 'not_allowed_to_reject' });
  });

  it('rejects a policy whose ids are not Slack ids', () => {
    expect(() => parsePolicyConfig({ defaults: { approvers: { users: ['alice; rm -rf /'] } } })).toThrow(/Slack user id/);
  });

  it('resolves group membership from the data it is given', async () => {
    const groups = staticGroupResolver({ SONCALL: ['UA1', 'UB2'], SDBA: ['UB2'] });
    expect(await groups.groupsOf('UB2')).toEqual(['SONCALL', 'SDBA']);
    expect(await groups.groupsOf('UC3')).toEqual([]);
  });
});
