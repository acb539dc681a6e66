import type { RemediationRequestView, RemediationResultView } from '../domain/index.js';
import type { ApprovalRequest } from './approval-store.js';
import type { ExecuteOutcome } from './remediation-service.js';

/** What an approval request's message shows, from its state in Redis. */
export function requestView(request: ApprovalRequest, required: number): RemediationRequestView {
  return {
    requestId: request.id,
    title: request.plan.title,
    host: request.plan.host,
    risk: request.plan.risk,
    commands: request.plan.commands,
    requestedBy: request.plan.requestedBy,
    expiresAt: new Date(request.expiresAt).toISOString(),
    approvals: request.approvals.map((a) => a.userId),
    required,
    state: request.state,
    ...(request.outcome !== undefined ? { outcome: request.outcome } : {}),
    ...(request.rejectedBy !== undefined ? { rejectedBy: request.rejectedBy } : {}),
  };
}

/** The thread's last word on a run: fixed, still present (with the evidence), unverified, failed or not run. */
export function resultView(request: ApprovalRequest, outcome: ExecuteOutcome): RemediationResultView {
  const base = { title: request.plan.title, host: request.plan.host };
  if (!outcome.ran || !outcome.report) return { ...base, status: 'not_run', remaining: [], problems: [], reason: outcome.decision.reason };
  const { report } = outcome;
  if (!report.ok || !report.verification) {
    const failed = report.commands.at(-1);
    const how = failed?.timedOut ? 'timed out' : failed?.error !== undefined ? `could not run (${failed.error})` : `exited ${String(failed?.exit)}`;
    return { ...base, status: 'failed', remaining: [], problems: [], reason: `\`${failed?.command ?? '?'}\` ${how}; nothing after it ran and nothing was verified.` };
  }
  const v = report.verification;
  return {
    ...base,
    status: v.status,
    remaining: v.remaining.map((f) => ({ code: f.code, title: f.title, evidence: f.evidence })),
    problems: v.problems,
  };
}
