/**
 * Mesos v1 operator API client: `SUBSCRIBE` on the leading master (apache/mesos
 * docs/operator-http-api.md), a RecordIO stream of `mesos.v1.master.Event`s. TASK_UPDATED of a
 * configured state becomes a report with the status's state, reason, source, message and time and
 * the agent's id and host name (from the SUBSCRIBED snapshot, AGENT_ADDED, else GET_AGENTS; the
 * task's name from TASK_ADDED, else GET_TASKS). A master that is not the leader answers
 * `307 Location: //leader:5050/api/v1` (src/master/http.cpp `redirect`), which is followed; when the
 * stream ends (master failover) or stays silent past 5 heartbeats, the client subscribes again with
 * backoff, to the leader it knew first, then to each configured master, and so reaches the new leader.
 * The SUBSCRIBED snapshot's recent failures are reported too, so that a failure during the gap is not
 * lost (the storm's seen-task key drops the ones already handled).
 */
import type { Clock } from '../domain/index.js';
import { AlertSourceError, AlertStreamError } from './alerts-errors.js';
import type { FailedTask, TaskState } from './failed-task.schema.js';
import { backoffDelay, type BackoffOptions } from './marathon-sse.js';
import { MesosV1EventSchema, MesosV1ResponseSchema, type MesosV1Event, type MesosV1GetAgents, type MesosV1Task } from './mesos.schema.js';
import { appIdFromTaskId, fromMesosV1Status, type MesosV1TaskFacts } from './normalise.js';
import { silentLogger, type AlertLogger } from './ports.js';
import { RecordIoParser } from './recordio.js';

/** 5 × the master's default 15 s heartbeat, as the operator API docs advise. */
export const DEFAULT_MESOS_IDLE_TIMEOUT_MS = 75_000;
const MAX_REDIRECTS = 3;

export interface MesosSubscriberDeps {
  /** Master base URLs, e.g. `http://mesos-1.example:5050`; any of them leads to the leader. */
  masters: readonly string[];
  /** @defaultValue ['TASK_FAILED'] */
  states?: readonly TaskState[];
  /** Snapshot failures older than this are history, not alerts. @defaultValue 600000 */
  maxAgeMs?: number;
  /** No event (not even a heartbeat) this long: drop and subscribe again. The master's own interval × 5 wins. */
  idleTimeoutMs?: number;
  /** Largest RecordIO record (the SUBSCRIBED snapshot of a big cluster is the largest). @defaultValue 256 MiB */
  maxRecordBytes?: number;
  /** Timeout of GET_AGENTS / GET_TASKS and of the SUBSCRIBE response's headers. @defaultValue 10000 */
  callTimeoutMs?: number;
  headers?: Readonly<Record<string, string>>;
  backoff?: BackoffOptions;
  random?: () => number;
  clock: Clock;
  /** Handles one failed task (the intake's `accept`), in stream order, one at a time. */
  onTask(task: FailedTask): Promise<unknown>;
  onRefused?(reason: string): void;
  /**
   * Every master answered as one without the v1 operator API (Mesos before 1.0): called once, and the
   * subscriber stops (the caller polls /master/state instead). Without it, the subscriber keeps trying.
   */
  onNoV1Api?(): void;
  logger?: AlertLogger;
}

export interface MesosSubscriberStats {
  subscribes: number;
  events: number;
  failures: number;
  drops: number;
  /** The master whose stream is read now (after redirects). */
  leader?: string;
}

/** How one subscription attempt ended. */
type SubscribeOutcome = 'streamed' | 'no_v1_api' | 'failed';

export interface MesosSubscriber {
  start(): void;
  stop(): Promise<void>;
  readonly stats: Readonly<MesosSubscriberStats>;
}

/** HTTP answers of a master that predates the v1 operator API (Mesos < 1.0) or has it disabled. */
const NO_V1 = new Set([404, 405, 415, 501]);

function idOf(value: { value: string } | undefined): string | undefined {
  return value?.value;
}

