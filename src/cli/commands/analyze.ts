import type { Command } from 'commander';
import { analyze, ANALYSIS_LOG_FILTER } from '../../analysis/index.js';
import { DEFAULT_MAX_FILE_BYTES, MAX_FILE_BYTES_LIMIT, readBundle } from '../../bundles/index.js';
import { renderTerminal } from '../../report/index.js';
import { InputError, jsonText, systemClock } from '../../domain/index.js';
import type { CliIo } from '../io.js';

const MiB = 1024 * 1024;

function maxFileBytes(value: string): number {
  const mib = Number(value);
  const max = MAX_FILE_BYTES_LIMIT / MiB;
  if (!Number.isInteger(mib) || mib < 1 || mib > max) {
    throw new InputError('cli_bad_option', `--max-file-mib must be a whole number from 1 to ${max}, not "${value}"`);
  }
  return mib * MiB;
}

export function registerAnalyze(program: Command, io: CliIo): void {
  program
    .command('analyze')
    .description('analyse an evidence bundle directory (or an extracted sosreport) and print what is wrong')
    .argument('<dir...>', 'bundle directories')
    .option('--json', 'print JSON instead of the terminal report')
    .option('--max-file-mib <n>', 'read at most the last N MiB of each file (the report says which files were cut)', String(DEFAULT_MAX_FILE_BYTES / MiB))
    .action(async (dirs: string[], opts: { json?: boolean; maxFileMib: string }) => {
      // the bundle is read for this analysis alone: big logs keep only the lines it reads
      const options = { maxFileBytes: maxFileBytes(opts.maxFileMib), logFilter: ANALYSIS_LOG_FILTER };
      const reports = [];
      for (const dir of dirs) {
        const bundle = await readBundle(dir, options);
        reports.push(analyze(bundle, { now: systemClock.now() }));
      }
      if (opts.json) {
        io.out(jsonText(reports.length === 1 ? reports[0] : reports, 2) + '\n');
      } else {
        io.out(reports.map((r) => renderTerminal(r, { colour: io.colour })).join('\n'));
      }
    });
}
