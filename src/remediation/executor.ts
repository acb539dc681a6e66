import { createHash } from 'node:crypto';
import { analyze, containerHealth, containerPresence, outputUnderstood } from '../analysis/index.js';
import { CONTAINER_ID, type AnalysisReport, type Bundle, type Clock, type CommandResult, type CommandRunner, type Finding, type FindingCode, type StepMeta } from '../domain/index.js';
import type { RemediationPlan } from './plan.schema.js';

/** Analyses a verify bundle; the real analyze() unless a caller passes its own rules. */
export type BundleAnalyzer = (bundle: Bundle, now: Date) => AnalysisReport;

export const defaultAnalyzer: BundleAnalyzer = (bundle, now) => analyze(bundle, { now });

/** Output of one remediation command, passed to the thread as soon as it finishes. */
export type ExecutionProgress =
  | { kind: 'command-started'; index: number; command: string }
  | { kind: 'command-finished'; index: number; command: string; result: CommandResult }
  | { kind: 'verify-started'; steps: number };

export interface CommandRecord {
  command: string;
  exit: number | null;
  timedOut: boolean;
  durationMs: number;
  /** sha256 of stdout + "\0" + stderr: what the audit keeps instead of the output. */
  outputSha256: string;
  error?: string;
}

export type VerificationStatus = 'fixed' | 'still_present' | 'unverified';

export interface Verification {
  status: VerificationStatus;
  /** The `gone` codes that the re-analysis still reports, with their evidence. */
  remaining: Finding[];
  /** Why the result is unverified: steps that timed out, failed or could not run. */
  problems: string[];
  bundle: Bundle;
}

export interface ExecutionReport {
  /** Every command run, in order; stops at the first failure. */
  commands: CommandRecord[];
  /** True when every command exited 0. */
  ok: boolean;
  /** Absent when a command failed: nothing is verified after a failed fix. */
  verification?: Verification;
}

export interface ExecuteOptions {
  clock: Clock;
  onProgress?: (event: ExecutionProgress) => void;
  analyzer?: BundleAnalyzer;
  /** Deadline per remediation command. @defaultValue 120 s */
  commandTimeoutMs?: number;
  /** Output cap per command. @defaultValue 1 MiB */
  maxBytes?: number;
  /** Run commands through sudo -n. @defaultValue true */
  sudo?: boolean;
  /** How the plan's settle time is waited out (tests pass one that does not wait). @defaultValue a timer */
  wait?: (ms: number) => Promise<void>;
}

const timerWait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function outputDigest(result: Pick<CommandResult, 'stdout' | 'stderr'>): string {
  return createHash('sha256').update(result.stdout).update('\0').update(result.stderr).digest('hex');
}

function succeeded(result: CommandResult): boolean {
  return result.exit === 0 && !result.timedOut && result.error === undefined;
}

/**
 * Whether a finding's subject is what the plan is about. Container ids match on their common
 * prefix (a plan made from `812c82c5a7a5` is about the finding's full 64-digit id); anything else
 * (a mount point) must be equal.
 */
export function sameSubject(found: string, planned: string): boolean {
  if (found === planned) return true;
  return CONTAINER_ID.pattern.test(found) && CONTAINER_ID.pattern.test(planned) && (found.startsWith(planned) || planned.startsWith(found));
}

/** Runs an approved plan's commands in order, then its verification. */
export async function executePlan(plan: RemediationPlan, runner: CommandRunner, options: ExecuteOptions): Promise<ExecutionReport> {
  const runOptions = {
    timeoutMs: options.commandTimeoutMs ?? 120_000,
    maxBytes: options.maxBytes ?? 1024 * 1024,
    sudo: options.sudo ?? true,
  };
  const commands: CommandRecord[] = [];
  for (const [index, command] of plan.commands.entries()) {
    options.onProgress?.({ kind: 'command-started', index, command });
    const result = await runner.run(command, runOptions);
    options.onProgress?.({ kind: 'command-finished', index, command, result });
    commands.push({
      command,
      exit: result.exit,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      outputSha256: outputDigest(result),
      ...(result.error !== undefined ? { error: result.error } : {}),
    });
    if (!succeeded(result)) return { commands, ok: false };
  }
  if (plan.verify.settleMs) await (options.wait ?? timerWait)(plan.verify.settleMs);
  options.onProgress?.({ kind: 'verify-started', steps: plan.verify.steps.length });
  const verification = await verifyPlan(plan, runner, options);
  return { commands, ok: true, verification };
}

