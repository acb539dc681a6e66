import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { PLAYBOOKS_DIR } from '../../src/config/index.js';
import { createDiagnoser } from '../../src/diagnosis/index.js';
import { systemClock } from '../../src/domain/index.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybooks } from '../../src/playbooks/index.js';
import { createDiagnoseProcessor, createFleetProcessor, startDiagnoseWorkers, type DiagnoseWorkers } from '../../src/queue/index.js';
import { createRedactor } from '../../src/redaction/index.js';
import { createSlackNotifier } from '../../src/slack/index.js';
import { createSshRunner } from '../../src/ssh/index.js';

/** Copies the shipped playbooks into `dir` with every step deadline cut to 2 s (a hung step costs 2 s, not 15). */
export function shortTimeoutPlaybooks(dir: string, names: readonly string[] = ['container', 'docker-host']): string {
  mkdirSync(dir, { recursive: true });
  for (const name of names) {
    const shipped = readFileSync(join(PLAYBOOKS_DIR, `${name}.yml`), 'utf8');
    writeFileSync(join(dir, `${name}.yml`), shipped.replace(/timeout: \d+s/g, 'timeout: 2s'));
  }
  return dir;
}

/**
 * A worker on the real SSH path, as `sickbay worker` runs it once wired: the inventory, the playbooks,
 * createDiagnoser over createSshRunner (host keys checked against the inventory's known_hosts), results
 * posted to Slack (the stand-in) through the real notifier.
 */
export async function startLiveWorker(options: { inventory: string; playbooksDir: string; slackApiUrl: string; prefix: string; zone: string; redisUrl: string }): Promise<{ workers: DiagnoseWorkers; stop(): Promise<void> }> {
  const directory = await loadInventory(options.inventory);
  const playbooks = await loadPlaybooks(options.playbooksDir);
  const logger = pino({ level: 'silent' });
  const notifier = createSlackNotifier(new webApi.WebClient('xoxb-0000-test-token', { slackApiUrl: options.slackApiUrl, rejectRateLimitedCalls: false }), { logger });
  const redactor = createRedactor({});
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const workers = startDiagnoseWorkers(
    { connection, prefix: options.prefix, zone: options.zone, concurrency: 4, name: 'alerts-test-worker' },
    {
      diagnose: createDiagnoseProcessor({
        diagnoser: createDiagnoser({ playbooks, connect: (target) => createSshRunner(target), clock: systemClock }),
        directory,
        notifier,
        redactor,
        logger,
        progressIntervalMs: 5_000,
      }),
      fleet: createFleetProcessor({ notifier, redactor, logger }),
    },
  );
  await Promise.all(workers.workers.map((w) => w.waitUntilReady()));
  return {
    workers,
    async stop() {
      await workers.close();
      connection.disconnect();
    },
  };
}
