import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../../src/app/worker.js';
import type { Clock } from '../../../src/domain/index.js';
import { PNG_SIGNATURE } from '../../../src/forecast/index.js';
import { sweepQueueName } from '../../../src/queue/index.js';
import { runCli } from '../../../src/cli/program.js';
import { captureIo } from '../../helpers/capture-io.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { startLabWorkspace, type LabWorkspace } from '../../helpers/lab-workspace.js';
import { dockerInfoAt, poolFilling, SERIES_STEP_MINUTES } from '../../helpers/pool-series.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv, type RecordedCall } from '../../helpers/slack-standin.js';

// The redis-dm-pool-full incident's host, replayed on its way to full: its pool grows sample by
// sample (test/helpers/pool-series.ts); its neighbour replays a host whose usage does not move.
const FILLING = 'redis-dm-pool-filling';
const STEADY = 'mesos-java-oom-137';
const POOL = 'thinpool_data:docker-8:2-4851000-pool';
const CHANNEL = 'C0CAPACITY';
const SECRET = 'capacity-sweep-signing-secret-0123';
const SAMPLES = 46;
const T0 = Date.parse('2026-03-02T00:00:00Z');

const standin = new SlackStandIn();
const prefix = uniquePrefix();
let dir: string;
let ws: LabWorkspace;
let bots: BotHandle[] = [];
let worker: WorkerHandle;
let redis: Redis;
let now = T0;
const clock: Clock = { now: () => new Date(now) };
/** Index of the first stand-in call each sweep made. */
const callsBefore: number[] = [];

const inChannel = (c: RecordedCall) => c.body.channel === CHANNEL || c.body.channel_id === CHANNEL;
const textOf = (c: RecordedCall) => String(c.body.text ?? '');

