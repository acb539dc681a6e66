import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import {
  describeError,
  errorText,
  hostNamed,
  isBotError,
  type AnalysisReport,
  type Diagnoser,
  type DiagnosisProgress,
  type DiagnosisView,
  type Finding,
  type HostDirectory,
  type RemediationOfferView,
  type HostRef,
  type MessageRef,
  type Notifier,
} from '../../domain/index.js';
import { groupFindings, InputError } from '../../domain/index.js';
import type { Redactor } from '../../redaction/index.js';
import { DiagnoseJobDataSchema, type DiagnoseJobData, type DiagnoseJobResult } from '../jobs.schema.js';
import { BadJobDataError } from '../queue-errors.js';
import { createThrottle } from '../throttle.js';

/** What the processor reports to metrics; implemented in metrics/, absent in most tests. */
export interface DiagnoseObserver {
  finished(outcome: 'done' | 'failed' | 'retrying', durationMs: number, report?: AnalysisReport): void;
  stepTimedOut(step: string): void;
}

/** What the processors need from the process's redactor (redaction/): text and deep copies. */
export type RedactPort = Pick<Redactor, 'text' | 'deep'>;

export interface DiagnoseProcessorDeps {
  diagnoser: Diagnoser;
  directory: HostDirectory;
  notifier: Notifier;
  redactor: RedactPort;
  logger: Logger;
  observer?: DiagnoseObserver;
  /** Least time between two updates of the parent message. @defaultValue 1000 */
  progressIntervalMs?: number;
  /** Remediation buttons under each finding (remediation/offers.ts); none when absent. */
  offers?: OfferPort;
}

/** Makes the remediation offers shown under a finding (RemediationDesk.offersFor). */
export interface OfferPort {
  offersFor(host: string, finding: Finding, scope?: { containers?: readonly string[] }): Promise<RemediationOfferView[]>;
}

/**
 * Runs one `diagnose` job: posts (or continues) the parent message, diagnoses, redacts, updates
 * the parent into the summary and puts each finding in the thread. Non-retryable errors fail the
 * job at once (UnrecoverableError); others are retried with backoff and the parent says so.
 */
