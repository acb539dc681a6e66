import type { Bundle, Clock, CommandResult, CommandRunner, DiagnosisProgress, StepMeta } from '../domain/index.js';
import { Semaphore } from '../shared/index.js';
import { parseDuration } from './duration.js';
import { checkParams, ownValue } from './params.js';
import type { Playbook, Step } from './playbook.schema.js';
import { renderTemplate } from './template.js';

export interface CollectOptions {
  /** An open runner on the host (one SSH connection); not closed here. */
  runner: CommandRunner;
  /** The inventory name of the host, recorded in meta.json. */
  host: string;
  playbook: Playbook;
  /** Values from chat or alerts: checked against the playbook's anchored patterns before anything runs. */
  params?: Readonly<Record<string, string>>;
  /** Steps running at once. @defaultValue the runner's parallelism (a shell session: many; channels: 8) */
  channelLimit?: number;
  /** Output cap per step, in bytes. @defaultValue 8 MiB */
  maxBytes?: number;
  clock: Clock;
  onProgress?: (event: DiagnosisProgress) => void;
  signal?: AbortSignal;
}

export const DEFAULT_CHANNEL_LIMIT = 8;
export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** Stderr kept in meta.json for a step: enough for "sudo: a password is required". */
const STDERR_KEPT = 1000;

interface StepOutcome {
  ran: boolean;
  ok: boolean;
}

/**
 * Runs a playbook's steps on one host and returns the evidence bundle. Params are checked first
 * (a ParamError is thrown before the runner is used). Steps run concurrently up to channelLimit;
 * a step guarded by `when: { step }` waits for that step. A step that fails, times out or cannot
 * run is recorded in meta.steps and never fails the collection. Skipped steps leave no trace:
 * their spec is "not collected".
 */
export async function collectBundle(options: CollectOptions): Promise<Bundle> {
  const { runner, host, playbook, clock } = options;
  const values = checkPlaybookParams(playbook, options.params ?? {});
  const limit = Math.max(1, options.channelLimit ?? runner.parallelism ?? DEFAULT_CHANNEL_LIMIT);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const collectedAt = clock.now().toISOString();
  const slots = new Semaphore(limit);
  const files = new Map<string, string>();
  const steps: Record<string, StepMeta> = {};
  const outcomes = new Map<string, Promise<StepOutcome>>();
  // Skipped steps leave the count, so that the last event reads done === total when it can.
  let total = playbook.steps.length;
  let done = 0;

  const runStep = async (step: Step): Promise<StepOutcome> => {
    if (!(await shouldRun(step, values, outcomes))) {
      total -= 1;
      return { ran: false, ok: false };
    }
    let command = '';
    let result: CommandResult;
    try {
      command = renderTemplate(step.command, values);
      const release = await slots.acquire();
      try {
        result = await runner.run(command, {
          timeoutMs: parseDuration(step.timeout),
          maxBytes,
          ...(step.sudo ? { sudo: true } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } finally {
        release();
      }
    } catch (err) {
      result = { stdout: '', stderr: '', exit: null, timedOut: false, truncated: false, durationMs: 0, error: (err as Error).message || String(err) };
    }
    const ok = result.exit === 0 && !result.timedOut && !result.error;
    files.set(step.spec, result.stdout);
    steps[step.spec] = stepMeta(command || step.command, result);
    done += 1;
    options.onProgress?.({
      kind: 'step',
      host,
      step: step.id,
      status: result.timedOut ? 'timed_out' : ok ? 'ok' : 'failed',
      durationMs: result.durationMs,
      done,
      total,
    });
    return { ran: true, ok };
  };

  // Longest-allowed steps are sent first: the last request reaches a busy host's driver (or a free
  // channel) later than the first, so the step the author expects to be slowest should not be it.
  // Every outcome is registered before any step starts, so `when: { step }` always finds its step.
  const launch = new Map<string, () => void>();
  for (const step of playbook.steps) outcomes.set(step.id, new Promise<void>((start) => launch.set(step.id, start)).then(() => runStep(step)));
  for (const step of launchOrder(playbook.steps)) launch.get(step.id)?.();
  await Promise.all(outcomes.values());
  return {
    meta: {
      host,
      collected_at: collectedAt,
      playbook: playbook.name,
      ...(Object.keys(values).length ? { params: values } : {}),
      ...(runner.transport ? { transport: runner.transport } : {}),
      steps: ordered(steps, playbook),
    },
    files: new Map([...files].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * Checks chat or alert values against a playbook's params (ParamError when refused) and returns
 * the values to substitute. Call it before opening the SSH connection; collectBundle checks again.
 */
export function checkPlaybookParams(playbook: Playbook, params: Readonly<Record<string, string>>): Record<string, string> {
  return checkParams(playbook.params ?? {}, params, `playbook ${playbook.name}`);
}

/** Steps by their timeout, longest first; playbook order among equals. */
function launchOrder(steps: readonly Step[]): Step[] {
  return steps
    .map((step, index) => ({ step, index, ms: parseDuration(step.timeout) }))
    .sort((a, b) => b.ms - a.ms || a.index - b.index)
    .map((s) => s.step);
}

async function shouldRun(step: Step, values: Readonly<Record<string, string>>, outcomes: ReadonlyMap<string, Promise<StepOutcome>>): Promise<boolean> {
  const when = step.when;
  if (!when) return true;
  if ('param' in when) return ownValue(values, when.param) !== undefined;
  const earlier = outcomes.get(when.step);
  if (!earlier) return false;
  const outcome = await earlier;
  return outcome.ran && outcome.ok === when.succeeded;
}

function stepMeta(command: string, result: CommandResult): StepMeta {
  const meta: StepMeta = {
    exit: result.exit,
    timed_out: result.timedOut,
    duration_ms: result.durationMs,
    truncated: result.truncated,
    command,
  };
  if (result.error) meta.error = result.error;
  const stderr = result.stderr.trim();
  // kept whether the step failed or not: journalctl says "No journal files were found." there and exits 0
  if (stderr) meta.stderr = stderr.length > STDERR_KEPT ? `${stderr.slice(0, STDERR_KEPT)}…` : stderr;
  return meta;
}

/** meta.steps in playbook order, so that meta.json reads like the playbook. */
function ordered(steps: Record<string, StepMeta>, playbook: Playbook): Record<string, StepMeta> {
  const out: Record<string, StepMeta> = {};
  for (const step of playbook.steps) {
    const meta = steps[step.spec];
    if (meta) out[step.spec] = meta;
  }
  return out;
}
