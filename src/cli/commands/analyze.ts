import type { Command } from 'commander';
import { analyze } from '../../analysis/index.js';
import { readBundle } from '../../bundles/index.js';
import { renderTerminal } from '../../report/index.js';
import { systemClock } from '../../domain/index.js';
import type { CliIo } from '../io.js';

export function registerAnalyze(program: Command, io: CliIo): void {
  program
    .command('analyze')
    .description('analyse an evidence bundle directory (or an extracted sosreport) and print what is wrong')
    .argument('<dir...>', 'bundle directories')
    .option('--json', 'print JSON instead of the terminal report')
    .action(async (dirs: string[], opts: { json?: boolean }) => {
      const reports = [];
      for (const dir of dirs) {
        const bundle = await readBundle(dir);
        reports.push(analyze(bundle, { now: systemClock.now() }));
      }
      if (opts.json) {
        io.out(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n');
      } else {
        io.out(reports.map((r) => renderTerminal(r, { colour: io.colour })).join('\n'));
      }
    });
}
