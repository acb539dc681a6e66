import { z } from 'zod';
import { FindingCodeSchema, IdentifierSchema, PlaybookNameSchema, SpecNameSchema } from '../domain/index.js';
import { ThresholdOverridesSchema } from '../analysis/index.js';
import { DURATION_PATTERN } from './duration.js';
import { checkPattern, PARAM_TYPES } from './params.js';

const Identifier = IdentifierSchema;

/**
 * A typed parameter. Its value reaches a shell line only after matching the anchored pattern
 * (the type's, the custom one, or both), and even then single-quoted.
 */
export const ParamSchema = z
  .object({
    /** Built-in type with its own anchored pattern (container_id is `^[0-9a-f]{12,64}$`). */
    type: z.enum(Object.keys(PARAM_TYPES) as [keyof typeof PARAM_TYPES, ...(keyof typeof PARAM_TYPES)[]]).optional(),
    /** Custom pattern; must be anchored `^...$`. When both are given, a value must match both. */
    pattern: z
      .string()
      .superRefine((value, ctx) => {
        const problem = checkPattern(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    description: z.string().optional(),
    /** @defaultValue false */
    required: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.type !== undefined || p.pattern !== undefined, 'a param needs a type or an anchored pattern');
export type Param = z.infer<typeof ParamSchema>;

export const ParamsSchema = z.record(Identifier, ParamSchema);

/** When a step runs: a param was given, or an earlier step succeeded (or failed). */
export const WhenSchema = z.union([
  z.object({ param: Identifier }).strict(),
  z.object({ step: Identifier, succeeded: z.boolean() }).strict(),
]);
export type When = z.infer<typeof WhenSchema>;

export const StepSchema = z
  .object({
    id: Identifier,
    /** The spec (docs/evidence.md) whose file this step's stdout becomes. */
    spec: SpecNameSchema,
    /** Shell command template; `{{param}}` placeholders are replaced by vetted, single-quoted values, and a line `{{@snippet}}` by that shell snippet. */
    command: z.string().min(1),
    timeout: z.string().regex(DURATION_PATTERN, 'expected a duration like "10s" (ms, s or m)'),
    /** Run through `sudo -n`. @defaultValue false */
    sudo: z.boolean().optional(),
    when: WhenSchema.optional(),
  })
  .strict();
export type Step = z.infer<typeof StepSchema>;

/** An approval-gated fix (schema only here; carried out by remediation/). */
export const RemediationSchema = z
  .object({
    id: Identifier,
    title: z.string().min(1),
    /** Finding codes this fixes. */
    answers: z.array(FindingCodeSchema).min(1),
    commands: z.array(z.string().min(1)).min(1),
    params: ParamsSchema.optional(),
    risk: z.enum(['low', 'high']),
    /**
     * The fewest distinct approvals this fix needs, whatever the policy says: the remediation
     * policy (SICKBAY_REMEDIATION_POLICY_FILE) may ask for more, never for fewer. Who may approve
     * is the policy's alone.
     */
    approvers: z.object({ min: z.number().int().min(1).max(5) }).strict().optional(),
    /** After the fix: re-run these steps and check that these codes are gone. */
    verify: z
      .object({
        steps: z.array(Identifier).min(1),
        gone: z.array(FindingCodeSchema).min(1),
        /**
         * The param naming what the fix is about (a container): only findings about that value count
         * as remaining, so another container's trouble does not make this fix "still present".
         */
        subject: Identifier.optional(),
        /**
         * How long to let the host settle before re-collecting: a restarted container that its
         * memory limit kills again needs a moment to be killed, or "fixed" is said too soon.
         */
        settle: z.string().regex(DURATION_PATTERN, 'expected a duration like "10s" (ms, s or m)').optional(),
      })
      .strict(),
  })
  .strict();
export type Remediation = z.infer<typeof RemediationSchema>;

export const PlaybookSchema = z
  .object({
    name: PlaybookNameSchema,
    description: z.string().min(1),
    params: ParamsSchema.optional(),
    steps: z.array(StepSchema).min(1),
    thresholds: ThresholdOverridesSchema.optional(),
    remediations: z.array(RemediationSchema).optional(),
  })
  .strict();
export type Playbook = z.infer<typeof PlaybookSchema>;
