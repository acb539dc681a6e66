import { randomUUID } from 'node:crypto';
import { userRef, type Actor, type Clock, type CommandRunner, type GroupResolver } from '../domain/index.js';
import { isRequestId, type ApprovalRequest, type ApprovalStore, type RequestState } from './approval-store.js';
import type { AuditLog } from './audit.js';
import { executePlan, type BundleAnalyzer, type ExecutionProgress, type ExecutionReport } from './executor.js';
import { planDigest, type RemediationPlan } from './plan.schema.js';
import {
  allow,
  canApprove,
  canReject,
  canRequest,
  refuse,
  resolvePolicy,
  type Decision,
  type PolicyConfig,
} from './policy.js';

/**
 * Where the current form of a requested plan comes from: phase 2 re-renders it from the playbook as
 * it is now. null when the remediation no longer exists. An approval holds only while the digest of
 * this plan equals the digest taken at request time.
 */
export interface PlanSource {
  current(requested: RemediationPlan): Promise<RemediationPlan | null>;
}

export interface RemediationServiceDeps {
  store: ApprovalStore;
  audit: AuditLog;
  policy: PolicyConfig;
  groups: GroupResolver;
  plans: PlanSource;
  clock: Clock;
}

export interface RequestOutcome {
  decision: Decision;
  request?: ApprovalRequest;
}

export interface ApproveOutcome {
  decision: Decision;
  /** True when this approval completed the set: enqueue the `remediate` job now. */
  readyToRun: boolean;
  /** The request as it stands after the click (null when the id is not a request). */
  request: ApprovalRequest | null;
  approvals: number;
  required: number;
}

export interface RejectOutcome {
  decision: Decision;
  request: ApprovalRequest | null;
}

export interface ExecuteOutcome {
  /** True only for the one caller that claimed the request and ran it. */
  ran: boolean;
  decision: Decision;
  report?: ExecutionReport;
}

export interface ExecuteRequestOptions {
  onProgress?: (event: ExecutionProgress) => void;
  analyzer?: BundleAnalyzer;
  commandTimeoutMs?: number;
  maxBytes?: number;
  sudo?: boolean;
  /** Waits out the plan's settle time (see ExecuteOptions.wait). */
  wait?: (ms: number) => Promise<void>;
}

const UNKNOWN_REQUEST = refuse(
  'unknown_request',
  'This button does not point at a remediation request I know: it is malformed, tampered with, or older than the retention period.',
);

/** Why a request in this state cannot take the action: said to the person who clicked. */
function stateRefusal(state: RequestState | undefined, request: ApprovalRequest | null): Decision {
  const title = request ? `"${request.plan.title}" on ${request.plan.host}` : 'this remediation';
  switch (state) {
    case 'expired':
      return refuse('expired', `The request for ${title} has expired. Request it again if it is still needed.`);
    case 'void':
      return refuse('plan_changed', `The commands or host of ${title} changed after it was requested, so approvals no longer hold. Request it again.`);
    case 'rejected':
      return request?.rejectedBy
        ? refuse('not_pending', `The request for ${title} was rejected by ${userRef(request.rejectedBy)}.`, [request.rejectedBy])
        : refuse('not_pending', `The request for ${title} was rejected.`);
    case 'approved':
    case 'running':
      return refuse('not_pending', `The request for ${title} is already approved and is being carried out.`);
    case 'done':
      return refuse('not_pending', `The request for ${title} has already been carried out${request?.outcome ? ` (${request.outcome.replace('_', ' ')})` : ''}.`);
    default:
      return refuse('not_pending', `The request for ${title} is not waiting for approval.`);
  }
}

/**
 * The remediation flow behind the Slack buttons and the `remediate` queue: policy on every click,
 * atomic state in Redis, an audit event for everything that happens or is refused.
 */
export class RemediationService {
  private readonly deps: RemediationServiceDeps;

  constructor(deps: RemediationServiceDeps) {
    this.deps = deps;
  }

  private async actor(userId: string): Promise<Actor> {
    return { userId, groups: await this.deps.groups.groupsOf(userId) };
  }

  private policyFor(plan: RemediationPlan) {
    return resolvePolicy(this.deps.policy, plan);
  }

  private about(request: ApprovalRequest) {
    return { requestId: request.id, remediation: request.plan.id, host: request.plan.host };
  }

