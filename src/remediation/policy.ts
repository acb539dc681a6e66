import { z } from 'zod';
import { SlackGroupIdSchema, SlackUserIdSchema, userRef, type Actor } from '../domain/index.js';
import type { Risk } from './plan.schema.js';

/** Default lifetime of an approval request. */
export const DEFAULT_APPROVAL_TTL_MS = 15 * 60 * 1000;


/** Slack users and user groups. */
export const PrincipalsSchema = z.object({
  users: z.array(SlackUserIdSchema).default([]),
  groups: z.array(SlackGroupIdSchema).default([]),
});
export type Principals = z.infer<typeof PrincipalsSchema>;

/** One layer of policy; absent fields fall through to the less specific layer, then to the defaults. */
export const PolicyRuleSchema = z.object({
  /** Who may ask for the remediation. @defaultValue anyone */
  requesters: PrincipalsSchema.optional(),
  /** Who may approve it. @defaultValue nobody: with no approvers configured, every approval is refused */
  approvers: PrincipalsSchema.optional(),
  /** Whether the requester may approve their own request. @defaultValue false */
  allowSelfApproval: z.boolean().optional(),
  /** Distinct approvals needed. @defaultValue 2 for high risk, 1 for low */
  approvalsRequired: z.number().int().min(1).max(5).optional(),
  /** How long a request stays open. @defaultValue 15 minutes */
  ttlMs: z.number().int().positive().optional(),
});
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;

/** Policy config: per risk, then per remediation id (the most specific wins, field by field). */
export const PolicyConfigSchema = z.object({
  defaults: PolicyRuleSchema.default({}),
  byRisk: z.object({ low: PolicyRuleSchema.optional(), high: PolicyRuleSchema.optional() }).default({}),
  byRemediation: z.record(z.string(), PolicyRuleSchema).default({}),
});
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

/** The policy that applies to one remediation, every field settled. */
export interface EffectivePolicy {
  /** null: anyone may request. */
  requesters: Principals | null;
  approvers: Principals;
  allowSelfApproval: boolean;
  approvalsRequired: number;
  ttlMs: number;
}

export const REFUSAL_CODES = [
  'not_a_requester',
  'no_approvers_configured',
  'not_an_approver',
  'self_approval',
  'already_approved_by_you',
  'expired',
  'plan_changed',
  'unknown_request',
  'not_pending',
  'not_allowed_to_reject',
  'param_invalid',
  'remediation_unavailable',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/**
 * A policy or state decision. `reason` is plain text for the person who acted (an ephemeral reply)
 * and the audit log; the people it names are written with userRef() and listed in `mentions`.
 */
export type Decision = ({ allowed: true } | { allowed: false; code: RefusalCode }) & { reason: string; mentions?: readonly string[] };

export function allow(reason: string, mentions?: readonly string[]): Decision {
  return { allowed: true, reason, ...(mentions?.length ? { mentions } : {}) };
}

export function refuse(code: RefusalCode, reason: string, mentions?: readonly string[]): Decision {
  return { allowed: false, code, reason, ...(mentions?.length ? { mentions } : {}) };
}

/** Every user group a remediation policy names: only those need looking up. */
export function groupsInPolicy(policy: PolicyConfig): string[] {
  const rules = [policy.defaults, policy.byRisk.low, policy.byRisk.high, ...Object.values(policy.byRemediation)];
  const principals = rules.flatMap((r): (Principals | undefined)[] => [r?.requesters, r?.approvers]);
  return [...new Set(principals.flatMap((p) => p?.groups ?? []))];
}

export function parsePolicyConfig(input: unknown): PolicyConfig {
  return Object.freeze(PolicyConfigSchema.parse(input));
}

/**
 * Settles the policy for one remediation: defaults, then its risk, then its id; the playbook's own
 * `approvers.min` (carried in the plan as minApprovals) is a floor the policy cannot go under.
 */
export function resolvePolicy(config: PolicyConfig, remediation: { id: string; risk: Risk; minApprovals?: number | undefined }): EffectivePolicy {
  const layers: PolicyRule[] = [config.defaults, config.byRisk[remediation.risk] ?? {}, config.byRemediation[remediation.id] ?? {}];
  const pick = <K extends keyof PolicyRule>(key: K): PolicyRule[K] =>
    layers.reduce<PolicyRule[K]>((found, layer) => (layer[key] !== undefined ? layer[key] : found), undefined);
  return {
    requesters: pick('requesters') ?? null,
    approvers: pick('approvers') ?? { users: [], groups: [] },
    allowSelfApproval: pick('allowSelfApproval') ?? false,
    approvalsRequired: Math.max(pick('approvalsRequired') ?? (remediation.risk === 'high' ? 2 : 1), remediation.minApprovals ?? 1),
    ttlMs: pick('ttlMs') ?? DEFAULT_APPROVAL_TTL_MS,
  };
}

function isIn(principals: Principals, actor: Actor): boolean {
  return principals.users.includes(actor.userId) || actor.groups.some((g) => principals.groups.includes(g));
}

function isEmpty(principals: Principals): boolean {
  return principals.users.length === 0 && principals.groups.length === 0;
}

/** May this person ask for the remediation? */
export function canRequest(policy: EffectivePolicy, actor: Actor, title: string): Decision {
  if (policy.requesters && !isIn(policy.requesters, actor)) {
    return refuse('not_a_requester', `You are not on the list of people who may request "${title}". Ask someone on call who is.`);
  }
  return allow(`${userRef(actor.userId)} may request "${title}"`, [actor.userId]);
}

/**
 * May this person approve a request? Pure membership and self-approval checks; the state checks
 * (expired, already approved, plan changed) are made atomically by the approval store.
 */
export function canApprove(policy: EffectivePolicy, actor: Actor, request: { requestedBy: string; title: string }): Decision {
  if (isEmpty(policy.approvers)) {
    return refuse(
      'no_approvers_configured',
      `Nobody may approve "${request.title}": no approvers are configured for it. Add approvers to the remediation policy.`,
    );
  }
  if (!isIn(policy.approvers, actor)) {
    return refuse('not_an_approver', `You are not an approver for "${request.title}". Ask one of its approvers.`);
  }
  if (actor.userId === request.requestedBy && !policy.allowSelfApproval) {
    return refuse('self_approval', `You requested "${request.title}" yourself; someone else has to approve it.`);
  }
  return allow(`${userRef(actor.userId)} may approve "${request.title}"`, [actor.userId]);
}

/** The requester may withdraw their request; an approver may reject it. */
export function canReject(policy: EffectivePolicy, actor: Actor, request: { requestedBy: string; title: string }): Decision {
  if (actor.userId === request.requestedBy || isIn(policy.approvers, actor)) {
    return allow(`${userRef(actor.userId)} may reject "${request.title}"`, [actor.userId]);
  }
  return refuse('not_allowed_to_reject', `Only the requester or an approver may reject "${request.title}".`);
}
