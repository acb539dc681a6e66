import type { Command } from 'commander';
import { DEMO_BUNDLES_DIR } from '../paths.js';
import { stopOnSignals } from '../signals.js';

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description('run the Slack bot: /diag on the HTTP receiver (PORT) or Socket Mode (SLACK_APP_TOKEN); see docs/deploy.md')
    .option('--replay-bundles <dir>', 'inventory of the hosts named after the bundles in this directory', DEMO_BUNDLES_DIR)
    .action(async (opts: { replayBundles: string }) => {
      const { startBot } = await import('../../app/bot.js');
      const bot = await startBot({ env: process.env, replayBundles: opts.replayBundles });
      await stopOnSignals(() => bot.stop());
    });
}
