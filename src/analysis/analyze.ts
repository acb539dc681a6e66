import { SEVERITY_RANK, type AnalysisReport, type Bundle, type Finding } from '../domain/index.js';
import { correlate } from './correlate.js';
import { buildFacts } from './facts/index.js';
import { ALL_RULES, type Rule } from './rules/index.js';
import { resolveThresholds, type ThresholdOverrides } from './thresholds.js';

export interface AnalyzeOptions {
  /** The analysis clock; rules that reason about age use it, never Date.now(). */
  now: Date;
  thresholds?: ThresholdOverrides;
  rules?: readonly Rule[];
}

function mebibytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${mib < 10 ? mib.toFixed(1) : Math.round(mib)} MiB`;
}

/** Bundle in, report out. Pure: no file system, network, env or clock in reach. */
export function analyze(bundle: Bundle, options: AnalyzeOptions): AnalysisReport {
  const facts = buildFacts(bundle);
  const ctx = { now: options.now, thresholds: resolveThresholds(options.thresholds) };
  const findings: Finding[] = [];
  for (const rule of options.rules ?? ALL_RULES) findings.push(...rule.run(facts, ctx));
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const rootCause = correlate(findings, facts);
  // The report leads with the root cause, then the rest by severity.
  if (rootCause) {
    const lead = findings.findIndex((f) => f.code === rootCause.code);
    if (lead > 0) findings.unshift(...findings.splice(lead, 1));
  }
  const gaps = Object.entries(facts.steps)
    .filter(([, step]) => step.timed_out || step.error || step.unread_bytes || (step.exit !== undefined && step.exit !== null && step.exit !== 0))
    .map(([spec, step]) => ({
      spec,
      reason: step.timed_out
        ? 'timed out'
        : (step.error ??
          // a file read from its tail: what happened before it is not in the report
          (step.unread_bytes
            ? `its first ${mebibytes(step.unread_bytes)} not read: over the read cap`
            : // a command whose output outgrew the cap is stopped writing (and often exits non-zero): say so
              step.truncated
              ? `output cut at the size cap (exit ${String(step.exit)})`
              : `exit ${String(step.exit)}`)),
    }));
  return {
    host: facts.host,
    ...(bundle.meta.collected_at ? { collected_at: bundle.meta.collected_at } : {}),
    findings,
    root_cause: rootCause,
    ...(gaps.length ? { gaps } : {}),
  };
}