export function createMesosSubscriber(deps: MesosSubscriberDeps): MesosSubscriber {
  const logger = deps.logger ?? silentLogger;
  const states = new Set<string>(deps.states ?? ['TASK_FAILED']);
  const maxAgeMs = deps.maxAgeMs ?? 600_000;
  const random = deps.random ?? Math.random;
  const callTimeoutMs = deps.callTimeoutMs ?? 10_000;
  const stats: MesosSubscriberStats = { subscribes: 0, events: 0, failures: 0, drops: 0 };
  const agents = new Map<string, string>();
  const tasks = new Map<string, { name: string; frameworkId?: string; executorId?: string }>();

  let stopped = true;
  let attempt = 0;
  let leader: string | undefined;
  let current: AbortController | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let idleMs = deps.idleTimeoutMs ?? DEFAULT_MESOS_IDLE_TIMEOUT_MS;
  let chain: Promise<void> = Promise.resolve();
  let loop: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;

  const apiUrl = (base: string): string => new URL('/api/v1', base).toString();

  /** POSTs a call to a master, following its redirect to the leader; the final response and URL. */
  async function call(base: string, type: string, signal: AbortSignal): Promise<{ res: Response; url: string }> {
    let url = apiUrl(base);
    for (let hop = 0; ; hop += 1) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...deps.headers },
        body: JSON.stringify({ type }),
        redirect: 'manual',
        signal,
      });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS) {
        await res.body?.cancel();
        // Mesos answers with a protocol-relative URL (//leader:5050/api/v1): resolve it against this one.
        url = new URL(location, url).toString();
        continue;
      }
      return { res, url };
    }
  }

  /** GET_AGENTS / GET_TASKS on the leader; refreshes what is known of agents and tasks. */
  async function refresh(type: 'GET_AGENTS' | 'GET_TASKS'): Promise<void> {
    const base = leader ?? deps.masters[0];
    if (!base) return;
    try {
      const { res } = await call(base, type, AbortSignal.timeout(callTimeoutMs));
      if (!res.ok) {
        await res.body?.cancel();
        throw new AlertSourceError(`the Mesos master answered HTTP ${res.status} to ${type}`);
      }
      const parsed = MesosV1ResponseSchema.safeParse(await res.json());
      if (!parsed.success) throw new AlertSourceError(`the Mesos master's ${type} answer is not of the documented shape`);
      if (parsed.data.get_agents) learnAgents(parsed.data.get_agents);
      if (parsed.data.get_tasks) {
        for (const task of [...parsed.data.get_tasks.tasks, ...parsed.data.get_tasks.completed_tasks, ...parsed.data.get_tasks.unreachable_tasks]) learnTask(task);
      }
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err), call: type }, 'Mesos master call failed');
    }
  }

  function learnAgents(list: MesosV1GetAgents): void {
    for (const agent of list.agents) {
      const id = idOf(agent.agent_info.id);
      if (id) agents.set(id, agent.agent_info.hostname);
    }
  }

  function learnTask(task: MesosV1Task): void {
    const frameworkId = idOf(task.framework_id);
    const executorId = idOf(task.executor_id);
    tasks.set(task.task_id.value, { name: task.name, ...(frameworkId ? { frameworkId } : {}), ...(executorId ? { executorId } : {}) });
    if (tasks.size > 100_000) tasks.delete(tasks.keys().next().value as string);
  }

  function enqueue(work: () => Promise<unknown>, taskId: string): void {
    chain = chain.then(work).then(
      () => undefined,
      (err: unknown) => logger.error({ err, taskId }, 'failed task could not be handled'),
    );
  }

  /** A failed task: its agent's host name and name looked up when unknown, then handed over in order. */
  function report(facts: MesosV1TaskFacts, state: string, status: Parameters<typeof fromMesosV1Status>[2]): void {
    stats.failures += 1;
    const receivedAt = deps.clock.now();
    enqueue(async () => {
      if (facts.agentId && !agents.has(facts.agentId)) await refresh('GET_AGENTS');
      // the task's name is needed only when its id does not say the app (Marathon's ids do)
      if (!tasks.has(facts.taskId) && !appIdFromTaskId(facts.taskId)) await refresh('GET_TASKS');
      const task = tasks.get(facts.taskId);
      const full: MesosV1TaskFacts = {
        ...facts,
        ...(task?.name ? { name: task.name } : {}),
        ...(facts.frameworkId ?? task?.frameworkId ? { frameworkId: facts.frameworkId ?? task?.frameworkId } : {}),
        ...(facts.executorId ?? task?.executorId ? { executorId: facts.executorId ?? task?.executorId } : {}),
        ...(facts.agentId && agents.has(facts.agentId) ? { hostname: agents.get(facts.agentId) } : {}),
      };
      const result = fromMesosV1Status(full, state, status, receivedAt);
      if (!result.ok) {
        logger.warn({ reason: result.reason }, 'Mesos task update refused');
        deps.onRefused?.(result.reason);
        return;
      }
      await deps.onTask(result.task);
    }, facts.taskId);
  }

  function handle(event: MesosV1Event): void {
    stats.events += 1;
    if (event.type === 'SUBSCRIBED' && event.subscribed) {
      const interval = event.subscribed.heartbeat_interval_seconds;
      if (interval && interval > 0) idleMs = Math.max(idleMs, interval * 5_000);
      const state = event.subscribed.get_state;
      if (state?.get_agents) learnAgents(state.get_agents);
      const snapshot = state?.get_tasks;
      if (!snapshot) return;
      const oldest = deps.clock.now().getTime() - maxAgeMs;
      for (const task of [...snapshot.tasks, ...snapshot.completed_tasks, ...snapshot.unreachable_tasks]) {
        learnTask(task);
        const state = task.state;
        if (!state || !states.has(state)) continue;
        const status = task.statuses.filter((s) => s.state === state).sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0))[0];
        if ((status?.timestamp ?? 0) * 1000 < oldest) continue;
        report(factsOf(task), state, status);
      }
      return;
    }
    if (event.type === 'AGENT_ADDED' && event.agent_added) {
      learnAgents({ agents: [event.agent_added.agent] });
      return;
    }
    if (event.type === 'TASK_ADDED' && event.task_added) {
      learnTask(event.task_added.task);
      return;
    }
    if (event.type === 'TASK_UPDATED' && event.task_updated) {
      const update = event.task_updated;
      if (!states.has(update.state)) return;
      const taskId = idOf(update.status?.task_id) ?? idOf(update.task_id);
      if (!taskId) return;
      const agentId = idOf(update.status?.agent_id) ?? idOf(update.agent_id);
      const frameworkId = idOf(update.framework_id);
      const executorId = idOf(update.status?.executor_id) ?? idOf(update.executor_id);
      report(
        { taskId, ...(agentId ? { agentId } : {}), ...(frameworkId ? { frameworkId } : {}), ...(executorId ? { executorId } : {}) },
        update.state,
        update.status,
      );
    }
  }

  function factsOf(task: MesosV1Task): MesosV1TaskFacts {
    const agentId = idOf(task.agent_id);
    const frameworkId = idOf(task.framework_id);
    const executorId = idOf(task.executor_id);
    return { taskId: task.task_id.value, name: task.name, ...(agentId ? { agentId } : {}), ...(frameworkId ? { frameworkId } : {}), ...(executorId ? { executorId } : {}) };
  }

  function resetIdle(controller: AbortController): void {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const err = new AlertStreamError('alert_stream_idle', `no event from the Mesos master for ${idleMs / 1000} s, not even a heartbeat; dropped the subscription`);
      controller.abort(err);
    }, idleMs);
  }

  /** The masters to try, the last known leader first. */
  function candidates(): string[] {
    return [...new Set([...(leader ? [leader] : []), ...deps.masters])];
  }

  /** One subscription: tries each master until one streams; reads the stream until it ends. */
  async function subscribeOnce(): Promise<SubscribeOutcome> {
    const controller = new AbortController();
    current = controller;
    let noV1 = 0;
    const problems: string[] = [];
    for (const base of candidates()) {
      if (controller.signal.aborted) return 'failed';
      let res: Response;
      let url: string;
      const headersTimer = setTimeout(() => controller.abort(new Error('no response to SUBSCRIBE')), callTimeoutMs);
      try {
        ({ res, url } = await call(base, 'SUBSCRIBE', controller.signal));
      } catch (err) {
        problems.push(`${new URL(base).host}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      } finally {
        clearTimeout(headersTimer);
      }
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        if (NO_V1.has(res.status)) noV1 += 1;
        // 503 "No leader elected": a master between leaders; the next one may know.
        problems.push(`${new URL(url).host}: HTTP ${res.status}`);
        continue;
      }
      const origin = new URL(url).origin;
      if (leader !== origin) logger.info({ leader: origin, previous: leader }, 'Mesos: subscribed to the leading master (v1 operator API)');
      leader = origin;
      stats.leader = origin;
      stats.subscribes += 1;
      await read(res.body, controller);
      return 'streamed';
    }
    if (noV1 > 0 && noV1 === candidates().length) return 'no_v1_api';
    logger.warn({ problems }, 'Mesos: no master accepted SUBSCRIBE');
    return 'failed';
  }

  async function read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<void> {
    const parser = new RecordIoParser(deps.maxRecordBytes ?? 256 * 1024 * 1024);
    const reader = body.getReader();
    resetIdle(controller);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        resetIdle(controller);
        for (const record of parser.push(value)) {
          let payload: unknown;
          try {
            payload = JSON.parse(record.toString('utf8'));
          } catch {
            logger.warn({ excerpt: record.toString('utf8', 0, 60) }, 'Mesos event is not JSON');
            continue;
          }
          const parsed = MesosV1EventSchema.safeParse(payload);
          if (parsed.success) {
            attempt = 0;
            handle(parsed.data);
          } else logger.warn({ type: (payload as { type?: unknown } | null)?.type }, 'Mesos event not of the documented shape');
        }
        if (parser.failure) {
          controller.abort(parser.failure);
          break;
        }
      }
    } catch (err) {
      const reason = controller.signal.reason as unknown;
      if (!stopped) logger.warn({ why: reason instanceof Error ? reason.message : err instanceof Error ? err.message : String(err) }, 'Mesos event stream dropped');
    } finally {
      clearTimeout(idleTimer);
      reader.releaseLock();
      await body.cancel().catch(() => undefined);
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const outcome = await subscribeOnce();
      if (stopped) return;
      if (outcome === 'no_v1_api' && deps.onNoV1Api) {
        stopped = true;
        deps.onNoV1Api();
        return;
      }
      stats.drops += 1;
      const delay = backoffDelay(attempt, deps.backoff ?? {}, random);
      attempt += 1;
      logger.warn({ outcome, delayMs: delay, attempt, leader }, 'Mesos subscription ended; subscribing again');
      await new Promise<void>((resolve) => {
        wake = resolve;
        retryTimer = setTimeout(resolve, delay);
      });
      wake = undefined;
    }
  }

  return {
    stats,
    start() {
      if (!stopped) return;
      stopped = false;
      loop = run();
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(idleTimer);
      wake?.();
      current?.abort();
      await loop;
      await chain;
    },
  };
}

export interface MesosSourceDeps extends Omit<MesosSubscriberDeps, 'onNoV1Api'> {
  /** `auto`: SUBSCRIBE, and poll /master/state only when the master has no v1 API. @defaultValue 'auto' */
  api?: 'auto' | 'v1' | 'state';
  /** Starts the /master/state poller (the fallback). */
  startPolling(): void;
}

/** The Mesos source `sickbay intake` runs: the v1 subscriber, or the poller for masters without v1; logs which. */
export function createMesosSource(deps: MesosSourceDeps): { start(): void; stop(): Promise<void>; readonly stats: Readonly<MesosSubscriberStats>; mode(): 'v1' | 'state' } {
  const logger = deps.logger ?? silentLogger;
  let mode: 'v1' | 'state' = deps.api === 'state' ? 'state' : 'v1';
  const subscriber = createMesosSubscriber({
    ...deps,
    ...(deps.api === 'v1'
      ? {}
      : {
          onNoV1Api: () => {
            mode = 'state';
            logger.warn({ masters: deps.masters }, 'Mesos: the master has no v1 operator API; polling /master/state instead');
            deps.startPolling();
          },
        }),
  });
  return {
    stats: subscriber.stats,
    mode: () => mode,
    start() {
      if (mode === 'state') {
        logger.info({ masters: deps.masters }, 'Mesos: polling /master/state (MESOS_API=state)');
        deps.startPolling();
      } else {
        logger.info({ masters: deps.masters, api: deps.api ?? 'auto' }, 'Mesos: subscribing to the v1 operator API');
        subscriber.start();
      }
    },
    stop: () => subscriber.stop(),
  };
}