  private async refused(
    action: 'request' | 'approve' | 'reject' | 'execute',
    decision: Decision,
    where: { requestId?: string; remediation?: string; host?: string; actor?: string },
  ): Promise<void> {
    if (decision.allowed) return;
    await this.deps.audit.append({ event: 'refused', action, code: decision.code, reason: decision.reason, ...where });
  }

  /** The plan rendered again from its playbook now, and the digest an approval must still match. */
  private async rendered(plan: RemediationPlan): Promise<{ plan: RemediationPlan | null; digest: string }> {
    const current = await this.deps.plans.current(plan);
    return { plan: current, digest: current ? planDigest(current) : 'remediation-removed' };
  }

  /** Opens an approval request for a plan; the requester is `plan.requestedBy`. */
  async request(plan: RemediationPlan): Promise<RequestOutcome> {
    const policy = this.policyFor(plan);
    const decision = canRequest(policy, await this.actor(plan.requestedBy), plan.title);
    const where = { remediation: plan.id, host: plan.host, actor: plan.requestedBy };
    if (!decision.allowed) {
      await this.refused('request', decision, where);
      return { decision };
    }
    const request = await this.deps.store.create(plan, policy.ttlMs);
    await this.deps.audit.append({
      event: 'requested',
      ...this.about(request),
      actor: plan.requestedBy,
      title: plan.title,
      risk: plan.risk,
      commands: plan.commands,
      digest: request.digest,
      expiresAt: new Date(request.expiresAt).toISOString(),
    });
    return { decision, request };
  }

  async get(id: string): Promise<ApprovalRequest | null> {
    return isRequestId(id) ? this.deps.store.get(id) : null;
  }

  /** An Approve click. Re-checks policy and state; never trusts anything but the id. */
  async approve(id: string, userId: string): Promise<ApproveOutcome> {
    const request = await this.get(id);
    if (!request) {
      await this.refused('approve', UNKNOWN_REQUEST, { actor: userId, ...(isRequestId(id) ? { requestId: id } : {}) });
      return { decision: UNKNOWN_REQUEST, readyToRun: false, request: null, approvals: 0, required: 0 };
    }
    const where = { ...this.about(request), actor: userId };
    const policy = this.policyFor(request.plan);
    const answer = (decision: Decision, approvals: number, after: ApprovalRequest | null): ApproveOutcome => ({
      decision,
      readyToRun: false,
      request: after,
      approvals,
      required: policy.approvalsRequired,
    });
    const allowed = canApprove(policy, await this.actor(userId), { requestedBy: request.plan.requestedBy, title: request.plan.title });
    if (!allowed.allowed) {
      await this.refused('approve', allowed, where);
      return answer(allowed, request.approvals.length, request);
    }
    const result = await this.deps.store.approve(id, userId, {
      currentDigest: (await this.rendered(request.plan)).digest,
      allowSelfApproval: policy.allowSelfApproval,
      approvalsRequired: policy.approvalsRequired,
    });
    const after = await this.deps.store.get(id);
    let decision: Decision;
    switch (result.status) {
      case 'approved':
      case 'recorded': {
        const complete = result.status === 'approved';
        await this.deps.audit.append({ event: 'approved', ...where, approvals: result.approvals, required: policy.approvalsRequired, complete });
        decision = complete
          ? allow(`Approved by ${userRef(userId)}: running "${request.plan.title}" on ${request.plan.host}.`, [userId])
          : allow(`Approval ${result.approvals} of ${policy.approvalsRequired} recorded; another approver is needed.`);
        return { ...answer(decision, result.approvals, after), readyToRun: complete };
      }
      case 'expired':
        await this.deps.audit.append({ event: 'expired', ...this.about(request) });
        decision = stateRefusal('expired', after);
        break;
      case 'plan_changed':
        decision = stateRefusal('void', after);
        break;
      case 'self_approval':
        decision = refuse('self_approval', `You requested "${request.plan.title}" yourself; someone else has to approve it.`);
        break;
      case 'duplicate':
        decision = refuse('already_approved_by_you', `You have already approved "${request.plan.title}"; it needs a different approver.`);
        break;
      case 'not_pending':
        decision = stateRefusal(result.state, after);
        break;
      default:
        decision = UNKNOWN_REQUEST;
    }
    await this.refused('approve', decision, where);
    return answer(decision, result.approvals, after);
  }

