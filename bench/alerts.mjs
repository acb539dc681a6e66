// Alert intake benchmark: alert-to-thread latency (p50/p99) through the webhook and the Marathon event
// stream, against a baseline plain HTTP round trip in the same process, and storm throughput; then the
// same through `sickbay intake` (startIntake: real sink, Slack notifier) up to a Slack stand-in's
// chat.postMessage, the storm case counted in Slack calls, and a Mesos v1 TASK_UPDATED streamed by a
// master over HTTP up to the thread's parent (p99 goal < 50 ms, printed with its ratio to the baseline).
// Needs `npm run build` and Redis on 127.0.0.1:6379. Run: node bench/alerts.mjs
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  createAlertIntake,
  createMarathonEventStream,
  createStormGrouper,
  createWebhookHandler,
} from '../dist/alerts/index.js';
import { systemClock } from '../dist/domain/index.js';
import { startIntake } from '../dist/app/intake.js';
import { deleteKeysUnder, pct } from './lib/common.mjs';

const N = Number(process.env.BENCH_ALERTS ?? 300);
const TOKEN = 'bench-token';

const ms = (v) => `${v.toFixed(2)} ms`;

class TimingSink {
  waiters = new Map();
  threads = 0;
  diagnoses = 0;
  async openOrUpdateThread(group) {
    this.threads += 1;
    const resolve = this.waiters.get(group.appId);
    if (resolve) {
      this.waiters.delete(group.appId);
      resolve(performance.now());
    }
  }
  async requestDiagnosis() {
    this.diagnoses += 1;
  }
  async raiseRateAlert() {}
  next(appId) {
    return new Promise((resolve) => this.waiters.set(appId, resolve));
  }
}

