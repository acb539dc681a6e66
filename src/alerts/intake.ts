/**
 * The alert pipeline every source feeds: de-duplicate, group into storms, post or update the thread,
 * start at most the allowed diagnoses, count the failure rate. Transport-free: marathon-sse.ts,
 * mesos-poller.ts and webhook.ts only move bytes into `accept`.
 */
import type { FailedTask } from './failed-task.schema.js';
import type { NormalisedBatch } from './normalise.js';
import { silentLogger, type AlertLogger, type ContainerResolver, type IncidentSink } from './ports.js';
import type { FailureRateMonitor } from './rate.js';
import type { StormGrouper } from './storm.js';

export interface AlertIntakeDeps {
  storm: StormGrouper;
  sink: IncidentSink;
  rate?: FailureRateMonitor;
  /** Finds the Docker container on the host; without one, diagnoses use the host playbook. */
  resolver?: ContainerResolver;
  /** Playbook for one container (param `container`). @defaultValue 'container' */
  containerPlaybook?: string;
  /** Playbook when the container cannot be resolved. @defaultValue 'docker-host' */
  hostPlaybook?: string;
  logger?: AlertLogger;
}

/** What happened to one accepted failure. */
export type IntakeOutcome = 'duplicate' | 'opened' | 'updated' | 'coalesced';

export interface IntakeSummary {
  accepted: number;
  duplicates: number;
  refused: string[];
}

export interface AlertIntake {
  accept(task: FailedTask): Promise<IntakeOutcome>;
  /** Accepts every task of a batch (in order) and logs the refused ones. */
  acceptBatch(batch: NormalisedBatch): Promise<IntakeSummary>;
  /** Posts digest updates that are now due and raises rate alerts; returns how many calls were made. */
  tick(): Promise<number>;
  /** Runs `tick` every `intervalMs` until `stop`. */
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

export function createAlertIntake(deps: AlertIntakeDeps): AlertIntake {
  const logger = deps.logger ?? silentLogger;
  const containerPlaybook = deps.containerPlaybook ?? 'container';
  const hostPlaybook = deps.hostPlaybook ?? 'docker-host';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function resolveContainer(task: FailedTask): Promise<string | undefined> {
    if (!deps.resolver) return undefined;
    try {
      return await deps.resolver.resolve(task);
    } catch (err) {
      logger.warn({ err, host: task.host, taskId: task.taskId }, 'could not resolve the task container; diagnosing the host instead');
      return undefined;
    }
  }

  async function diagnose(task: FailedTask, incidentId: string): Promise<void> {
    const container = await resolveContainer(task);
    await deps.sink.requestDiagnosis({
      incidentId,
      host: task.host,
      playbook: container ? containerPlaybook : hostPlaybook,
      params: container ? { container } : {},
      task,
    });
  }

  const intake: AlertIntake = {
    async accept(task) {
      const decision = await deps.storm.handle(task);
      if (decision.kind === 'duplicate') return 'duplicate';
      await deps.rate?.record(task);
      const { group } = decision;
      if (decision.thread !== 'coalesced') await deps.sink.openOrUpdateThread(group);
      if (decision.diagnosis === 'diagnose') await diagnose(task, group.incidentId);
      else if (decision.diagnosis === 'throttled') {
        logger.warn({ appId: task.appId, host: task.host }, 'diagnosis skipped: global diagnoses-per-minute limit reached');
      }
      return decision.thread === 'open' ? 'opened' : decision.thread === 'update' ? 'updated' : 'coalesced';
    },

    async acceptBatch(batch) {
      const summary: IntakeSummary = { accepted: 0, duplicates: 0, refused: batch.refused };
      for (const reason of batch.refused) logger.warn({ reason }, 'alert refused');
      for (const task of batch.tasks) {
        if ((await intake.accept(task)) === 'duplicate') summary.duplicates += 1;
        else summary.accepted += 1;
      }
      return summary;
    },

    async tick() {
      let calls = 0;
      for (const group of await deps.storm.flush()) {
        await deps.sink.openOrUpdateThread(group);
        calls += 1;
      }
      for (const alert of (await deps.rate?.check()) ?? []) {
        await deps.sink.raiseRateAlert(alert);
        calls += 1;
      }
      return calls;
    },

    start(intervalMs = 3_000) {
      if (timer) return;
      timer = setInterval(() => {
        running = intake.tick().catch((err: unknown) => logger.error({ err }, 'alert digest tick failed'));
      }, intervalMs);
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
  return intake;
}
