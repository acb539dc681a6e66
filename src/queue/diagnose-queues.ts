import { randomUUID } from 'node:crypto';
import { FlowProducer, Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { HostRef, MessageRef } from '../domain/index.js';
import { DIAGNOSE_JOB, diagnoseJobId, diagnoseQueueName, FLEET_JOB, FLEET_QUEUE, fleetJobId } from './job-ids.js';
import { DiagnoseJobDataSchema, FleetJobDataSchema, type DiagnoseJobData, type FleetJobData } from './jobs.schema.js';
import { QueueDownError } from './queue-errors.js';
import { QueueSet } from './queue-set.js';

export interface DiagnoseRequestInput {
  host: HostRef;
  /** The parent message, when the requester posted it already (the bot does, so the channel hears at once). */
  parent?: MessageRef;
  playbook: string;
  requestedBy: string;
  channel: string;
  /** Playbook params, e.g. `{ container: <docker id> }` for the `container` playbook. */
  params?: Readonly<Record<string, string>>;
  /** Reply under this existing message (an alert incident thread) instead of posting a new parent. */
  thread?: MessageRef;
  /** Container-level fixes are offered only for these containers (an alert's failed task); none when empty. */
  containerFixesFor?: readonly string[];
}

export type EnqueueOutcome =
  | { status: 'queued'; jobId: string }
  /** Someone already asked: this request joins the running job; `parent` is its thread once posted. */
  | { status: 'joined'; jobId: string; requestedBy: string; channel: string; parent?: MessageRef };

export interface ZoneStatus {
  zone: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  workers: number;
  running: string[];
}

export interface DiagnoseQueuesOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Attempts for retryable failures (timeouts, connection resets). @defaultValue 3 */
  attempts?: number;
  /** Longest wait for Redis before a request is answered with "queue is down" (ms). @defaultValue 2000 */
  redisTimeoutMs?: number;
}

const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/** The producer side of the diagnose queues: enqueue with join-on-duplicate, fleet runs, status. */
export class DiagnoseQueues {
  private readonly queues: QueueSet;
  private flow: FlowProducer | undefined;
  private readonly jobOptions: JobsOptions;