function listen(handler) {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const prefix = `bench-alerts-${randomUUID()}`;
const sink = new TimingSink();
const intake = createAlertIntake({ storm: createStormGrouper({ redis, prefix, clock: systemClock }), sink });

// baseline: the same HTTP round trip to a handler that does nothing
const noop = await listen((req, res) => req.resume().on('end', () => res.writeHead(202).end('{}')));
const noopUrl = `http://127.0.0.1:${noop.address().port}/`;
const baseline = [];
for (let i = 0; i < N; i += 1) {
  const t0 = performance.now();
  const res = await fetch(noopUrl, { method: 'POST', body: '{}' });
  await res.text();
  baseline.push(performance.now() - t0);
}

// webhook: POST one failed task, time until the sink is asked to open its thread
const webhook = await listen(
  createWebhookHandler({ auth: { bearerToken: TOKEN }, clock: systemClock, onBatch: (b) => intake.acceptBatch(b) }),
);
const hookUrl = `http://127.0.0.1:${webhook.address().port}/alerts/failed-task`;
const viaWebhook = [];
for (let i = 0; i < N; i += 1) {
  const app = `bench-hook-${i}`;
  const opened = sink.next(`/${app}`);
  const body = JSON.stringify({ app, task: `${app}.${randomUUID()}`, host: 'test-a3-60-17', message: 'Container exited with status 137' });
  const t0 = performance.now();
  const res = await fetch(hookUrl, { method: 'POST', body, headers: { Authorization: `Bearer ${TOKEN}` } });
  const t1 = await opened;
  await res.text();
  viaWebhook.push(t1 - t0);
}

// Marathon event stream: write one event, time until the sink is asked to open its thread
let client;
const marathon = await listen((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  client = res;
});
const stream = createMarathonEventStream({ url: `http://127.0.0.1:${marathon.address().port}`, onTask: (t) => intake.accept(t) });
stream.start();
while (!client) await new Promise((r) => setTimeout(r, 5));
const viaSse = [];
for (let i = 0; i < N; i += 1) {
  const app = `bench-sse-${i}`;
  const event = {
    eventType: 'status_update_event', timestamp: new Date().toISOString(), slaveId: '5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7',
    taskId: `${app}.${randomUUID()}`, taskStatus: 'TASK_FAILED', message: 'Container exited with status 137', appId: `/${app}`,
    host: 'test-a3-60-17', ipAddresses: [{ ipAddress: '172.17.0.3', protocol: 'IPv4' }], ports: [31482], version: '2017-08-25T10:17:30.912Z',
  };
  const opened = sink.next(`/${app}`);
  const t0 = performance.now();
  client.write(`event: status_update_event\ndata: ${JSON.stringify(event)}\n\n`);
  viaSse.push((await opened) - t0);
}
await stream.stop();

// storm: 500 failures of one app on 50 hosts, 10 in flight at a time, with a fresh diagnosis bucket
const stormIntake = createAlertIntake({ storm: createStormGrouper({ redis, prefix: `${prefix}:storm`, clock: systemClock }), sink });
const threadsBefore = sink.threads;
const diagnosesBefore = sink.diagnoses;
const stormTasks = Array.from({ length: 500 }, (_, i) => ({
  source: 'webhook', appId: '/bench-storm', taskId: `bench-storm.${randomUUID()}`, status: 'TASK_FAILED',
  host: `test-b${i % 50}`, exitStatus: 137, at: new Date().toISOString(),
}));
const s0 = performance.now();
for (let i = 0; i < stormTasks.length; i += 10) await Promise.all(stormTasks.slice(i, i + 10).map((t) => stormIntake.accept(t)));
const stormMs = performance.now() - s0;

console.log(`alerts bench (${N} alerts each, Redis 127.0.0.1:6379)`);
console.log(`  baseline HTTP POST round trip  p50 ${ms(pct(baseline, 50))}  p99 ${ms(pct(baseline, 99))}`);
console.log(`  webhook -> thread              p50 ${ms(pct(viaWebhook, 50))}  p99 ${ms(pct(viaWebhook, 99))}  (${(pct(viaWebhook, 50) / pct(baseline, 50)).toFixed(2)}x baseline p50)`);
console.log(`  Marathon SSE -> thread         p50 ${ms(pct(viaSse, 50))}  p99 ${ms(pct(viaSse, 99))}`);
console.log(`  storm 500 failures/1 app/50 hosts: ${ms(stormMs)} (${Math.round(500 / (stormMs / 1000))} failures/s), ` +
  `${sink.threads - threadsBefore} thread calls (updates coalesced to one per 3 s), ${sink.diagnoses - diagnosesBefore} diagnoses (bucket: 30/min)`);

// through `sickbay intake`: webhook -> storm -> real sink -> Slack notifier -> stand-in chat.postMessage
const slackCalls = { post: 0, update: 0 };
const posted = new Map();
const slack = await listen((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    const at = performance.now();
    const method = (req.url ?? '').replace(/^\/api\//, '');
    const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    if (method === 'chat.postMessage') slackCalls.post += 1;
    if (method === 'chat.update') slackCalls.update += 1;
    if (method === 'chat.postMessage' && !body.thread_ts) {
      const app = String(body.text ?? '').split(' ')[0].replace(/:$/, '');
      posted.get(app)?.(at);
      posted.delete(app);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, channel: body.channel, ts: `${Date.now() / 1000}` }));
  });
});
const work = mkdtempSync(join(tmpdir(), 'sickbay-bench-alerts-'));
writeFileSync(join(work, 'inventory.yml'), 'hosts: {}\n');
const queuePrefix = `bench-intake-${randomUUID()}`;
const live = await startIntake({
  env: {
    SLACK_BOT_TOKEN: 'xoxb-0000-bench', SLACK_API_URL: `http://127.0.0.1:${slack.address().port}/api/`, QUEUE_PREFIX: queuePrefix,
    SICKBAY_ALERTS_CHANNEL: 'C0ALERTS', ALERT_WEBHOOK_TOKEN: 'bench-token-0123456789', ALERT_PORT: '0', LOG_LEVEL: 'silent',
  },
  inventory: join(work, 'inventory.yml'),
  tickIntervalMs: 500,
});
const liveUrl = `http://127.0.0.1:${live.port}/alerts/failed-task`;
const postLive = (app, host) => fetch(liveUrl, {
  method: 'POST',
  headers: { Authorization: 'Bearer bench-token-0123456789' },
  body: JSON.stringify({ app, task: `${app.slice(1)}.${randomUUID()}`, host, message: 'Container exited with status 137' }),
});
const viaIntake = [];
for (let i = 0; i < N; i += 1) {
  const app = `bench-live-${i}`;
  const opened = new Promise((resolve) => posted.set(app, resolve));
  const t0 = performance.now();
  const res = await postLive(`/${app}`, 'test-a3-60-17');
  const t1 = await opened;
  await res.text();
  viaIntake.push(t1 - t0);
}
const callsBefore = { ...slackCalls };
const l0 = performance.now();
for (let i = 0; i < 500; i += 10) {
  await Promise.all(Array.from({ length: 10 }, (_, j) => postLive('/bench-live-storm', `test-b${(i + j) % 50}`).then((r) => r.text())));
}
const liveStormMs = performance.now() - l0;
// the coalesced digest edit is posted by the next tick once 3 s (60 s / 20 edits) have passed
await new Promise((r) => setTimeout(r, 3_600));
await live.stop();
rmSync(work, { recursive: true, force: true });

