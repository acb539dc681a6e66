// Bench: one capacity sweep of 500 lab hosts, and what its history costs in Redis.
//  A. 500 lab hosts (the shipped incident bundles, recorded step timings and hangs) swept once the
//     way a scheduler tick does it: SweepScheduler.runNow -> the zone's tick job -> 500 sample jobs
//     (global concurrency 100) -> a sweep worker (concurrency 100): the capacity playbook over one
//     SSH connection per host, analysis, samples appended to Redis, forecasts, the channel's plan.
//     Goal < 60 s. Compared in the same run: the capacity playbook without the queue, and the
//     baseline, the full docker-host playbook (what /diag collects) on the same 500 hosts, both at
//     a concurrency of 100.
//     The lab answers the shell sessions itself (each step line runs once per bundle, then replays
//     with its recorded wait): 500 hosts' process start-ups on this machine's 2 cores would measure
//     the lab, not the sweep; a real fleet has a CPU per host.
//  B. Redis bytes per host per day: each distinct lab host's real resources (one sweep's samples),
//     written for 2 days at a 15-minute cadence (96 samples a day, usage moving) through the
//     history store; MEMORY USAGE of the open day (appended records) and of the closed day
//     (compacted), and the 14-day total (13 closed days + the open one) per host.
// Usage: node bench/sweep.mjs [hosts]   (default 500)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createDiagnoser } from '../dist/diagnosis/index.js';
import { systemClock } from '../dist/domain/index.js';
import { capacitySamples } from '../dist/forecast/index.js';
import { loadInventory } from '../dist/inventory/index.js';
import { loadPlaybooks } from '../dist/playbooks/index.js';
import { createSweepProcessor, startSweepWorker, sweepQueueName, SweepScheduler } from '../dist/queue/index.js';
import { mapLimit } from '../dist/shared/index.js';
import { createSshRunner } from '../dist/ssh/index.js';
import { HistoryStore, parseSweeps } from '../dist/sweeps/index.js';
import { deleteKeysUnder, pct } from './lib/common.mjs';
import { startLabProcess } from './lib/lab.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const incidents = join(root, 'test/fixtures/incidents');
const work = mkdtempSync(join(tmpdir(), 'sickbay-bench-sweep-'));
const N = Number(process.argv[2] ?? 500);
const CONCURRENCY = 100;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-sweep-${process.pid}`;
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });

const playbooks = await loadPlaybooks(join(root, 'playbooks'));
const diagnoser = createDiagnoser({ playbooks, connect: (t) => createSshRunner(t), clock: systemClock });
const lab = await startLabProcess({ cli, work, bundlesDir: incidents, hosts: N, durationScale: 1, sessionsInProcess: true });
const directory = await loadInventory(lab.inventory);
const hosts = directory.list();

try {
  // ---------- A: one sweep through the queue ----------
  const config = parseSweeps(`defaults:\n  channel: C0BENCH\n  jitter_seconds: 0\n  max_hosts_per_zone: ${CONCURRENCY}\nsweeps:\n  - name: bench\n    target: tag:lab\n    cron: "0 0 1 1 *"\n`, 'bench-sweeps.yml');
  const scheduler = new SweepScheduler({ connection: redis, prefix });
  await scheduler.sync(config, directory);
  const queue = new Queue(sweepQueueName('lab'), { connection: redis, prefix });
  let posted = 0;
  const notifier = {
    post: async () => ({ channel: 'C0BENCH', ts: `${++posted}.0` }),
    update: async () => undefined,
    reply: async () => ({ channel: 'C0BENCH', ts: '0.0' }),
    ephemeral: async () => undefined,
    remove: async () => undefined,
  };
  const durations = [];
  let done = 0;
  let failed = 0;
  const worker = startSweepWorker(
    { connection: redis, prefix, zone: 'lab', concurrency: CONCURRENCY },
    createSweepProcessor({ diagnoser, directory, redis, prefix, notifier, clock: systemClock, logger: pino({ level: 'silent' }), queue }),
  );
  worker.on('completed', (job) => {
    if (job.name !== 'sample') return;
    done++;
    durations.push(job.finishedOn - job.processedOn);
  });
  worker.on('failed', (job, err) => {
    if (job?.name !== 'sample') return;
    failed++;
    if (failed <= 3) console.log(`   ${job.data.host}: ${err.message}`);
  });
  await worker.waitUntilReady();
  const t0 = performance.now();
  await scheduler.runNow(config, directory, 'bench');
  while (done + failed < hosts.length) await new Promise((r) => setTimeout(r, 20));
  const sweepSecs = (performance.now() - t0) / 1000;
  await worker.close();
  await queue.close();
  await scheduler.close();

  const timed = async (playbook) => {
    const t = performance.now();
    let bad = 0;
    await mapLimit(hosts, CONCURRENCY, async (host) => {
      try { await diagnoser.diagnose({ host, playbook, keepBundle: false }); } catch { bad++; }
    });
    return { secs: (performance.now() - t) / 1000, bad };
  };
  const direct = await timed('capacity');
  const baseline = await timed('docker-host');
  console.log(`A. one capacity sweep of ${hosts.length} lab hosts through the queue (global concurrency ${CONCURRENCY}): ${sweepSecs.toFixed(1)} s (goal < 60 s) ${sweepSecs < 60 ? 'OK' : 'MISSED'}, ${failed} failed, ${posted} threads opened`);
  console.log(`   per host: median ${pct(durations, 50)} ms, p95 ${pct(durations, 95)} ms, max ${Math.max(...durations)} ms (collect, analyse, append, forecast, plan)`);
  console.log(`   capacity playbook without the queue: ${direct.secs.toFixed(1)} s (${direct.bad} failed)`);
  console.log(`   baseline, docker-host playbook (what /diag collects) on the same hosts: ${baseline.secs.toFixed(1)} s (${baseline.bad} failed); the sweep takes ${(sweepSecs / baseline.secs).toFixed(2)}x of it`);

  // ---------- B: Redis bytes per host per day ----------
  await deleteKeysUnder(redis, prefix);
  const history = new HistoryStore(redis, prefix);
  const distinct = [...new Map(hosts.map((h) => [h.name.replace(/-\d+$/, ''), h])).values()];
  const DAY = 86_400;
  const start = Math.floor(Date.parse('2026-03-02T00:00:00Z') / 1000);
  const rows = [];
  for (const host of distinct) {
    const { bundle } = await diagnoser.diagnose({ host, playbook: 'capacity', keepBundle: false });
    const real = capacitySamples(bundle, { host: host.name, at: start });
    for (let i = 0; i < 192; i++) {
      const at = start + i * 900 + ((i * 37) % 50); // jittered sweeps
      const moved = real.map((s) =>
        'value' in s ? { ...s, at, value: s.kind === 'load1' ? Math.round((s.value + (i % 7) * 0.13) * 100) / 100 : s.value + (i % 3) } : { ...s, at, used: Math.min(s.total, Math.round(s.used * (1 + i * 0.0005)) + (i % 5) * 4096) },
      );
      await history.append(host.name, moved, 14);
    }
    const keys = await history.keys(host.name);
    const usage = async (match) => {
      let sum = 0;
      for (const k of keys.filter(match)) sum += Number(await redis.memory('USAGE', k, 'SAMPLES', 0));
      return sum;
    };
    const day1 = String(Math.floor(start / DAY));
    const day2 = String(Math.floor(start / DAY) + 1);
    const closed = await usage((k) => k.endsWith(`:${day1}`));
    const open = await usage((k) => k.endsWith(`:${day2}`));
    const index = await usage((k) => k.endsWith(':resources'));
    rows.push({ host: host.name, resources: real.length, open, closed, index, total14: open + 13 * closed + index });
  }
  const mean = (f) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  console.log(`B. Redis MEMORY USAGE per host, ${rows.length} distinct lab hosts, 96 samples a day (15-minute sweeps), Redis ${(await redis.info('server')).match(/redis_version:(\S+)/)?.[1]}`);
  for (const r of rows) console.log(`   ${r.host.padEnd(40)} ${String(r.resources).padStart(3)} resources: open day ${r.open} B, closed (compacted) day ${r.closed} B, index ${r.index} B, 14 days ${(r.total14 / 1000).toFixed(0)} kB`);
  console.log(`   mean: ${mean((r) => r.resources).toFixed(1)} resources, ${mean((r) => r.open).toFixed(0)} B/host/day appended, ${mean((r) => r.closed).toFixed(0)} B/host/day compacted; 14-day retention ${(mean((r) => r.total14) / 1000).toFixed(0)} kB/host, ${((mean((r) => r.total14) * 500) / 1e6).toFixed(1)} MB for 500 hosts`);
} finally {
  await deleteKeysUnder(redis, prefix);
  redis.disconnect();
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
}