  constructor(private readonly options: DiagnoseQueuesOptions) {
    this.queues = new QueueSet(options);
    this.jobOptions = {
      attempts: options.attempts ?? 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  queue(name: string): Queue {
    return this.queues.get(name);
  }

  /** Queues a diagnosis, or joins the one already queued or running for the same host and playbook. */
  async request(input: DiagnoseRequestInput): Promise<EnqueueOutcome> {
    const data: DiagnoseJobData = DiagnoseJobDataSchema.parse({
      requestId: randomUUID(),
      host: input.host.name,
      zone: input.host.zone,
      playbook: input.playbook,
      requestedBy: input.requestedBy,
      channel: input.channel,
      requestedAt: new Date().toISOString(),
      ...(input.params && Object.keys(input.params).length ? { params: { ...input.params } } : {}),
      ...(input.thread ? { thread: input.thread } : {}),
      ...(input.parent ? { parent: input.parent } : {}),
      ...(input.containerFixesFor ? { containerFixesFor: [...input.containerFixesFor] } : {}),
    });
    const jobId = diagnoseJobId(input.host.name, input.playbook, input.params);
    const queue = this.queue(diagnoseQueueName(input.host.zone));
    return this.guard(async () => {
      // Two round trips in the common case: add() is atomic on the job id (an existing id adds
      // nothing), and the stored data says whose job it is.
      for (let round = 0; round < 2; round += 1) {
        await queue.add(DIAGNOSE_JOB, data, { ...this.jobOptions, jobId });
        const stored = await queue.getJob(jobId);
        if (!stored || (stored.data as Partial<DiagnoseJobData>).requestId === data.requestId) return { status: 'queued', jobId } as const;
        if (LIVE_STATES.has(await stored.getState())) return joined(jobId, stored.data);
        // A finished job kept under the same id (removeOnComplete normally prevents it): make room, try again.
        await stored.remove().catch(() => undefined);
      }
      return { status: 'queued', jobId } as const;
    });
  }

  /** The queued or running diagnosis of this host and playbook (no params), to join it; undefined when there is none. */
  async live(host: HostRef, playbook: string): Promise<Extract<EnqueueOutcome, { status: 'joined' }> | undefined> {
    const jobId = diagnoseJobId(host.name, playbook);
    const queue = this.queue(diagnoseQueueName(host.zone));
    return this.guard(async () => {
      const job = await queue.getJob(jobId);
      if (!job || !LIVE_STATES.has(await job.getState())) return undefined;
      return joined(jobId, job.data) as Extract<EnqueueOutcome, { status: 'joined' }>;
    });
  }

  /** A fleet run: one host job per host (in its zone's queue) under a summary job that runs when all are done. */
  async requestFleet(input: { tag: string; hosts: readonly HostRef[]; playbook: string; requestedBy: string; channel: string }): Promise<EnqueueOutcome> {
    const requestId = randomUUID();
    const requestedAt = new Date().toISOString();
    const data: FleetJobData = FleetJobDataSchema.parse({
      requestId,
      tag: input.tag,
      playbook: input.playbook,
      requestedBy: input.requestedBy,
      channel: input.channel,
      requestedAt,
      hosts: input.hosts.map((h) => h.name),
    });
    const jobId = fleetJobId(input.tag, input.playbook);
    const queue = this.queue(FLEET_QUEUE);
    return this.guard(async () => {
      const existing = await queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (LIVE_STATES.has(state)) return joined(jobId, existing.data);
        await existing.remove({ removeChildren: true }).catch(() => undefined);
      }
      this.flow ??= new FlowProducer({ connection: this.options.connection, prefix: this.options.prefix });
      await this.flow.add({
        name: FLEET_JOB,
        queueName: FLEET_QUEUE,
        data,
        opts: { ...this.jobOptions, jobId },
        children: input.hosts.map((host) => ({
          name: DIAGNOSE_JOB,
          queueName: diagnoseQueueName(host.zone),
          data: DiagnoseJobDataSchema.parse({
            requestId,
            host: host.name,
            zone: host.zone,
            playbook: input.playbook,
            requestedBy: input.requestedBy,
            channel: input.channel,
            requestedAt,
            fleetId: jobId,
          }),
          // A host that cannot be diagnosed is reported in the summary; it does not block it.
          opts: { ...this.jobOptions, jobId: `${jobId}-${host.name}`, ignoreDependencyOnFailure: true },
        })),
      });
      return { status: 'queued', jobId };
    });
  }

  /** Queue depth, running jobs and workers per zone. */
  async status(zones: readonly string[]): Promise<ZoneStatus[]> {
    return this.guard(() =>
      Promise.all(
        [...zones].sort().map(async (zone) => {
          const queue = this.queue(diagnoseQueueName(zone));
          const [counts, active, workers] = await Promise.all([
            queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'),
            queue.getActive(0, 19),
            queue.getWorkersCount(),
          ]);
          return {
            zone,
            waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            failed: counts.failed ?? 0,
            workers,
            running: active.map((job) => String((job.data as Partial<DiagnoseJobData>).host ?? job.id)),
          };
        }),
      ),
    );
  }

  /** Every Redis call has a deadline: a request is answered "queue is down" rather than left hanging. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    const timeoutMs = this.options.redisTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueDownError(new Error(`no answer from Redis in ${timeoutMs} ms`))), timeoutMs);
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (err) {
      if (err instanceof QueueDownError) throw err;
      if (isRedisConnectionError(err)) throw new QueueDownError(err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.queues.close();
    await this.flow?.close();
  }
}

function joined(jobId: string, raw: unknown): EnqueueOutcome {
  const data = raw as Partial<DiagnoseJobData>;
  return {
    status: 'joined',
    jobId,
    requestedBy: data.requestedBy ?? 'someone',
    channel: data.channel ?? '',
    ...(data.parent ? { parent: data.parent } : {}),
  };
}

/** ioredis errors when Redis is not there: refused, reset, offline queue disabled, retries exhausted. */
export function isRedisConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code) ||
    /enableOfflineQueue|Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|ECONNREFUSED/i.test(err.message) ||
    err.name === 'MaxRetriesPerRequestError'
  );
}
