import type { Command } from 'commander';
import { EnvSchema } from '../../config/index.js';
import { HOST_NAME, InputError, jsonText, printable, type ForecastRowView } from '../../domain/index.js';
import { forecastTableLines, formatSpan } from '../../forecast/index.js';
import { loadInventory } from '../../inventory/index.js';
import { readHostForecasts } from '../../sweeps/index.js';
import type { CliIo } from '../io.js';
import { redisLabel, withRedis } from '../redis.js';

interface ForecastOptions {
  inventory?: string;
  redis?: string;
  prefix?: string;
  json?: boolean;
}

/** The table of one host, as the terminal shows it: a headline, then the aligned rows. */
export function renderForecastTable(host: string, rows: readonly ForecastRowView[]): string {
  if (!rows.length) return `${host}: no capacity samples (is a sweep scheduled for it?)\n`;
  const asOf = Math.max(...rows.map((r) => r.asOf ?? 0));
  const soonest = rows[0];
  const headline = soonest?.secondsToFull !== null && soonest ? `, soonest full: ${soonest.resource} in ${formatSpan(soonest.secondsToFull)}` : '';
  // resource ids (mounts) come from hosts: shown, never obeyed by the terminal
  return printable(`${host}: last sample ${new Date(asOf * 1000).toISOString()}${headline}\n${forecastTableLines(rows).join('\n')}\n`, { newlines: true });
}

export function registerForecast(program: Command, io: CliIo): void {
  program
    .command('forecast')
    .description('print each resource of hosts and its time to full, from the capacity history the sweeps keep in Redis')
    .argument('<targets...>', 'host names; tag:NAME or zone:NAME with an inventory')
    .option('-i, --inventory <file>', 'inventory file for tag: and zone: targets (default: $SICKBAY_INVENTORY or ./inventory.yml)')
    .option('--redis <url>', 'Redis the workers write to (default: $REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix the workers use (default: $QUEUE_PREFIX, else sickbay)')
    .option('--json', 'print JSON: an array of { host, rows }')
    .action(async (targets: string[], opts: ForecastOptions) => {
      const env = EnvSchema.pick({ REDIS_URL: true, QUEUE_PREFIX: true }).safeParse({
        REDIS_URL: opts.redis ?? process.env['REDIS_URL'],
        QUEUE_PREFIX: opts.prefix ?? process.env['QUEUE_PREFIX'],
      });
      if (!env.success) throw new InputError('cli_bad_option', `--redis or --prefix (or REDIS_URL, QUEUE_PREFIX) is malformed: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const hosts = await hostsOf(targets, opts);
      const url = env.data.REDIS_URL;
      let answered: { host: string; rows: ForecastRowView[] }[];
      try {
        answered = await withRedis(url, (redis) => Promise.all(hosts.map(async (host) => ({ host, rows: await readHostForecasts(redis, env.data.QUEUE_PREFIX, host) }))));
      } catch (err) {
        throw new InputError('forecast_redis_unreachable', `cannot read the capacity history from ${redisLabel(url)}: is it the Redis the workers use?`, { cause: err });
      }
      io.out(opts.json ? jsonText(answered, 2) + '\n' : answered.map((a) => renderForecastTable(a.host, a.rows)).join('\n'));
    });
}

async function hostsOf(targets: readonly string[], opts: ForecastOptions): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    if (t.startsWith('tag:') || t.startsWith('zone:')) {
      const directory = await loadInventory(opts.inventory ?? process.env['SICKBAY_INVENTORY'] ?? 'inventory.yml');
      out.push(...directory.resolve(t).map((h) => h.name));
    } else if (HOST_NAME.pattern.test(t)) {
      out.push(t);
    } else {
      throw new InputError('target_invalid', `"${t.slice(0, 60)}" is not a host name or tag: ${HOST_NAME.message}`);
    }
  }
  return [...new Set(out)];
}
