import { createHash } from 'node:crypto';
import { z } from 'zod';
import { FindingCodeSchema, HostNameSchema, SpecNameSchema } from '../domain/index.js';
import { RemediationPlanError } from './remediation-errors.js';

export const RiskSchema = z.enum(['low', 'high']);
export type Risk = z.infer<typeof RiskSchema>;

/** One evidence step to re-collect after a fix: its output is stored under `spec` in the verify bundle. */
export const VerifyStepSchema = z.object({
  id: z.string().min(1),
  spec: SpecNameSchema,
  /** The exact command line, rendered from a playbook template. */
  command: z.string().min(1),
  timeoutMs: z.number().int().positive(),
});
export type VerifyStep = z.infer<typeof VerifyStepSchema>;

/**
 * What remediation needs from a playbook's remediation, with everything already rendered:
 * phase 2 maps a playbook entry (templates + pattern-checked params) into this.
 */
export const RemediationPlanSchema = z.object({
  /** The playbook's remediation id, e.g. `remove_stuck_container`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a remediation id is lower-case letters, digits, "_" and "-"'),
  title: z.string().min(1),
  host: HostNameSchema,
  /** Exact shell lines, run in order; the first failure stops the rest. */
  commands: z.array(z.string().min(1)).min(1),
  risk: RiskSchema,
  /** The playbook's `approvers.min`: the policy may require more approvals, never fewer. */
  minApprovals: z.number().int().min(1).max(5).optional(),
  /** Finding codes this remediation answers. */
  answers: z.array(FindingCodeSchema),
  verify: z.object({
    steps: z.array(VerifyStepSchema),
    /** Codes that must be gone from the re-analysis for the fix to count as "fixed". */
    gone: z.array(FindingCodeSchema).min(1),
    /**
     * What the fix is about (a container id, a mount point): when set, only findings with this
     * subject, or with none, count as remaining. Another container's finding does not make this
     * container's fix "still present".
     */
    subject: z.string().min(1).optional(),
    /** Milliseconds to wait after the commands before re-collecting. */
    settleMs: z.number().int().nonnegative().max(300_000).optional(),
  }),
  /** Slack user id of whoever asked for it. */
  requestedBy: z.string().min(1),
  /**
   * Where the plan was rendered from: the playbook and the params that passed its patterns. The
   * PlanSource re-renders from these on every click, against the playbook as it is then.
   */
  source: z
    .object({
      playbook: z.string().min(1),
      params: z.record(z.string(), z.string()),
    })
    .optional(),
});
export type RemediationPlan = z.infer<typeof RemediationPlanSchema>;

/** Parses a plan at the boundary; the error names the first bad field. */
export function parseRemediationPlan(input: unknown): RemediationPlan {
  const parsed = RemediationPlanSchema.safeParse(input);
  if (!parsed.success) {
    throw new RemediationPlanError('remediation_plan_invalid', 'this remediation cannot be offered: its plan is malformed', {
      detail: z.prettifyError(parsed.error),
    });
  }
  return parsed.data;
}

/**
 * sha256 of the host, the exact commands and the verify steps: what an approval is bound to.
 * If a playbook edit changes any of these, the digest changes and an earlier approval stops holding.
 */
export function planDigest(plan: Pick<RemediationPlan, 'host' | 'commands' | 'verify'>): string {
  const canonical = JSON.stringify([
    plan.host,
    plan.commands,
    plan.verify.steps.map((s) => [s.id, s.spec, s.command, s.timeoutMs]),
    [...plan.verify.gone].sort(),
    plan.verify.subject ?? null,
    plan.verify.settleMs ?? 0,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