console.log(`  sickbay intake: webhook -> chat.postMessage at the Slack stand-in  p50 ${ms(pct(viaIntake, 50))}  p99 ${ms(pct(viaIntake, 99))}`);
console.log(`  sickbay intake storm 500 failures/1 app/50 hosts (hosts outside the inventory): ${ms(liveStormMs)} (${Math.round(500 / (liveStormMs / 1000))} failures/s), ` +
  `Slack calls in 4 s: ${slackCalls.post - callsBefore.post} chat.postMessage (the thread, plus "not in the inventory" notes while the 30/min diagnosis bucket lasts; ` +
  `the latency run above emptied it), ${slackCalls.update - callsBefore.update} chat.update (digest edits, at most 20/min)`);

// Mesos v1: a master over HTTP streams TASK_UPDATED (RecordIO) to `sickbay intake`; time from writing
// the event to the thread's parent reaching the Slack stand-in, against the plain HTTP round trip above.
let mesosClient;
const agentId = '5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7';
const frameworkId = '5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-0000';
const record = (event) => {
  const json = JSON.stringify(event);
  return `${Buffer.byteLength(json)}\n${json}`;
};
const master = await listen((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    const type = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}').type;
    if (type !== 'SUBSCRIBE') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type, get_agents: { agents: [] }, get_tasks: { tasks: [] } }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.socket.setNoDelay(true);
    res.write(record({ type: 'SUBSCRIBED', subscribed: { heartbeat_interval_seconds: 15, get_state: { get_agents: { agents: [{ agent_info: { hostname: 'test-a3-60-17', id: { value: agentId } } }] } } } }));
    mesosClient = res;
  });
});
const mesosWork = mkdtempSync(join(tmpdir(), 'sickbay-bench-mesos-'));
writeFileSync(join(mesosWork, 'inventory.yml'), 'hosts: {}\n');
const mesosPrefix = `bench-mesos-${randomUUID()}`;
const mesosIntake = await startIntake({
  env: {
    SLACK_BOT_TOKEN: 'xoxb-0000-bench', SLACK_API_URL: `http://127.0.0.1:${slack.address().port}/api/`, QUEUE_PREFIX: mesosPrefix,
    SICKBAY_ALERTS_CHANNEL: 'C0ALERTS', MESOS_MASTER_URL: `http://127.0.0.1:${master.address().port}`, ALERT_PORT: '0', LOG_LEVEL: 'silent',
    ALERT_MAX_DIAGNOSES_PER_MINUTE: '10000',
  },
  inventory: join(mesosWork, 'inventory.yml'),
});
while (!mesosClient) await new Promise((r) => setTimeout(r, 5));
const viaMesos = [];
for (let i = 0; i < N; i += 1) {
  const app = `bench-mesos-${i}`;
  const taskId = `${app}.${randomUUID()}`;
  const opened = new Promise((resolve) => posted.set(app, resolve));
  const event = record({
    type: 'TASK_UPDATED',
    task_updated: {
      framework_id: { value: frameworkId },
      state: 'TASK_FAILED',
      status: {
        task_id: { value: taskId }, state: 'TASK_FAILED', message: 'Container exited with status 137', source: 'SOURCE_EXECUTOR',
        reason: 'REASON_COMMAND_EXECUTOR_FAILED', agent_id: { value: agentId }, executor_id: { value: taskId }, timestamp: Date.now() / 1000,
      },
    },
  });
  const t0 = performance.now();
  mesosClient.write(event);
  viaMesos.push((await opened) - t0);
}
await mesosIntake.stop();
rmSync(mesosWork, { recursive: true, force: true });
const mesosP99 = pct(viaMesos, 99);
console.log(`  Mesos v1 TASK_UPDATED -> parent chat.postMessage at the Slack stand-in  p50 ${ms(pct(viaMesos, 50))}  p99 ${ms(mesosP99)}  ` +
  `(${(mesosP99 / pct(baseline, 99)).toFixed(2)}x baseline p99; goal p99 < 50 ms: ${mesosP99 < 50 ? 'met' : 'NOT met'})`);

for (const server of [noop, webhook, marathon, slack, master]) {
  server.closeAllConnections();
  server.close();
}
await deleteKeysUnder(redis, prefix);
await deleteKeysUnder(redis, queuePrefix);
await deleteKeysUnder(redis, mesosPrefix);
await redis.quit();