export function createDiagnoseProcessor(deps: DiagnoseProcessorDeps) {
  const { notifier, redactor, logger } = deps;
  return async function processDiagnose(job: Job): Promise<DiagnoseJobResult> {
    const parsed = DiagnoseJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const err = new BadJobDataError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      logger.error({ jobId: job.id, err }, 'dropping job with invalid data');
      throw new UnrecoverableError(err.message);
    }
    let data: DiagnoseJobData = parsed.data;
    const save = async (patch: Partial<DiagnoseJobData>): Promise<void> => {
      data = { ...data, ...patch };
      await job.updateData(data);
    };
    const quiet = data.fleetId !== undefined;
    const view: DiagnosisView = {
      host: data.host,
      playbook: data.playbook,
      requestedBy: data.requestedBy,
      phase: 'running',
      stepsDone: 0,
      stepsTotal: 0,
    };
    const log = logger.child({ jobId: job.id, host: data.host, playbook: data.playbook, attempt: job.attemptsMade + 1 });
    const started = Date.now();

    let parent: MessageRef | undefined = data.parent;
    if (!quiet && !parent) {
      // In an alert's incident thread the diagnosis is a reply there; otherwise a parent of its own.
      parent = data.thread ? await notifier.reply(data.thread, { kind: 'diagnosis', view }) : await notifier.post(data.channel, { kind: 'diagnosis', view });
      await save({ parent });
    } else if (parent) {
      log.info({ parent }, job.attemptsMade > 0 || job.stalledCounter > 0 ? 'continuing the thread of an earlier attempt' : 'continuing the parent the bot posted');
    }
    const target = parent;
    const progress = createThrottle<DiagnosisView>(
      (v) => (target ? notifier.update(target, { kind: 'diagnosis', view: v }) : Promise.resolve()),
      deps.progressIntervalMs ?? 1000,
    );
    const onProgress = (event: DiagnosisProgress): void => {
      if (event.kind !== 'step') return;
      if (event.status === 'timed_out') deps.observer?.stepTimedOut(event.step);
      Object.assign(view, { stepsDone: event.done, stepsTotal: event.total, lastStep: `${event.step} ${event.status}` });
      if (!quiet) progress.push({ ...view });
    };

    let report: AnalysisReport;
    try {
      const host = resolveExactly(deps.directory, data.host);
      const result = await deps.diagnoser.diagnose({ host, playbook: data.playbook, ...(data.params ? { params: data.params } : {}) }, onProgress);
      report = redactor.deep(result.report);
    } catch (err) {
      await progress.close();
      const final = !isRetryable(err) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // What the thread says (and, for an internal error, the reference the log line carries).
      const report = describeError(err);
      const message = redactor.text(errorText(report));
      const durationMs = Date.now() - started;
      deps.observer?.finished(final ? 'failed' : 'retrying', durationMs);
      log[final ? 'error' : 'warn'](
        { err: redactor.deep(serializeError(err)), ...('ref' in report ? { ref: report.ref } : {}) },
        final ? 'diagnosis failed' : 'diagnosis failed, will retry',
      );
      if (target) await notifier.update(target, { kind: 'diagnosis', view: { ...view, phase: final ? 'failed' : 'retrying', error: message, durationMs } });
      if (quiet && final) return { host: data.host, error: message, durationMs };
      if (!isRetryable(err)) throw new UnrecoverableError(message);
      // The reason is stored in Redis with the job: only redacted text goes there.
      throw new Error(redactor.text(err instanceof Error ? err.message : String(err)));
    }
    await progress.close();
    const durationMs = Date.now() - started;
    deps.observer?.finished('done', durationMs, report);
    log.info({ findings: report.findings.map((f) => f.code), durationMs }, 'diagnosis done');

    if (target) {
      await notifier.update(target, { kind: 'diagnosis', view: { ...view, phase: 'done', report, durationMs } });
      if (!data.threadPosted) {
        // Slack threads have one level: replies go under the thread's parent, not under a reply.
        await postThread(notifier, data.thread ?? target, data.host, report, deps.offers, data.containerFixesFor);
        await save({ threadPosted: true });
      }
    }
    return { host: data.host, report, durationMs };
  };
}

/**
 * One reply per finding code (every instance of it, with the fixes once) and its remediation
 * buttons; history ("earlier") gets no buttons. The Notifier decides how evidence is shown.
 */
export async function postThread(
  notifier: Notifier,
  parent: MessageRef,
  host: string,
  report: AnalysisReport,
  offers?: OfferPort,
  /** An alert's failed task: container-level fixes only for these containers. */
  containerFixesFor?: readonly string[],
): Promise<void> {
  const groups = groupFindings(report.findings);
  const scope = containerFixesFor ? { containers: containerFixesFor } : {};
  // Offers first, so that the replies go out back to back.
  const offered = offers
    ? await Promise.all(groups.map(async (g) => (g.earlier ? [] : (await Promise.all(g.instances.map((f) => offers.offersFor(host, f, scope)))).flat())))
    : [];
  for (const [index, group] of groups.entries()) {
    // The same fix for two instances (a prune for two full filesystems) is one button.
    const buttons = (offered[index] ?? []).filter((o, i, all) => all.findIndex((p) => p.title === o.title && p.commands.join('\n') === o.commands.join('\n')) === i);
    const [finding] = group.instances;
    if (!finding) continue;
    await notifier.reply(parent, {
      kind: 'finding',
      host,
      finding,
      ...(group.instances.length > 1 ? { instances: group.instances } : {}),
      ...(buttons.length ? { offers: buttons } : {}),
      ...(group.fixesGivenBefore.length ? { fixesGivenBefore: group.fixesGivenBefore } : {}),
    });
  }
}

function resolveExactly(directory: HostDirectory, name: string): HostRef {
  const host = hostNamed(directory, name);
  if (!host) throw new InputError('host_unknown', `${name} is not in the inventory of this worker.`);
  return host;
}

function isRetryable(err: unknown): boolean {
  return isBotError(err) ? err.retryable : true;
}

function serializeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack, code: isBotError(err) ? err.code : undefined };
  return { message: String(err) };
}