/**
 * Re-collects the plan's verify steps (in parallel, each with its own deadline), analyses them and
 * decides: still present when a `gone` code is reported (positive evidence wins), unverified when a
 * step timed out, failed or could not run, fixed otherwise.
 */
export async function verifyPlan(
  plan: RemediationPlan,
  runner: CommandRunner,
  options: Pick<ExecuteOptions, 'clock' | 'analyzer' | 'maxBytes' | 'sudo'>,
): Promise<Verification> {
  const results = await Promise.all(
    plan.verify.steps.map(async (step) => ({
      step,
      result: await runner.run(step.command, {
        timeoutMs: step.timeoutMs,
        maxBytes: options.maxBytes ?? 1024 * 1024,
        sudo: options.sudo ?? true,
      }),
    })),
  );
  const files: Record<string, string> = {};
  const steps: Record<string, StepMeta> = {};
  const problems: string[] = [];
  for (const { step, result } of results) {
    files[step.spec] = result.stdout;
    steps[step.spec] = {
      exit: result.exit,
      timed_out: result.timedOut,
      duration_ms: result.durationMs,
      truncated: result.truncated,
      command: step.command,
      ...(result.error !== undefined ? { error: result.error } : {}),
    };
    if (result.timedOut) problems.push(`${step.id} timed out after ${step.timeoutMs} ms`);
    else if (result.error !== undefined) problems.push(`${step.id} could not run: ${result.error}`);
    else if (result.exit !== 0) problems.push(`${step.id} exited ${String(result.exit)}`);
  }
  const now = options.clock.now();
  const bundle: Bundle = {
    meta: { host: plan.host, collected_at: now.toISOString(), playbook: `remediation:${plan.id}`, steps },
    files: new Map(Object.entries(files)),
  };
  // Absence of findings proves nothing about output the analysis did not understand.
  for (const { step, result } of results) {
    if (!result.timedOut && result.error === undefined && result.exit === 0 && !outputUnderstood(step.spec, result.stdout)) {
      problems.push(`${step.id}: its output was not understood, so it proves nothing`);
    }
  }
  const subjectId = plan.verify.subject;
  if (subjectId !== undefined && CONTAINER_ID.pattern.test(subjectId) && (files['docker_ps'] !== undefined || files['docker_inspect'] !== undefined)) {
    if (containerPresence(bundle, subjectId) === 'unknown') problems.push(`neither docker ps nor docker inspect said whether container ${subjectId} is there`);
  }
  // An unhealthy container is fixed when its check passes again: "starting" after a restart proves nothing yet.
  if (subjectId !== undefined && plan.verify.gone.includes('CONTAINER_UNHEALTHY')) {
    const health = containerHealth(bundle, subjectId);
    if (health !== 'healthy' && health !== 'unhealthy') problems.push(`container ${subjectId}'s health check has not passed since (${health ?? 'no health status'})`);
  }
  const report = (options.analyzer ?? defaultAnalyzer)(bundle, now);
  const gone = new Set<FindingCode>(plan.verify.gone);
  const subject = plan.verify.subject;
  // History (an OOM kill the kernel log still holds from before the fix) is not "still present".
  const remaining = report.findings.filter((f) => f.earlier === undefined && gone.has(f.code) && (subject === undefined || f.subject === undefined || sameSubject(f.subject, subject)));
  const status: VerificationStatus = remaining.length > 0 ? 'still_present' : problems.length > 0 ? 'unverified' : 'fixed';
  return { status, remaining, problems, bundle };
}
