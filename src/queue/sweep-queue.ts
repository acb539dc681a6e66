import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { z } from 'zod';
import { HostNameSchema, ZoneNameSchema, type HostDirectory, type HostRef } from '../domain/index.js';
import { SweepSchema, type SweepsConfig } from '../sweeps/index.js';
import { QueueSet } from './queue-set.js';

/** Capacity sweeps wait in their hosts' zone, like diagnoses: a worker there can reach them. */
export function sweepQueueName(zone: string): string {
  return `sweep-${zone}`;
}
/** A scheduler's tick: lists the sweep's hosts of the zone and queues one sample job each. */
export const SWEEP_TICK_JOB = 'tick';
/** One host's sample. */
export const SWEEP_SAMPLE_JOB = 'sample';
const SCHEDULER_PREFIX = 'sweep-';

export function sweepSchedulerId(sweep: string): string {
  return `${SCHEDULER_PREFIX}${sweep}`;
}

/** A host's sample of one tick: its id holds the tick, so a tick retried queues each host once. */
export function sweepSampleJobId(sweep: string, host: string, tick: number): string {
  return `sample-${sweep}-${host}-${tick}`;
}

export const SweepTickJobDataSchema = z.object({ sweep: SweepSchema, zone: ZoneNameSchema });
export type SweepTickJobData = z.infer<typeof SweepTickJobDataSchema>;
export const SweepSampleJobDataSchema = z.object({ sweep: SweepSchema, zone: ZoneNameSchema, host: HostNameSchema, tick: z.number().int().nonnegative() });
export type SweepSampleJobData = z.infer<typeof SweepSampleJobDataSchema>;

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: { count: 100 }, attempts: 1 } as const;

export interface SweepSchedulerOptions {
  connection: ConnectionOptions;
  prefix: string;
}

/**
 * The producer side of sweeps: one BullMQ job scheduler per sweep and zone. upsertJobScheduler is
 * idempotent on the scheduler id, so any number of bots may sync the same file: there is one
 * scheduler, and one tick per cron time, however many run.
 */
export class SweepScheduler {
  private readonly queues: QueueSet;

  constructor(options: SweepSchedulerOptions) {
    this.queues = new QueueSet(options);
  }

  queue(zone: string): Queue {
    return this.queues.get(sweepQueueName(zone));
  }

  /**
   * Makes Redis hold exactly the file's schedulers in every zone of the directory: each sweep in
   * the zones its target has hosts in; schedulers of sweeps no longer in the file are removed.
   * Sets each zone's global concurrency (at most N hosts sampled at once in a zone).
   */
  async sync(config: SweepsConfig, directory: HostDirectory): Promise<{ schedulers: number; zones: string[] }> {
    const zones = [...new Set(directory.list().map((h) => h.zone))].sort();
    const wanted = new Map<string, Set<string>>(zones.map((z) => [z, new Set<string>()]));
    let schedulers = 0;
    for (const sweep of config.sweeps) {
      for (const zone of new Set(this.hostsOf(directory, sweep.target).map((h) => h.zone))) {
        const data: SweepTickJobData = { sweep, zone };
        await this.queue(zone).upsertJobScheduler(
          sweepSchedulerId(sweep.name),
          { pattern: sweep.cron, ...(sweep.timezone ? { tz: sweep.timezone } : {}) },
          { name: SWEEP_TICK_JOB, data, opts: JOB_OPTIONS },
        );
        wanted.get(zone)?.add(sweepSchedulerId(sweep.name));
        schedulers += 1;
      }
    }
    for (const zone of zones) {
      const queue = this.queue(zone);
      await queue.setGlobalConcurrency(config.maxHostsPerZone);
      for (const s of await queue.getJobSchedulers()) {
        if (s.key.startsWith(SCHEDULER_PREFIX) && !wanted.get(zone)?.has(s.key)) await queue.removeJobScheduler(s.key);
      }
    }
    return { schedulers, zones };
  }

  /** A tick now, outside the schedule (tests, and an operator who wants a sample at once). */
  async runNow(config: SweepsConfig, directory: HostDirectory, name: string): Promise<number> {
    const sweep = config.sweeps.find((s) => s.name === name);
    if (!sweep) return 0;
    const zones = new Set(this.hostsOf(directory, sweep.target).map((h) => h.zone));
    for (const zone of zones) await this.queue(zone).add(SWEEP_TICK_JOB, { sweep, zone } satisfies SweepTickJobData, JOB_OPTIONS);
    return zones.size;
  }

  private hostsOf(directory: HostDirectory, target: string): readonly HostRef[] {
    try {
      return directory.resolve(target);
    } catch {
      // a tag nobody carries yet: no scheduler until the inventory has such a host
      return [];
    }
  }

  async close(): Promise<void> {
    await this.queues.close();
  }
}

/** Queues a tick's sample jobs: each host at its jitter offset (sweeps/jitter.ts). */
export async function queueSamples(queue: Pick<Queue, 'addBulk'>, data: SweepTickJobData, hosts: readonly HostRef[], tick: number, jitter: (host: string) => number): Promise<number> {
  const jobs = hosts.map((h) => ({
    name: SWEEP_SAMPLE_JOB,
    data: { sweep: data.sweep, zone: data.zone, host: h.name, tick } satisfies SweepSampleJobData,
    opts: { ...JOB_OPTIONS, jobId: sweepSampleJobId(data.sweep.name, h.name, tick), delay: jitter(h.name) * 1000 },
  }));
  if (jobs.length) await queue.addBulk(jobs);
  return jobs.length;
}

export interface SweepWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  zone: string;
  /** Samples one process takes at once (the zone's global concurrency caps all processes together). */
  concurrency: number;
  name?: string;
}

export function startSweepWorker(options: SweepWorkerOptions, processor: (job: Job) => Promise<unknown>): Worker {
  return new Worker(sweepQueueName(options.zone), processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...(options.name ? { name: options.name } : {}),
  });
}
