import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { groupsInAccessPolicy, loadHostAccess } from '../diagnosis/index.js';
import { hostNamed, type Clock } from '../domain/index.js';
import { createMetrics, HEALTH_PATH, healthHandler, METRICS_PATH, opsHandler, redisProblem } from '../metrics/index.js';
import { DiagnoseQueues, diagnoseQueueName, producerConnection, RemediateQueue, SweepScheduler } from '../queue/index.js';
import { createRedactor } from '../redaction/index.js';
import { createRemediationStack, groupsInPolicy, loadRemediationPolicy, startExpirySweep } from '../remediation/index.js';
import { createLogger } from '../shared/index.js';
import { loadSweeps, readHostForecasts, type SweepsConfig } from '../sweeps/index.js';
import { createSlackApp, createSlackNotifier, createSlackWebClient, slackGroupResolver, type SlackApp } from '../slack/index.js';

export interface BotStartOptions {
  /** The environment to read (process.env in production). */
  env: Readonly<Record<string, string | undefined>>;
  /** Demo and tests: hosts named after the bundles in this directory, instead of SICKBAY_INVENTORY. */
  replayBundles?: string;
  playbooks?: readonly string[];
  logDestination?: { write(line: string): unknown };
  /** The remediation clock (approval expiry). @defaultValue the system clock */
  clock?: Clock;
}

export interface BotHandle {
  app: SlackApp;
  /** The HTTP port (Slack requests and /metrics). */
  port: number;
  logger: Logger;
  /** The capacity sweeps of SICKBAY_SWEEPS_FILE, scheduled at start; absent when it is not set. */
  sweeps?: { config: SweepsConfig; scheduler: SweepScheduler; runNow(name: string): Promise<number> };
  stop(): Promise<void>;
}

/** Composition root of `sickbay bot`: config, Redis, queues, Bolt app, /metrics; then start(). */
export async function startBot(options: BotStartOptions): Promise<BotHandle> {
  const config = loadConfig(options.env, 'bot');
  const env = config.env;
  const redactor = createRedactor(options.env);
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'sickbay-bot', redactor, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const hostAccess = await loadHostAccess({ env, replayBundles: options.replayBundles, logger });
  const directory = hostAccess.directory;
  const redis = producerConnection(env.REDIS_URL);
  redis.on('error', (err) => logger.warn({ code: (err as NodeJS.ErrnoException).code }, 'Redis unreachable, reconnecting'));
  const queues = new DiagnoseQueues({ connection: redis, prefix: env.QUEUE_PREFIX });
  const zones = [...new Set(directory.list().map((h) => h.zone))];
  const metrics = createMetrics({
    jobCounts: async () =>
      Object.fromEntries(
        await Promise.all(zones.map(async (z) => [diagnoseQueueName(z), await queues.queue(diagnoseQueueName(z)).getJobCounts()] as const)),
      ),
  });
  const health = () => redisProblem('queue', redis);
  const opsRoutes = [
    { path: METRICS_PATH, method: ['GET'], handler: metrics.handler },
    { path: HEALTH_PATH, method: ['GET'], handler: healthHandler(health) },
  ];
  // One Web API client for everything the bot says and looks up: rate limits are waited out and counted on /metrics.
  const client = createSlackWebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, logger, (method) => metrics.slackApiError(method, 'ratelimited'));
  const notifier = createSlackNotifier(client, { logger, onApiError: (m, c) => metrics.slackApiError(m, c) });
  const access = config.access?.access ?? null;
  const remediationPolicy = loadRemediationPolicy(env.SICKBAY_REMEDIATION_POLICY_FILE);
  const remediation = createRemediationStack({
    env,
    redis,
    redactor,
    policy: remediationPolicy,
    groups: slackGroupResolver(client, groupsInPolicy(remediationPolicy)),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const remediateQueue = new RemediateQueue({ connection: redis, prefix: env.QUEUE_PREFIX });
  // Capacity sweeps: every bot syncs the same schedulers (idempotent), so one runs however many bots do.
  let sweeps: BotHandle['sweeps'];
  if (env.SICKBAY_SWEEPS_FILE) {
    const sweepsConfig = await loadSweeps(env.SICKBAY_SWEEPS_FILE);
    const scheduler = new SweepScheduler({ connection: redis, prefix: env.QUEUE_PREFIX });
    const synced = await scheduler.sync(sweepsConfig, directory);
    logger.info({ sweeps: sweepsConfig.sweeps.map((s) => s.name), schedulers: synced.schedulers, zones: synced.zones }, 'capacity sweeps scheduled');
    sweeps = { config: sweepsConfig, scheduler, runNow: (name) => scheduler.runNow(sweepsConfig, directory, name) };
  }
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const app = createSlackApp(
    {
      botToken: env.SLACK_BOT_TOKEN,
      ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      apiUrl: env.SLACK_API_URL,
      logger,
      ...(socketMode ? {} : { customRoutes: opsRoutes }),
    },
    {
      diag: {
        queues,
        directory,
        playbooks: options.playbooks ?? hostAccess.playbooks,
        defaultPlaybook: env.SICKBAY_DEFAULT_PLAYBOOK,
        access,
        groups: slackGroupResolver(client, groupsInAccessPolicy(access)),
        logger,
        // The bot posts each parent message itself, before queueing.
        notifier,
        ...(sweeps ? { forecasts: (host: string) => readHostForecasts(redis, env.QUEUE_PREFIX, host) } : {}),
      },
      remediation: {
        desk: remediation.desk,
        service: remediation.service,
        messages: remediation.offers,
        policy: remediationPolicy,
        queue: remediateQueue,
        zoneOf: (host) => hostNamed(directory, host)?.zone,
        notifier,
        logger,
      },
    },
  );
  const stopExpirySweep = startExpirySweep(remediation, notifier, logger, env.SICKBAY_REMEDIATION_SWEEP_MS);
  let server: Server;
  if (socketMode) {
    await app.start();
    server = createServer(opsHandler(metrics, health));
    await new Promise<void>((resolve) => server.listen(env.PORT, resolve));
  } else {
    server = (await app.start(env.PORT)) as Server;
  }
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, mode: socketMode ? 'socket' : 'http', hosts_from: hostAccess.mode, zones, hosts: directory.list().length }, 'sickbay bot started');
  return {
    app,
    port,
    logger,
    ...(sweeps ? { sweeps } : {}),
    async stop() {
      await app.stop();
      if (socketMode) await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopExpirySweep();
      await remediateQueue.close();
      await sweeps?.scheduler.close();
      await remediation.close();
      await queues.close();
      redis.disconnect();
    },
  };
}
