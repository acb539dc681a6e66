import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import type { Clock } from '../domain/index.js';
import { createMetrics } from '../metrics/index.js';
import { DiagnoseQueues, diagnoseQueueName } from '../queue/index.js';
import { createRedactor } from '../redaction/index.js';
import { createSlackApp, createSlackNotifier } from '../slack/index.js';
import { createLogger } from './logger.js';
import { producerConnection } from './redis.js';
import { loadHostAccess } from './host-access.js';
import { startBotRemediation } from './remediation.js';
import { createSlackWebClient } from './slack-client.js';

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
  app: App;
  /** The HTTP port (Slack requests and /metrics). */
  port: number;
  logger: Logger;
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
  const metricsRoute = { path: '/metrics', method: ['GET'], handler: metrics.handler };
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const app = createSlackApp(
    {
      botToken: env.SLACK_BOT_TOKEN,
      ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      apiUrl: env.SLACK_API_URL,
      logger,
      ...(socketMode ? {} : { customRoutes: [metricsRoute] }),
    },
    {
      queues,
      directory,
      playbooks: options.playbooks ?? hostAccess.playbooks,
      defaultPlaybook: env.SICKBAY_DEFAULT_PLAYBOOK,
      access: config.access?.access ?? null,
      logger,
      // The bot posts each parent message itself: a client whose rate limits are counted on /metrics.
      notifier: createSlackNotifier(createSlackWebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL, logger, metrics), {
        logger,
        onApiError: (m, c) => metrics.slackApiError(m, c),
      }),
    },
  );
  const remediation = startBotRemediation(app, { env, redis, logger, directory, redactor, ...(options.clock ? { clock: options.clock } : {}) });
  let server: Server;
  if (socketMode) {
    await app.start();
    server = createServer(metrics.handler);
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
    async stop() {
      await app.stop();
      if (socketMode) await new Promise<void>((resolve) => server.close(() => resolve()));
      await remediation.stop();
      await queues.close();
      redis.disconnect();
    },
  };
}
