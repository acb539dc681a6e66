import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { loadHostAccess, sshConnector, type Analyse } from '../diagnosis/index.js';
import { systemClock, type Clock, type CommandRunner, type HostDirectory, type HostRef } from '../domain/index.js';
import { createMetrics, opsHandler, redisProblem } from '../metrics/index.js';
import {
  createDiagnoseProcessor,
  createFleetProcessor,
  createRemediateProcessor,
  createSweepProcessor,
  diagnoseQueueName,
  startSweepWorker,
  sweepQueueName,
  startDiagnoseWorkers,
  startRemediateWorker,
  workerConnection,
  type DiagnoseWorkers,
} from '../queue/index.js';
import { createRedactor } from '../redaction/index.js';
import { createRemediationStack } from '../remediation/index.js';
import { createLogger } from '../shared/index.js';
import { createSlackNotifier, createSlackWebClient } from '../slack/index.js';

export interface WorkerRemediationOptions {
  /** Hosts a fix may run on. @defaultValue the worker's own directory */
  directory?: HostDirectory;
  /** Opens a runner on a host. @defaultValue an SSH runner on the host's inventory target (host keys verified) */
  connect?: (host: HostRef) => Promise<CommandRunner>;
  /** Run fixes through sudo -n. @defaultValue true */
  sudo?: boolean;
}

export interface WorkerStartOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Demo and tests: replays bundles from this directory instead of connecting to SICKBAY_INVENTORY hosts. */
  replayBundles?: string;
  /** Overrides SICKBAY_ZONE. */
  zone?: string;
  /** Overrides WORKER_CONCURRENCY. */
  concurrency?: number;
  stepDelayMs?: number;
  analyse?: Analyse;
  clock?: Clock;
  progressIntervalMs?: number;
  logDestination?: { write(line: string): unknown };
  /** Where approved fixes run and how to connect. */
  remediation?: WorkerRemediationOptions;
}

export interface WorkerHandle {
  workers: DiagnoseWorkers;
  /** Takes the zone's capacity samples (ticks of the sweeps' schedulers, then one job per host). */
  sweepWorker: Worker;
  logger: Logger;
  metricsPort?: number;
  stop(): Promise<void>;
}

/** Composition root of `sickbay worker`: config, Redis, Slack client, diagnoser, BullMQ workers. */
export async function startWorker(options: WorkerStartOptions): Promise<WorkerHandle> {
  const { env } = loadConfig(options.env, 'worker');
  const zone = options.zone ?? env.SICKBAY_ZONE;
  const redactor = createRedactor(options.env);
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'sickbay-worker', redactor, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const hostAccess = await loadHostAccess({
    env,
    replayBundles: options.replayBundles,
    zone,
    logger,
    replay: { ...(options.stepDelayMs !== undefined ? { stepDelayMs: options.stepDelayMs } : {}), ...(options.analyse ? { analyse: options.analyse } : {}) },
  });
  const directory = hostAccess.directory;
  const metrics = createMetrics();
  const client = createSlackWebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, logger, (method) => metrics.slackApiError(method, 'ratelimited'));
  const notifier = createSlackNotifier(client, { logger, onApiError: (m, c) => metrics.slackApiError(m, c) });
  const diagnoser = hostAccess.diagnoser(options.clock ?? systemClock);
  const connection = workerConnection(env.REDIS_URL);
  connection.on('error', (err) => logger.warn({ code: (err as NodeJS.ErrnoException).code }, 'Redis unreachable, reconnecting'));
  // The worker's share of remediation: the offers under its findings, and the fixes of its zone's hosts.
  const remediation = createRemediationStack({ env, redis: connection, redactor });
  const connectHost = sshConnector(env);
  const remediateWorker = startRemediateWorker(
    { connection, prefix: env.QUEUE_PREFIX, zone, name: `sickbay-remediate-${process.pid}` },
    createRemediateProcessor({
      service: remediation.service,
      directory: options.remediation?.directory ?? directory,
      connect: options.remediation?.connect ?? ((host) => connectHost(host.ssh)),
      notifier,
      redactor,
      logger,
      ...(options.remediation?.sudo !== undefined ? { sudo: options.remediation.sudo } : {}),
    }),
  );
  remediateWorker.on('error', (err) => logger.warn({ err }, 'remediate worker error'));
  const workers = startDiagnoseWorkers(
    {
      connection,
      prefix: env.QUEUE_PREFIX,
      zone,
      concurrency: options.concurrency ?? env.WORKER_CONCURRENCY,
      lockDurationMs: env.JOB_LOCK_MS,
      stalledIntervalMs: env.STALLED_CHECK_MS,
      name: `sickbay-worker-${process.pid}`,
    },
    {
      diagnose: createDiagnoseProcessor({
        diagnoser,
        directory,
        notifier,
        redactor,
        logger,
        observer: { finished: (o, d, r) => metrics.diagnosisFinished(o, d, r), stepTimedOut: (s) => metrics.stepTimedOut(s) },
        ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
        offers: remediation.desk,
      }),
      fleet: createFleetProcessor({ notifier, redactor, logger }),
    },
  );
  for (const w of workers.workers) w.on('error', (err) => logger.warn({ err }, 'worker error'));
  // Capacity sweeps of the zone: the same diagnoser (one SSH connection per host), its own queue.
  const sweepQueue = new Queue(sweepQueueName(zone), { connection, prefix: env.QUEUE_PREFIX });
  sweepQueue.on('error', () => undefined);
  const sweepWorker = startSweepWorker(
    { connection, prefix: env.QUEUE_PREFIX, zone, concurrency: env.SICKBAY_SWEEP_CONCURRENCY, name: `sickbay-sweep-${process.pid}` },
    createSweepProcessor({
      diagnoser,
      directory,
      redis: connection,
      prefix: env.QUEUE_PREFIX,
      notifier,
      clock: options.clock ?? systemClock,
      logger,
      queue: sweepQueue,
      observer: { timeToFull: (h, r, s) => metrics.timeToFull(h, r, s) },
    }),
  );
  sweepWorker.on('error', (err) => logger.warn({ err }, 'sweep worker error'));
  let server: Server | undefined;
  if (env.METRICS_PORT !== undefined) {
    const health = () => [...redisProblem('queue', connection), ...(workers.workers.every((w) => w.isRunning()) ? [] : ['a diagnose worker is not running'])];
    const s = createServer(opsHandler(metrics, health));
    server = s;
    await new Promise<void>((resolve) => s.listen(env.METRICS_PORT, resolve));
  }
  await Promise.all([...workers.workers, sweepWorker].map((w) => w.waitUntilReady()));
  const metricsPort = server ? (server.address() as AddressInfo).port : undefined;
  logger.info({ zone, hosts_from: hostAccess.mode, hosts: directory.list().length, queue: diagnoseQueueName(zone), concurrency: options.concurrency ?? env.WORKER_CONCURRENCY, metricsPort }, 'sickbay worker started');
  return {
    workers,
    sweepWorker,
    logger,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    async stop() {
      await workers.close();
      await sweepWorker.close();
      await sweepQueue.close();
      await remediateWorker.close();
      await remediation.close();
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
      connection.disconnect();
    },
  };
}
