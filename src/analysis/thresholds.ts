import { z } from 'zod';

/** Rule thresholds. Defaults follow docs/findings.md; a playbook may override any of them. */
export const ThresholdsSchema = z.object({
  /** devicemapper pool data used % at or above which the pool is full. */
  dmPoolFullPct: z.number().min(0).max(100).default(95),
  /** ... or available bytes below this. */
  dmPoolMinFreeBytes: z.number().nonnegative().default(1e9),
  dmPoolHighPct: z.number().min(0).max(100).default(80),
  dmMetadataFullPct: z.number().min(0).max(100).default(95),
  fsFullPct: z.number().min(0).max(100).default(95),
  fsFullFreePct: z.number().min(0).max(100).default(1),
  fsHighPct: z.number().min(0).max(100).default(85),
  inodesFullPct: z.number().min(0).max(100).default(95),
  containerLogHugeBytes: z.number().nonnegative().default(10e9),
  containerLogHugeFsPct: z.number().min(0).max(100).default(10),
  /** 1-minute load at or above this many times the CPU count is extreme. */
  loadPerCpu: z.number().positive().default(4),
  dStateMinProcesses: z.number().int().positive().default(5),
  restartLoopMin: z.number().int().positive().default(3),
  /** Events last seen longer ago than this (hours before collection) are history: "Earlier on this host". */
  eventWindowHours: z.number().positive().default(24),
});
export type Thresholds = z.infer<typeof ThresholdsSchema>;
export const ThresholdOverridesSchema = ThresholdsSchema.partial().strict();
export type ThresholdOverrides = z.infer<typeof ThresholdOverridesSchema>;

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze(ThresholdsSchema.parse({}));

export function resolveThresholds(overrides: ThresholdOverrides = {}): Thresholds {
  return Object.freeze({ ...DEFAULT_THRESHOLDS, ...overrides });
}
