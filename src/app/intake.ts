import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  createAlertIntake,
  createIncidentSink,
  createInventoryContainerResolver,
  createFailureRateMonitor,
  createMarathonEventStream,
  createMesosPoller,
  createMesosSource,
  createRedisReplayGuard,
  createStormGrouper,
  createWebhookHandler,
  TaskStateSchema,
  type AlertIntake,
  type BackoffOptions,
  type MarathonEventStream,
  type MesosPoller,
  type TaskState,
} from '../alerts/index.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { decideAlertAccess, sshConnector } from '../diagnosis/index.js';
import { systemClock, type Clock, type CommandRunner, type SshTarget } from '../domain/index.js';
import { loadInventory } from '../inventory/index.js';
import { createMetrics, opsRoute, redisProblem } from '../metrics/index.js';
import { DiagnoseQueues, producerConnection } from '../queue/index.js';
import { createRedactor } from '../redaction/index.js';
import { createLogger } from '../shared/index.js';
import { createSlackNotifier, createSlackWebClient } from '../slack/index.js';

export interface IntakeStartOptions {
  /** The environment to read (process.env in production). */
  env: Readonly<Record<string, string | undefined>>;
  /** Inventory file: the hosts alerts may diagnose (others get a note in the thread, no SSH). */
  inventory: string;
  /** Storm windows and rate use this clock. @defaultValue the system clock */
  clock?: Clock;
  /** Opens a connection to a host for `docker ps`. @defaultValue sshConnector(env), as every process connects */
  connect?: (target: SshTarget) => Promise<CommandRunner>;
  /** Marathon reconnect backoff. */
  marathonBackoff?: BackoffOptions;
  /** Mesos resubscribe backoff. */
  mesosBackoff?: BackoffOptions;
  /** How often coalesced digest updates and rate alerts are posted (ms). @defaultValue 3000 */
  tickIntervalMs?: number;
  logDestination?: { write(line: string): unknown };
}

export interface IntakeHandle {
  /** HTTP port of /alerts/... webhooks and /metrics. */
  port: number;
  intake: AlertIntake;
  marathon?: MarathonEventStream;
  mesos?: MesosPoller;
  /** The Mesos source: v1 SUBSCRIBE, or polling for a master without it (`mode()`). */
  mesosSource?: ReturnType<typeof createMesosSource>;
  logger: Logger;
  stop(): Promise<void>;
}

function taskStates(list: string): TaskState[] {
  const states: TaskState[] = [];
  for (const name of list.split(',')) {
    const parsed = TaskStateSchema.safeParse(name);
    if (!parsed.success) throw new ConfigError([`ALERT_TASK_STATES names an unknown task state: ${name} (known: ${TaskStateSchema.options.join(', ')})`]);
    states.push(parsed.data);
  }
  return states;
}

/**
 * Composition root of `sickbay intake`: Marathon's event stream, the Mesos master poller and the
 * alert webhooks feed one intake (storm grouping in Redis), which opens threads in the alerts channel
 * and queues `container` diagnoses whose findings go into those threads (run by `sickbay worker`).
 */
