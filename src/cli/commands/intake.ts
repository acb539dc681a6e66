import type { Command } from 'commander';
import { runUntilSignal } from '../signals.js';

export function registerIntake(program: Command): void {
  program
    .command('intake')
    .description('open Slack threads for failed Mesos/Marathon tasks and queue their diagnoses (Marathon events, Mesos master, alert webhooks)')
    .option('-i, --inventory <file>', 'inventory of the hosts alerts may diagnose (default: $SICKBAY_INVENTORY or ./inventory.yml)')
    .action((opts: { inventory?: string }) =>
      runUntilSignal(async () =>
        (await import('../../app/intake.js')).startIntake({ env: process.env, inventory: opts.inventory ?? process.env['SICKBAY_INVENTORY'] ?? 'inventory.yml' }),
      ),
    );
}
