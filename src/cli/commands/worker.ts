import { InvalidArgumentError, type Command } from 'commander';
import { runUntilSignal } from '../signals.js';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, like 4');
  return n;
};

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run diagnose workers for one zone (any number of processes may share the queue)')
    .option('--zone <zone>', 'zone whose hosts this worker can reach (default: SICKBAY_ZONE or "default")')
    .option('--concurrency <n>', 'jobs at once (default: WORKER_CONCURRENCY or 4)', positiveInt)
    .option('--replay-bundles <dir>', 'demo: replay the evidence bundles in this directory instead of connecting to SICKBAY_INVENTORY hosts over SSH')
    .option('--replay-delay-ms <ms>', 'pause per replayed step, to look like a live collection', positiveInt, 0)
    .action((opts: { zone?: string; concurrency?: number; replayBundles?: string; replayDelayMs: number }) =>
      runUntilSignal(async () =>
        (await import('../../app/worker.js')).startWorker({
          env: process.env,
          ...(opts.replayBundles ? { replayBundles: opts.replayBundles } : {}),
          stepDelayMs: opts.replayDelayMs,
          ...(opts.zone ? { zone: opts.zone } : {}),
          ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
        }),
      ),
    );
}
