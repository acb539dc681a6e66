import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { analyze } from '../../analysis/index.js';
import { readBundle } from '../../bundles/index.js';
import { systemClock } from '../../domain/index.js';
import { renderTerminal } from '../../report/index.js';
import { DEMO_BUNDLES_DIR } from '../paths.js';
import type { CliIo } from '../io.js';

export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('diagnose the demo incident bundles shipped with sickbay and print the reports')
    .option('--bundles <dir>', 'directory of bundle directories', DEMO_BUNDLES_DIR)
    .action(async (opts: { bundles: string }) => {
      const names = (await readdir(opts.bundles, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
      for (const name of names) {
        const report = analyze(await readBundle(join(opts.bundles, name)), { now: systemClock.now() });
        io.out(renderTerminal(report, { colour: io.colour }) + '\n');
      }
    });
}
