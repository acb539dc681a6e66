import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { hostNamed, isBotError, type Clock, type Diagnoser, type HostDirectory, type HostRef, type Notifier } from '../../domain/index.js';
import { jitterSeconds, sweepHost, type SweepHostResult, type SweepObserver } from '../../sweeps/index.js';
import { queueSamples, SWEEP_SAMPLE_JOB, SWEEP_TICK_JOB, SweepSampleJobDataSchema, SweepTickJobDataSchema } from '../sweep-queue.js';

export interface SweepProcessorDeps {
  diagnoser: Diagnoser;
  /** The worker's hosts: a tick samples those of its zone that the sweep's target names. */
  directory: HostDirectory;
  redis: Redis;
  prefix: string;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  /** The zone's sweep queue, where a tick puts its sample jobs. */
  queue: Pick<Queue, 'addBulk'>;
  observer?: SweepObserver;
}

/** Runs the jobs of a zone's sweep queue: ticks fan out to sample jobs; a sample sweeps one host. */
export function createSweepProcessor(deps: SweepProcessorDeps) {
  return async function processSweep(job: Job): Promise<{ queued: number } | SweepHostResult> {
    if (job.name === SWEEP_TICK_JOB) {
      const parsed = SweepTickJobDataSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`sweep tick data invalid: ${parsed.error.message}`);
      const { sweep, zone } = parsed.data;
      let hosts: readonly HostRef[];
      try {
        hosts = deps.directory.resolve(sweep.target).filter((h) => h.zone === zone);
      } catch {
        hosts = [];
      }
      const queued = await queueSamples(deps.queue, parsed.data, hosts, job.timestamp, (h) => jitterSeconds(sweep.name, h, sweep.jitterSeconds));
      deps.logger.info({ sweep: sweep.name, zone, hosts: queued }, 'sweep tick: samples queued');
      return { queued };
    }
    if (job.name !== SWEEP_SAMPLE_JOB) throw new UnrecoverableError(`unknown sweep job ${job.name}`);
    const parsed = SweepSampleJobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`sweep sample data invalid: ${parsed.error.message}`);
    const { sweep, host: name } = parsed.data;
    const host = hostNamed(deps.directory, name);
    if (!host) throw new UnrecoverableError(`${name} is not in the inventory of this worker`);
    try {
      return await sweepHost({ ...deps }, host, sweep);
    } catch (err) {
      // A host that cannot be sampled now is sampled at the next tick: the channel is not told
      // (a failed sweep is not a vanished resource), the log is.
      deps.logger.warn({ host: name, sweep: sweep.name, code: isBotError(err) ? err.code : undefined, message: (err as Error).message }, 'capacity sample failed');
      throw new UnrecoverableError(isBotError(err) ? err.userMessage : String((err as Error).message));
    }
  };
}
