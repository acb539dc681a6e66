import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { z } from 'zod';
import { HostNameSchema, ZoneNameSchema } from '../domain/index.js';
import { REQUEST_ID_PATTERN } from '../remediation/index.js';
import { ChatIdSchema } from '../domain/index.js';
import { MessageRefSchema } from './jobs.schema.js';
import { QueueSet } from './queue-set.js';

/** Approved remediations wait in their host's zone, for a worker that can reach the host. */
export const REMEDIATE_QUEUE = 'remediate';

export function remediateQueueName(zone: string): string {
  return `${REMEDIATE_QUEUE}-${zone}`;
}
export const REMEDIATE_JOB = 'remediate';

/** One job per approval request, ever: a double click, a replayed request or two approvers enqueue it once. */
export function remediateJobId(requestId: string): string {
  return `remediate-${requestId}`;
}

/** The data of a `remediate` job. The plan itself is read from the approval store, never from here. */
export const RemediateJobDataSchema = z.object({
  requestId: z.string().regex(REQUEST_ID_PATTERN),
  /** For logs and routing only: the worker runs on the host recorded with the request. */
  host: HostNameSchema,
  /** The host's zone: only workers of that zone can reach it. */
  zone: ZoneNameSchema,
  approvedBy: ChatIdSchema,
  /** The diagnosis thread, where the output and the verdict go. */
  thread: MessageRefSchema,
  /** The approval request's message, updated to running and done. */
  approval: MessageRefSchema,
  /** Approvals the policy asked for (shown on the approval message). */
  required: z.number().int().min(1),
});
export type RemediateJobData = z.infer<typeof RemediateJobDataSchema>;

export interface RemediateQueueOptions {
  connection: ConnectionOptions;
  prefix: string;
}

/** The producer side: the bot enqueues an approved request. */
export class RemediateQueue {
  private readonly queues: QueueSet;

  constructor(options: RemediateQueueOptions) {
    this.queues = new QueueSet(options);
  }

  /** The queue of one zone, made on first use. */
  queue(zone: string): Queue {
    return this.queues.get(remediateQueueName(zone));
  }

  /** Adds the job; a job with the request's id already there is left as it is (BullMQ adds nothing). */
  async enqueue(input: RemediateJobData): Promise<{ jobId: string }> {
    const data = RemediateJobDataSchema.parse(input);
    const jobId = remediateJobId(data.requestId);
    // A fix is never retried by the queue: the approval store refuses a second run anyway.
    // Finished jobs stay a day, so that a replay within it finds the id taken.
    await this.queue(data.zone).add(REMEDIATE_JOB, data, { jobId, attempts: 1, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 86_400 } });
    return { jobId };
  }

  async close(): Promise<void> {
    await this.queues.close();
  }
}

export interface RemediateWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** The zone whose hosts this worker reaches. */
  zone: string;
  /** @defaultValue 2 */
  concurrency?: number;
  /** @defaultValue 120000: a fix may take minutes; the lock is renewed while it runs. */
  lockDurationMs?: number;
  name?: string;
}

export function startRemediateWorker(options: RemediateWorkerOptions, processor: (job: Job) => Promise<unknown>): Worker {
  return new Worker(remediateQueueName(options.zone), processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 2,
    lockDuration: options.lockDurationMs ?? 120_000,
    // A fix whose worker died is not run again: the claim in Redis already says "running".
    maxStalledCount: 0,
    ...(options.name ? { name: options.name } : {}),
  });
}
