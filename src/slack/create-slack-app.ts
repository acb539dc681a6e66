import { App, type CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from './bolt-logger.js';
import * as remediationActions from './listeners/actions/remediation.js';
import * as diagCommand from './listeners/commands/diag.js';

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

/** The Bolt app, for the composition root that starts it (app/ imports no Slack SDK itself). */
export type SlackApp = App;

/** What the listeners need, one entry per listener module. */
export interface SlackAppDeps {
  diag: diagCommand.DiagCommandDeps;
  remediation: remediationActions.RemediationActionDeps;
}

/**
 * The Bolt app with every listener registered, here and nowhere else (`/diag`, the remediation
 * buttons); app/bot.ts starts it. Nothing here reads env or listens.
 */
export function createSlackApp(options: SlackAppOptions, deps: SlackAppDeps): App {
  const socketMode = Boolean(options.appToken);
  const app = new App({
    token: options.botToken,
    ...(options.signingSecret ? { signingSecret: options.signingSecret } : {}),
    ...(socketMode ? { socketMode: true, appToken: options.appToken } : {}),
    ...(options.customRoutes ? { customRoutes: options.customRoutes } : {}),
    clientOptions: { slackApiUrl: options.apiUrl },
    logger: boltLogger(options.logger),
  });
  diagCommand.register(app, deps.diag);
  remediationActions.register(app, deps.remediation);
  app.error(async (err) => {
    options.logger.error({ err }, 'unhandled error in a Slack listener');
  });
  return app;
}
