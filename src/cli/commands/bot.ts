import type { Command } from 'commander';
import { stopOnSignals } from '../signals.js';

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description('run the Slack bot: /diag on the HTTP receiver (PORT) or Socket Mode (SLACK_APP_TOKEN); see docs/deploy.md')
    .option('--replay-bundles <dir>', 'demo: the hosts are the bundles in this directory (e.g. test/fixtures/incidents), not SICKBAY_INVENTORY')
    .action(async (opts: { replayBundles?: string }) => {
      const { startBot } = await import('../../app/bot.js');
      const bot = await startBot({ env: process.env, ...(opts.replayBundles ? { replayBundles: opts.replayBundles } : {}) });
      await stopOnSignals(() => bot.stop());
    });
}
