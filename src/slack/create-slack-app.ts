import { App, LogLevel, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import { createDiagCommandHandler, type DiagCommandDeps } from './listeners/diag-command.js';

export interface SlackAppOptions {
  botToken: string;
  /** HTTP mode: verifies each request's v0 signature and timestamp. */
  signingSecret?: string;
  /** Socket Mode when set. */
  appToken?: string;
  /** Web API base, e.g. https://slack.com/api/ or a stand-in's http://127.0.0.1:PORT/api/ */
  apiUrl: string;
  logger: Logger;
  customRoutes?: CustomRoute[];
}

/** Bolt's logger interface on top of pino, so that Bolt's own lines are structured too. */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const child = logger.child({ component: 'bolt' });
  return {
    debug: (...msg: unknown[]) => child.debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => child.info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** The Bolt app with its listeners; app/bot.ts starts it. Nothing here reads env or listens. */
export function createSlackApp(options: SlackAppOptions, deps: DiagCommandDeps): App {
  const socketMode = Boolean(options.appToken);
  const app = new App({
    token: options.botToken,
    ...(options.signingSecret ? { signingSecret: options.signingSecret } : {}),
    ...(socketMode ? { socketMode: true, appToken: options.appToken } : {}),
    ...(options.customRoutes ? { customRoutes: options.customRoutes } : {}),
    clientOptions: { slackApiUrl: options.apiUrl },
    logger: boltLogger(options.logger),
  });
  app.command('/diag', createDiagCommandHandler(deps));
  app.error(async (err) => {
    options.logger.error({ err }, 'unhandled error in a Slack listener');
  });
  return app;
}
