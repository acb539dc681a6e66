import type { Command } from 'commander';
import { runUntilSignal } from '../signals.js';

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description('run the Slack bot: /diag on the HTTP receiver (PORT) or Socket Mode (SLACK_APP_TOKEN); see docs/deploy.md')
    .option('--replay-bundles <dir>', 'demo: the hosts are the bundles in this directory (e.g. test/fixtures/incidents), not SICKBAY_INVENTORY')
    .action((opts: { replayBundles?: string }) =>
      runUntilSignal(async () => (await import('../../app/bot.js')).startBot({ env: process.env, ...(opts.replayBundles ? { replayBundles: opts.replayBundles } : {}) })),
    );
}
