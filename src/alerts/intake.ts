/**
 * The alert pipeline every source feeds: de-duplicate, group into storms, post or update the thread,
 * start at most the allowed diagnoses, count the failure rate. Transport-free: marathon-sse.ts,
 * mesos-poller.ts and webhook.ts only move bytes into `accept`.
 */
import { hostNamedOrAt, type HostDirectory } from '../domain/index.js';
import type { FailedTask } from './failed-task.schema.js';
import type { NormalisedBatch } from './normalise.js';
import { silentLogger, type AlertLogger, type ContainerLookup, type ContainerResolver, type IncidentSink } from './ports.js';
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
  /**
   * The inventory an alert's host labels are mapped onto (first label, in the configured order, that
   * names an inventory host by name or address). Without it, the first host label is taken as is.
   */
  directory?: Pick<HostDirectory, 'list'>;
  logger?: AlertLogger;
}

/** What happened to one accepted failure; `resolved` edited a thread, `unmatched` was a resolved alert without one. */
export type IntakeOutcome = 'duplicate' | 'opened' | 'updated' | 'coalesced' | 'resolved' | 'unmatched';

/**
 * PURE: an alert's host, from its host labels in order: the first that names an inventory host. When
 * none does, the report keeps no host (nothing is connected to) and says in `missing` which were tried.
 */
export function mapAlertHost(task: FailedTask, directory?: Pick<HostDirectory, 'list'>): FailedTask {
  const candidates = task.hostCandidates;
  if (task.host !== undefined || !candidates?.length) return task;
  if (!directory) return { ...task, host: candidates[0]?.value };
  for (const candidate of candidates) {
    const host = hostNamedOrAt(directory, candidate.value);
    if (host) return { ...task, host: host.name };
  }
  const tried = candidates.map((c) => `${c.label}=${c.value}`).join(', ');
  const note = `host: ${tried} ${candidates.length === 1 ? 'is not a host' : 'are not hosts'} of sickbay's inventory (by name or address)`;
  return { ...task, missing: [...(task.missing ?? []), note].slice(0, 8) };
}

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

  async function lookUpContainer(task: FailedTask): Promise<ContainerLookup> {
    if (!deps.resolver) return { kind: 'unavailable', reason: 'this intake does not look containers up' };
    try {
      return await deps.resolver.resolve(task);
    } catch (err) {
      logger.warn({ err, host: task.host, taskId: task.taskId }, 'could not resolve the task container; diagnosing the host instead');
      return { kind: 'unavailable', reason: `docker ps could not be run on the host (${err instanceof Error ? err.message : String(err)})`.slice(0, 300) };
    }
  }

  async function diagnose(task: FailedTask & { host: string }, incidentId: string): Promise<void> {
    const container = await lookUpContainer(task);
    const found = container.kind === 'found';
    await deps.sink.requestDiagnosis({
      incidentId,
      host: task.host,
      playbook: found ? containerPlaybook : hostPlaybook,
      params: found ? { container: container.id } : {},
      task,
      container,
      // A report about a task or container: fixes only for that container, none when it is not found.
      ...(container.kind === 'not_applicable' ? {} : { containerFixesFor: found ? [container.id] : [] }),
    });
  }

  const intake: AlertIntake = {
    async accept(reported) {
      const task = mapAlertHost(reported, deps.directory);
      if (task.alert?.resolved) {
        const outcome = await deps.storm.resolve(task);
        if (outcome.kind === 'duplicate') return 'duplicate';
        if (!outcome.group) {
          logger.info({ group: task.group, alert: task.alert.name }, 'resolved alert without a thread still kept; nothing to update');
          return 'unmatched';
        }
        await deps.sink.openOrUpdateThread(outcome.group);
        return 'resolved';
      }
      const decision = await deps.storm.handle(task);
      if (decision.kind === 'duplicate') return 'duplicate';
      // The rate counts failed tasks of an app, not alerts about hosts.
      if (task.appId !== undefined && task.taskId !== undefined) await deps.rate?.record({ ...task, appId: task.appId, taskId: task.taskId });
      const { group } = decision;
      if (decision.thread !== 'coalesced') await deps.sink.openOrUpdateThread(group);
      if (decision.diagnosis === 'diagnose' && task.host !== undefined) await diagnose({ ...task, host: task.host }, group.incidentId);
      else if (decision.diagnosis === 'throttled') {
        logger.warn({ group: group.group, host: task.host }, 'diagnosis skipped: global diagnoses-per-minute limit reached');
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