export async function startIntake(options: IntakeStartOptions): Promise<IntakeHandle> {
  const { env, access } = loadConfig(options.env, 'intake');
  const states = taskStates(env.ALERT_TASK_STATES);
  const clock = options.clock ?? systemClock;
  const redactor = createRedactor(options.env);
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'sickbay-intake', redactor, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const directory = await loadInventory(options.inventory);
  const metrics = createMetrics();
  const notifier = createSlackNotifier(createSlackWebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, logger, (method) => metrics.slackApiError(method, 'ratelimited')), {
    logger,
    onApiError: (m, c) => metrics.slackApiError(m, c),
  });
  // Storm state: commands wait for a (re)connection once, then fail, so webhooks answer 503.
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(200 * times, 2000) });
  const queueRedis = producerConnection(env.REDIS_URL);
  for (const r of [redis, queueRedis]) r.on('error', (err) => logger.warn({ code: (err as NodeJS.ErrnoException).code }, 'Redis unreachable, reconnecting'));
  const queues = new DiagnoseQueues({ connection: queueRedis, prefix: env.QUEUE_PREFIX });
  const prefix = `${env.QUEUE_PREFIX}:alerts`;
  const windowMs = env.ALERT_WINDOW_MS;
  const intake = createAlertIntake({
    storm: createStormGrouper({
      redis,
      prefix,
      clock,
      windowMs,
      maxUpdatesPerMinute: env.ALERT_MAX_UPDATES_PER_MINUTE,
      maxDiagnosesPerMinute: env.ALERT_MAX_DIAGNOSES_PER_MINUTE,
    }),
    rate: createFailureRateMonitor({ redis, prefix, clock, windowMs, threshold: env.ALERT_RATE_THRESHOLD }),
    sink: createIncidentSink({
      notifier,
      queues,
      directory,
      channel: env.SICKBAY_ALERTS_CHANNEL as string,
      redis,
      prefix,
      // resolved alerts edit their thread for as long as a firing alert is remembered (a day)
      threadTtlMs: Math.max(2 * windowMs, 86_400_000),
      logger,
      mayDiagnose: (host) => decideAlertAccess(access?.access ?? null, host).allowed,
      links: {
        ...(env.ALERT_MARATHON_UI_URL ? { marathon: env.ALERT_MARATHON_UI_URL } : {}),
        ...(env.ALERT_MESOS_UI_URL ? { mesos: env.ALERT_MESOS_UI_URL } : {}),
      },
    }),
    resolver: createInventoryContainerResolver(directory, options.connect ?? sshConnector(env), logger),
    directory,
    logger,
  });

  const webhooks =
    env.ALERT_WEBHOOK_TOKEN || env.ALERT_WEBHOOK_HMAC_SECRET
      ? createWebhookHandler({
          auth: {
            ...(env.ALERT_WEBHOOK_TOKEN ? { bearerToken: env.ALERT_WEBHOOK_TOKEN } : {}),
            ...(env.ALERT_WEBHOOK_HMAC_SECRET ? { hmacSecret: env.ALERT_WEBHOOK_HMAC_SECRET } : {}),
          },
          clock,
          onBatch: (batch) => intake.acceptBatch(batch),
          alertLabels: { host: env.ALERT_HOST_LABELS, container: env.ALERT_CONTAINER_LABELS, task: env.ALERT_TASK_LABELS, app: env.ALERT_APP_LABELS },
          replayGuard: createRedisReplayGuard(redis, prefix),
          signatureToleranceMs: env.ALERT_SIGNATURE_TOLERANCE_MS,
          logger,
        })
      : undefined;
  const ops = opsRoute(metrics, () => [...redisProblem('alerts', redis), ...redisProblem('queue', queueRedis)]);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (ops(req, res)) return;
    if (webhooks && path.startsWith('/alerts/')) return webhooks(req, res);
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.ALERT_PORT, () => resolve());
  });

  const marathon = env.MARATHON_URL
    ? createMarathonEventStream({
        url: env.MARATHON_URL,
        statuses: states,
        onTask: (task) => intake.accept(task),
        onRefused: (reason) => logger.warn({ reason }, 'Marathon event refused'),
        idleTimeoutMs: env.MARATHON_IDLE_TIMEOUT_MS, maxEventBytes: env.MARATHON_MAX_EVENT_BYTES,
        ...(options.marathonBackoff ? { backoff: options.marathonBackoff } : {}),
        logger,
      })
    : undefined;
  const masters = env.MESOS_MASTER_URL;
  const mesos = masters?.[0]
    ? createMesosPoller({
        url: masters[0],
        states,
        intervalMs: env.MESOS_POLL_MS,
        maxAgeMs: windowMs,
        clock,
        onBatch: (batch) => intake.acceptBatch(batch),
        logger,
      })
    : undefined;
  const mesosSource =
    masters && mesos
      ? createMesosSource({
          api: env.MESOS_API,
          masters,
          states,
          maxAgeMs: windowMs,
          idleTimeoutMs: env.MESOS_IDLE_TIMEOUT_MS,
          clock,
          onTask: (task) => intake.accept(task),
          startPolling: () => mesos.start(),
          ...(options.mesosBackoff ? { backoff: options.mesosBackoff } : {}),
          logger,
        })
      : undefined;
  intake.start(options.tickIntervalMs ?? 3_000);
  marathon?.start();
  mesosSource?.start();
  const port = (server.address() as AddressInfo).port;
  logger.info(
    { port, channel: env.SICKBAY_ALERTS_CHANNEL, marathon: Boolean(marathon), mesos: Boolean(mesos), webhooks: Boolean(webhooks), hosts: directory.list().length, states },
    'sickbay intake started',
  );
  return {
    port,
    intake,
    ...(marathon ? { marathon } : {}),
    ...(mesos ? { mesos } : {}),
    ...(mesosSource ? { mesosSource } : {}),
    logger,
    async stop() {
      await marathon?.stop();
      await mesosSource?.stop();
      await mesos?.stop();
      await intake.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queues.close();
      redis.disconnect();
      queueRedis.disconnect();
    },
  };
}