  /** A Reject click (an approver) or a withdrawal (the requester). */
  async reject(id: string, userId: string): Promise<RejectOutcome> {
    const request = await this.get(id);
    if (!request) {
      await this.refused('reject', UNKNOWN_REQUEST, { actor: userId, ...(isRequestId(id) ? { requestId: id } : {}) });
      return { decision: UNKNOWN_REQUEST, request: null };
    }
    const where = { ...this.about(request), actor: userId };
    const allowed = canReject(this.policyFor(request.plan), await this.actor(userId), {
      requestedBy: request.plan.requestedBy,
      title: request.plan.title,
    });
    if (!allowed.allowed) {
      await this.refused('reject', allowed, where);
      return { decision: allowed, request };
    }
    const result = await this.deps.store.reject(id, userId);
    const after = await this.deps.store.get(id);
    if (result.status === 'rejected') {
      await this.deps.audit.append({ event: 'rejected', ...where });
      return { decision: allow(`Rejected by ${userRef(userId)}: "${request.plan.title}" will not run.`, [userId]), request: after };
    }
    if (result.status === 'expired') await this.deps.audit.append({ event: 'expired', ...this.about(request) });
    const decision = result.status === 'unknown' ? UNKNOWN_REQUEST : stateRefusal(result.status === 'expired' ? 'expired' : result.state, after);
    await this.refused('reject', decision, where);
    return { decision, request: after };
  }

  /**
   * Runs an approved request over `runner` (the `remediate` job's body). Exactly one call per request
   * runs the commands; every other call (double click, replayed job, second approver) is refused.
   */
  async execute(id: string, runner: CommandRunner, options: ExecuteRequestOptions = {}): Promise<ExecuteOutcome> {
    const request = await this.get(id);
    if (!request) {
      await this.refused('execute', UNKNOWN_REQUEST, isRequestId(id) ? { requestId: id } : {});
      return { ran: false, decision: UNKNOWN_REQUEST };
    }
    const where = this.about(request);
    if (runner.host !== request.plan.host) {
      const decision = refuse('plan_changed', `Refusing to run "${request.plan.title}": it was approved for ${request.plan.host}, not ${runner.host}.`);
      await this.refused('execute', decision, where);
      return { ran: false, decision };
    }
    // what runs is the plan rendered again now, whose digest the claim checks against the approved
    // one: never the copy stored with the request, which anyone with Redis access could rewrite
    const current = await this.rendered(request.plan);
    const token = randomUUID();
    const claim = await this.deps.store.claim(id, current.digest, token);
    if (claim.status !== 'claimed') {
      if (claim.status === 'expired') await this.deps.audit.append({ event: 'expired', ...where });
      const state = claim.status === 'expired' ? 'expired' : claim.status === 'plan_changed' ? 'void' : claim.state;
      const decision = claim.status === 'unknown' ? UNKNOWN_REQUEST : stateRefusal(state, await this.deps.store.get(id));
      await this.refused('execute', decision, where);
      return { ran: false, decision };
    }
    let outcome = 'failed';
    try {
      // claimed: the digest matched, so `current` is the approved plan (a removed one never claims)
      const report = await executePlan(current.plan as RemediationPlan, runner, { clock: this.deps.clock, ...options });
      await this.deps.audit.append({ event: 'executed', ...where, ok: report.ok, commands: report.commands });
      if (report.verification) {
        const v = report.verification;
        outcome = v.status;
        await this.deps.audit.append({
          event: 'verified',
          ...where,
          status: v.status,
          remaining: v.remaining.map((f) => ({ code: f.code, title: f.title, evidence: f.evidence.map((e) => `${e.spec}: ${e.text}`) })),
          problems: v.problems,
        });
      }
      return { ran: true, decision: allow(`Ran "${request.plan.title}" on ${request.plan.host}: ${outcome.replace('_', ' ')}.`), report };
    } finally {
      await this.deps.store.finish(id, token, outcome);
    }
  }

  /** Expires pending requests whose time is up (a repeatable job calls this); returns them for their buttons. */
  async expireDue(): Promise<ApprovalRequest[]> {
    const expired: ApprovalRequest[] = [];
    for (const id of await this.deps.store.expireDue()) {
      const request = await this.deps.store.get(id);
      if (!request) continue;
      await this.deps.audit.append({ event: 'expired', ...this.about(request) });
      expired.push(request);
    }
    return expired;
  }
}
