/**
 * Polls a Mesos master's `/master/state` for failed tasks. Agent host names come from the master's
 * agent list and container ids from the task's status; the storm's seen-task key makes repeated polls
 * of the same completed task harmless.
 */
import type { Clock } from '../domain/index.js';
import { AlertSourceError } from './alerts-errors.js';
import type { TaskState } from './failed-task.schema.js';
import { failedTasksFromMesosState, type NormalisedBatch } from './normalise.js';
import { silentLogger, type AlertLogger } from './ports.js';

export interface MesosPollerDeps {
  /** The master's base URL, e.g. `http://mesos.test.local:5050` (a non-leader redirects to the leader). */
  url: string;
  /** @defaultValue ['TASK_FAILED'] */
  states?: readonly TaskState[];
  /** @defaultValue 15000 */
  intervalMs?: number;
  /** Failures older than this are history, not alerts (the master keeps completed tasks for long). @defaultValue 600000 */
  maxAgeMs?: number;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  headers?: Readonly<Record<string, string>>;
  clock: Clock;
  /** Handles the failed tasks of one poll (the intake's `acceptBatch`). */
  onBatch(batch: NormalisedBatch): Promise<unknown>;
  logger?: AlertLogger;
}

export interface MesosPoller {
  /** One poll: fetch, normalise, drop old failures, hand the batch over. Throws AlertSourceError. */
  pollOnce(): Promise<NormalisedBatch>;
  start(): void;
  stop(): Promise<void>;
}

export function createMesosPoller(deps: MesosPollerDeps): MesosPoller {
  const logger = deps.logger ?? silentLogger;
  const states = deps.states ?? ['TASK_FAILED'];
  const maxAgeMs = deps.maxAgeMs ?? 600_000;
  const stateUrl = new URL('/master/state', deps.url);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function fetchState(): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(stateUrl, { headers: { Accept: 'application/json', ...deps.headers }, signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000) });
    } catch (cause) {
      throw new AlertSourceError(`cannot reach the Mesos master at ${stateUrl.origin}`, { cause });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AlertSourceError(`the Mesos master at ${stateUrl.origin} answered HTTP ${res.status} for /master/state`);
    }
    try {
      return await res.json();
    } catch (cause) {
      throw new AlertSourceError(`the Mesos master at ${stateUrl.origin} sent a /master/state that is not JSON`, { cause });
    }
  }

  const poller: MesosPoller = {
    async pollOnce() {
      const batch = failedTasksFromMesosState(await fetchState(), states);
      const oldest = deps.clock.now().getTime() - maxAgeMs;
      const fresh: NormalisedBatch = { tasks: batch.tasks.filter((t) => Date.parse(t.at) >= oldest), refused: batch.refused };
      await deps.onBatch(fresh);
      return fresh;
    },
    start() {
      if (timer) return;
      const tick = (): void => {
        running = poller.pollOnce().catch((err: unknown) => logger.warn({ err }, 'Mesos master poll failed'));
      };
      tick();
      timer = setInterval(tick, deps.intervalMs ?? 15_000);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
  return poller;
}
