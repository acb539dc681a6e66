import { z } from 'zod';

/** How one step of a collection went; every field optional, as in docs/evidence.md. */
export const StepMetaSchema = z
  .object({
    exit: z.number().int().nullable().optional(),
    timed_out: z.boolean().optional(),
    duration_ms: z.number().nonnegative().optional(),
    truncated: z.boolean().optional(),
    /** Bytes at the start of the file a reader skipped because the file outgrew its cap (the tail was read). */
    unread_bytes: z.number().int().nonnegative().optional(),
    /** Why the step could not run at all (connection lost, sudo refused...). */
    error: z.string().optional(),
    /** The command that produced the output, for the record. */
    command: z.string().optional(),
    /** What a step printed on stderr (its first bytes): why a failed one failed, in the host's words; what one that succeeded warned of. */
    stderr: z.string().optional(),
  })
  .passthrough();
export type StepMeta = z.infer<typeof StepMetaSchema>;

/** A step that exited 0 within its timeout: its output is whole. Captured bundles record no step: their file is all there is. */
export function ranClean(step: StepMeta | undefined): boolean {
  return step === undefined || (step.exit === 0 && step.timed_out !== true);
}

/** How the steps reached the host: one shell session, or a channel per step (and why it fell back). */
export const TransportMetaSchema = z
  .object({
    mode: z.enum(['shell-session', 'exec-per-command']),
    reason: z.string().optional(),
  })
  .passthrough();

export const BundleMetaSchema = z
  .object({
    host: z.string().optional(),
    collected_at: z.string().optional(),
    playbook: z.string().optional(),
    /** The values its params were given (checked against their types): what it was collected about. */
    params: z.record(z.string(), z.string()).optional(),
    transport: TransportMetaSchema.optional(),
    steps: z.record(z.string(), StepMetaSchema).optional(),
  })
  .passthrough();
export type BundleMeta = z.infer<typeof BundleMetaSchema>;

/**
 * An evidence bundle in memory: pure data, however it was collected.
 * `files` maps a spec name (or any other file in the bundle) to its raw text.
 * An absent key means "not collected".
 */
export interface Bundle {
  readonly meta: BundleMeta;
  readonly files: ReadonlyMap<string, string>;
}

export function bundleFromRecord(files: Record<string, string>, meta: BundleMeta = {}): Bundle {
  return { meta, files: new Map(Object.entries(files)) };
}

/** A line of a big log that a reader keeps when it matches `pattern`: with `before` lines ahead of it (0 or 1) and `after` lines after it. */
export interface LineKeepRule {
  pattern: RegExp;
  before: number;
  after: number;
}

/**
 * Which lines of a big log the analysis reads; a reader given this reads the others as empty
 * lines (line numbers unchanged), for speed and memory. Only for analysis: such a text is not
 * the file.
 */
export interface LogLineFilter {
  /** The specs it applies to. */
  specs: readonly string[];
  rules: readonly LineKeepRule[];
  /** The first lines are always kept (the host's time zone is read from them). */
  headLines: number;
  /** Smaller files are read whole. */
  minBytes: number;
}
