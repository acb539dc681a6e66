import type { Command } from 'commander';
import { DEMO_BUNDLES_DIR, PLAYBOOKS_DIR } from '../../config/index.js';
import type { CliIo } from '../io.js';

export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('start lab hosts that replay the shipped incident bundles and diagnose each through the queue and SSH')
    .option('--bundles <dir>', 'directory of bundle directories, one lab host each', DEMO_BUNDLES_DIR)
    .option('--duration-scale <x>', 'scale the recorded step durations (0 = instant)', '0.2')
    .action(async (opts: { bundles: string; durationScale: string }) => {
      const { runDemo } = await import('../../app/demo.js');
      await runDemo({
        bundlesDir: opts.bundles,
        playbooksDir: PLAYBOOKS_DIR,
        redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        durationScale: Number(opts.durationScale),
        out: io.out,
        err: io.err,
        colour: io.colour,
        progress: io.colour && Boolean(process.stderr.isTTY),
      });
    });
}
