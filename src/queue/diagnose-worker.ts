import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { diagnoseQueueName, FLEET_QUEUE } from './job-ids.js';

export interface DiagnoseWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  zone: string;
  concurrency: number;
  /** Lock time; a worker that dies loses its lock after this and the job is taken over. @defaultValue 30000 */
  lockDurationMs?: number;
  /** How often to look for stalled jobs. @defaultValue 15000 */
  stalledIntervalMs?: number;
  /** Shown by `/diag status` and CLIENT LIST. */
  name?: string;
}

export interface DiagnoseWorkers {
  readonly workers: readonly Worker[];
  close(): Promise<void>;
}

/**
 * Workers for one zone's diagnose queue and for fleet summaries. Any number of processes on any number
 * of machines may run these; BullMQ's locks give each job to one of them, and its stalled-job check
 * hands the job of a dead worker to a live one.
 */
export function startDiagnoseWorkers(
  options: DiagnoseWorkerOptions,
  processors: { diagnose: (job: Job) => Promise<unknown>; fleet: (job: Job) => Promise<unknown> },
): DiagnoseWorkers {
  const common = {
    connection: options.connection,
    prefix: options.prefix,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 15_000,
    maxStalledCount: 2,
    ...(options.name ? { name: options.name } : {}),
  };
  const workers = [
    new Worker(diagnoseQueueName(options.zone), processors.diagnose, { ...common, concurrency: options.concurrency }),
    new Worker(FLEET_QUEUE, processors.fleet, { ...common, concurrency: 2 }),
  ];
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
