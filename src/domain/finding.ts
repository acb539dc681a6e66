import { z } from 'zod';
import { SpecNameSchema } from './specs.js';

export const SeveritySchema = z.enum(['critical', 'warning', 'info']);
export type Severity = z.infer<typeof SeveritySchema>;

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

/** Stable finding codes (docs/findings.md). Codes never change meaning; new ones may be added. */
export const FINDING_CODES = [
  'DM_POOL_DATA_FULL',
  'DM_POOL_DATA_HIGH',
  'DM_POOL_METADATA_FULL',
  'DM_LOOP_LVM',
  'DM_OVERCOMMIT',
  'FS_FULL',
  'FS_HIGH',
  'FS_INODES_FULL',
  'FS_READ_ONLY_REMOUNT',
  'FS_IO_ERROR',
  'CONTAINER_LOGS_HUGE',
  'HUNG_TASK',
  'LOAD_EXTREME',
  'D_STATE_PILEUP',
  'VETH_UNREGISTER_LEAK',
  'KERNEL_OOM_KILL',
  'CONTAINER_OOM_KILLED',
  'CONTAINER_KILLED_137',
  'CONTAINER_RESTART_LOOP',
  'JVM_HEAP_UNBOUNDED',
  'DOCKERD_DOWN',
  'DOCKERD_UNRESPONSIVE',
  'CONTAINERD_RESTORE_FAILED',
  'CONTAINER_STOP_TIMEOUT',
  'STORAGE_DRIVER_RISK',
  'DOCKER_VERSION_KNOWN_BUG',
] as const;
export const FindingCodeSchema = z.enum(FINDING_CODES);
export type FindingCode = z.infer<typeof FindingCodeSchema>;

/** One quoted line (or short block) from the bundle that supports a finding. */
export const EvidenceSchema = z.object({
  spec: z.union([SpecNameSchema, z.literal('meta')]),
  text: z.string(),
  /** 1-based line in the spec's file, when known. */
  line: z.number().int().positive().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** A suggested fix, in words an on-call engineer can act on. */
export const FixSchema = z.object({
  title: z.string(),
  detail: z.string().optional(),
  /** Exact daemon options or commands, where they exist. Shown, never run from here. */
  commands: z.array(z.string()).optional(),
  /** Id of an approval-gated remediation in a playbook that carries this fix out. */
  remediation: z.string().optional(),
});
export type Fix = z.infer<typeof FixSchema>;

export const FindingSchema = z.object({
  code: FindingCodeSchema,
  severity: SeveritySchema,
  /** One line with the numbers that matter: "devicemapper pool 1.677 TB of 1.677 TB used (100 %)". */
  title: z.string(),
  evidence: z.array(EvidenceSchema),
  fixes: z.array(FixSchema),
  /** What the finding is about when there can be several: a container id, a mount point, a task name. */
  subject: z.string().optional(),
  /** Key figures, machine-readable (limit_bytes, used_pct, container_name ...). */
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const RootCauseSchema = z.object({
  code: FindingCodeSchema,
  title: z.string(),
  /** A sentence or two: how the cause leads to what was seen. */
  summary: z.string(),
  /** The chain of findings this cause explains, cause first. */
  explains: z.array(FindingCodeSchema),
});
export type RootCause = z.infer<typeof RootCauseSchema>;

/** What `sickbay analyze DIR --json` prints for one host. */
export const AnalysisReportSchema = z.object({
  host: z.string(),
  collected_at: z.string().optional(),
  findings: z.array(FindingSchema),
  root_cause: RootCauseSchema.nullable(),
  /** Specs that were not collected, failed or timed out: what the analysis could not see. */
  gaps: z.array(z.object({ spec: z.string(), reason: z.string() })).optional(),
});
export type AnalysisReport = z.infer<typeof AnalysisReportSchema>;