async function sweepOnce(i: number): Promise<void> {
  await ws.lab.setSeriesIndex(FILLING, i);
  now = T0 + i * SERIES_STEP_MINUTES * 60_000;
  const at = String(Math.floor(now / 1000));
  callsBefore.push(standin.calls.length);
  expect(await bots[0]?.sweeps?.runNow('pools')).toBe(1);
  const queue = new Queue(sweepQueueName('lab'), { connection: { url: REDIS_URL }, prefix });
  try {
    for (let waited = 0; ; waited += 25) {
      const [a, b] = await Promise.all([redis.hget(`${prefix}:cap:${FILLING}:resources`, POOL), redis.hget(`${prefix}:cap:${STEADY}:resources`, 'load1:')]);
      // (the scheduler's own next tick waits as a delayed job: jitter is 0, so samples never are)
      const counts = await queue.getJobCounts('active', 'waiting', 'prioritized');
      if (a === at && b === at && Object.values(counts).every((n) => n === 0)) return;
      if (waited > 30_000) throw new Error(`sweep ${i} did not finish: ${a} ${b} ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await queue.close();
  }
}

/** The sweep whose calls include call number `index`. */
const sweepOf = (index: number) => callsBefore.filter((start) => start <= index).length - 1;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sickbay-capacity-'));
  const bundles = join(dir, 'bundles');
  await cp(join(INCIDENTS_DIR, 'redis-dm-pool-full'), join(bundles, FILLING), { recursive: true });
  await cp(join(INCIDENTS_DIR, STEADY), join(bundles, STEADY), { recursive: true });
  const recorded = await readFile(join(bundles, FILLING, 'docker_info'), 'utf8');
  await mkdir(join(bundles, FILLING, 'docker_info.series'));
  for (const [i, fraction] of poolFilling(SAMPLES).entries()) {
    await writeFile(join(bundles, FILLING, 'docker_info.series', String(i).padStart(4, '0')), dockerInfoAt(recorded, fraction));
  }
  ws = await startLabWorkspace({ bundlesDir: bundles, durationScale: 0 });
  const sweepsFile = join(dir, 'sweeps.yml');
  // A yearly cron: the schedule is checked in Redis, the test ticks the sweep itself with runNow.
  await writeFile(sweepsFile, `defaults:\n  channel: ${CHANNEL}\n  jitter_seconds: 0\n  max_hosts_per_zone: 4\nsweeps:\n  - name: pools\n    target: tag:lab\n    cron: "0 0 1 1 *"\n`);
  await standin.start();
  const env = sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { ...ws.env, SICKBAY_SWEEPS_FILE: sweepsFile, METRICS_PORT: '0' });
  const quiet = { write: () => true };
  // Two bots, as in a redundant deployment: both sync the same schedulers.
  bots = [await startBot({ env, logDestination: quiet }), await startBot({ env, logDestination: quiet })];
  worker = await startWorker({ env, clock, concurrency: 2, logDestination: quiet });
  redis = new Redis(REDIS_URL);
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  for (const bot of bots) await bot.stop();
  redis?.disconnect();
  await standin.stop();
  await ws?.stop();
  await rm(dir, { recursive: true, force: true });
  await deleteUnder(prefix);
});

describe('capacity sweeps on the lab: a thin pool filling sample by sample', () => {
  it('keeps one job scheduler for the sweep however many bots synced it, with the zone capped', async () => {
    const queue = new Queue(sweepQueueName('lab'), { connection: { url: REDIS_URL }, prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern])).toEqual([['sweep-pools', '0 0 1 1 *']]);
      expect(await queue.getGlobalConcurrency()).toBe(4);
    } finally {
      await queue.close();
    }
  });

  it('opens one thread when the forecast crosses 48 h, updates it once when it crosses 6 h, and says nothing more', async () => {
    for (let i = 0; i < SAMPLES; i++) await sweepOnce(i);

    const said = standin.calls.filter(inChannel);
    const parents = said.filter((c) => c.method === 'chat.postMessage' && !c.body.thread_ts);
    expect(parents.map(textOf)).toHaveLength(1);
    const parent = parents[0] as RecordedCall;
    const ts = String(parent.result?.ts);
    expect(textOf(parent)).toContain(`${FILLING} ${POOL}: within 48 h`);
    // The 48 h crossing came after enough samples for a forecast, and not at the first of them.
    const opened = sweepOf(standin.calls.indexOf(parent));
    expect(opened).toBeGreaterThan(8);

    const updates = said.filter((c) => c.method === 'chat.update');
    expect(updates.map((u) => [u.body.ts, textOf(u).split(' · ')[0]])).toEqual([[ts, `${FILLING} ${POOL}: within 6.0 h`]]);
    const update = updates[0] as RecordedCall;
    const narrowed = sweepOf(standin.calls.indexOf(update));
    expect(narrowed).toBeGreaterThan(opened);
    expect(narrowed).toBeLessThan(SAMPLES - 1);

    const replies = said.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts);
    expect(replies.map((r) => [r.body.thread_ts, sweepOf(standin.calls.indexOf(r))])).toEqual([[ts, narrowed]]);
    expect(textOf(replies[0] as RecordedCall)).toContain('within 6.0 h');

    // A chart under the thread at each crossing, a real PNG.
    const charts = said.filter((c) => c.method === 'files.completeUploadExternal');
    expect(charts.map((c) => [c.body.thread_ts, sweepOf(standin.calls.indexOf(c))])).toEqual([
      [ts, opened],
      [ts, narrowed],
    ]);
    expect(standin.uploads).toHaveLength(2);
    // (the Web API client sends the file as multipart form data: the PNG is one part of it)
    for (const u of standin.uploads) {
      const start = u.bytes?.indexOf(PNG_SIGNATURE) ?? -1;
      expect(start).toBeGreaterThan(0);
      expect(u.bytes?.indexOf('IEND', start)).toBeGreaterThan(start);
    }

    // Nothing else reached Slack from the sweeps: no message per sweep, none about the steady host.
    expect(said.filter((c) => !['chat.postMessage', 'chat.update', 'files.getUploadURLExternal', 'files.completeUploadExternal'].includes(c.method))).toEqual([]);
    expect(JSON.stringify(said)).not.toContain(STEADY);
  }, 240_000);

  it('answers /diag forecast with the table of resources and their time to full, soonest first', async () => {
    const responseUrl = standin.responseUrl('forecast-1');
    const res = await sendSlashCommand(bots[0]?.port ?? 0, SECRET, { text: `forecast ${FILLING}`, channel: 'C0ONCALL', responseUrl });
    expect(res.status).toBe(200);
    const answer = await standin.waitFor(() => standin.responses.find((r) => r.path.endsWith('/forecast-1')), 'the forecast answer');
    const text = String((JSON.parse(answer.body) as { text?: string }).text);
    const table = text.split('```')[1] ?? '';
    const rows = table.split('\n');
    expect(rows[0]).toMatch(/^RESOURCE\s+USED\s+OF\s+USE\s+PACE\s+TIME TO FULL$/);
    expect(rows[1]).toMatch(new RegExp(`^${POOL}\\s.*full in [0-9.]+ h`));
    expect(text).toContain(`soonest full: \`${POOL}\``);
  });

  it('prints the same table in the terminal with sickbay forecast, for a tag from the inventory too', async () => {
    const io = captureIo();
    expect(await runCli(['forecast', 'tag:lab', '--inventory', ws.inventory, '--redis', REDIS_URL, '--prefix', prefix], io)).toBe(0);
    const tables = io.stdout.split('\n\n');
    const filling = tables.find((t) => t.startsWith(`${FILLING}:`));
    const steady = tables.find((t) => t.startsWith(`${STEADY}:`));
    expect(filling).toMatch(new RegExp(`^${FILLING}: last sample 2026-03-02T22:30:00.000Z, soonest full: ${POOL} in [0-9.]+ h\nRESOURCE`));
    expect(filling?.split('\n')[2]).toMatch(new RegExp(`^${POOL}\\s+[0-9.]+ TB\\s+1.677 TB\\s+[0-9.]+ %\\s+\\+[0-9.]+ GB/h\\s+full in [0-9.]+ h \\(`));
    // the steady host: its resources are flat, nothing is on its way to full
    expect(steady).toMatch(new RegExp(`^${STEADY}: last sample`));
    expect(steady).not.toMatch(/full in/);
  });

  it('exports the time to full of the growing pool on the worker\'s /metrics', async () => {
    const body = await (await fetch(`http://127.0.0.1:${worker.metricsPort ?? 0}/metrics`)).text();
    const line = body.split('\n').find((l) => l.startsWith(`sickbay_time_to_full_seconds{host="${FILLING}",resource="${POOL}"}`));
    expect(Number(line?.split(' ').pop())).toBeGreaterThan(0);
    expect(Number(line?.split(' ').pop())).toBeLessThan(6 * 3600);
  });
});
