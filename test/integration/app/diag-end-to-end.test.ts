import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../../src/app/worker.js';
import { analyze } from '../../../src/analysis/index.js';
import { readBundle } from '../../../src/bundles/index.js';
import { fixedClock, groupFindings } from '../../../src/domain/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { sendSlashCommand, SlackStandIn, type RecordedCall, sickbayEnv } from '../../helpers/slack-standin.js';

const SECRET = 'e2e-signing-secret-0123456789';
const NOW = new Date('2026-11-21T00:00:00Z');
const standin = new SlackStandIn();
const prefix = uniquePrefix();
const logs: string[] = [];
let bot: BotHandle;
let worker: WorkerHandle;
let responseSeq = 0;

const env = () => sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { LOG_LEVEL: 'info', METRICS_PORT: '0' });

const textOf = (call: RecordedCall): string => String(call.body.text ?? '');
const parentsFor = (host: string, channel: string) =>
  standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && !c.body.thread_ts && textOf(c).includes(host) && !standin.deleted(c));

async function diag(text: string, opts: { user?: string; channel?: string } = {}) {
  const id = `r${++responseSeq}`;
  const res = await sendSlashCommand(bot.port, SECRET, { text, responseUrl: standin.responseUrl(id), ...opts });
  return { ...res, responseId: id };
}

async function responseText(id: string): Promise<string> {
  const post = await standin.waitFor(() => standin.responses.find((r) => r.path.endsWith(`/${id}`)), `response_url ${id}`);
  return String((JSON.parse(post.body) as { text?: string }).text);
}

beforeAll(async () => {
  await standin.start();
  const sink = { write: (line: string) => logs.push(line) };
  bot = await startBot({ env: env(), replayBundles: INCIDENTS_DIR, logDestination: sink });
  worker = await startWorker({
    env: env(),
    replayBundles: INCIDENTS_DIR,
    concurrency: 4,
    stepDelayMs: 15,
    progressIntervalMs: 50,
    clock: fixedClock(NOW),
    logDestination: sink,
  });
});

afterAll(async () => {
  await worker?.stop();
  await bot?.stop();
  await standin.stop();
  await deleteUnder(prefix);
});

describe('/diag end to end (real Redis, Slack stand-in)', () => {
  it('posts one parent message, updates it as steps finish, ends with the summary and puts every finding in the thread', async () => {
    const host = 'redis-dm-pool-full';
    const channel = 'C0E2E0001';
    const res = await diag(host, { channel });
    expect(res.status).toBe(200);
    expect(await responseText(res.responseId)).toContain('Queued');

    const done = await standin.waitFor(
      () => standin.ok('chat.update').find((c) => c.body.channel === channel && /root cause|finding/.test(textOf(c)) && textOf(c).startsWith(host)),
      'the summary update',
    );
    const parents = parentsFor(host, channel);
    expect(parents).toHaveLength(1);
    const parentTs = parents[0]?.result?.ts;
    expect(textOf(parents[0] as RecordedCall)).toContain(`Diagnosing ${host}`);
    expect(standin.ok('chat.update').filter((c) => c.body.ts === done.body.ts).length).toBeGreaterThan(1);

    const expected = analyze(await readBundle(join(INCIDENTS_DIR, host)), { now: NOW });
    expect(expected.findings.length).toBeGreaterThan(0);
    // one reply per finding code, every instance of it inside
    const codes = groupFindings(expected.findings).map((g) => g.code);
    const replies = await standin.waitFor(() => {
      const r = standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && c.body.thread_ts === done.body.ts);
      return r.length >= codes.length ? r : undefined;
    }, 'the thread replies');
    expect(replies.map((r) => textOf(r).split(' ')[1]).sort()).toEqual([...codes].sort());
    const summaryBlocks = JSON.stringify(done.body.blocks);
    for (const f of expected.findings) expect(summaryBlocks).toContain(f.code);
    for (const f of expected.findings) {
      const reply = JSON.stringify(replies.find((r) => textOf(r).includes(f.code))?.body.blocks);
      expect(reply).toContain(f.fixes[0]?.title.slice(0, 30));
    }
    // a fix one reply gave whole, the next names rather than repeats (both grow the pool)
    const overcommit = JSON.stringify(replies.find((r) => textOf(r).includes('DM_OVERCOMMIT'))?.body.blocks);
    expect(overcommit).toContain('_(the fix given above for `DM_POOL_DATA_FULL`)_');
    expect(overcommit).not.toContain('lsblk /dev/sda3');
    expect(JSON.stringify(replies.find((r) => textOf(r).includes('DM_POOL_DATA_FULL'))?.body.blocks)).toContain('lsblk /dev/sda3');
    expect(parentTs).toBe(done.body.ts);
  });

  it('rejects a request with a bad signature and one with an old timestamp, calling nothing', async () => {
    const before = standin.calls.length;
    const bad = await sendSlashCommand(bot.port, SECRET, { text: 'redis-dm-pool-full', responseUrl: standin.responseUrl('bad') }, { signature: 'v0=' + '0'.repeat(64) });
    const old = await sendSlashCommand(bot.port, SECRET, { text: 'redis-dm-pool-full', responseUrl: standin.responseUrl('old') }, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(bad.status).toBe(401);
    expect(old.status).toBe(401);
    expect(standin.calls.length).toBe(before);
    expect(standin.responses.filter((r) => /\/(bad|old)$/.test(r.path))).toEqual([]);
  });

  it('answers an unknown host with an ephemeral error naming the nearest hosts', async () => {
    const res = await diag('redis-dm-pool-ful');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('in the inventory; did you mean');
    expect(body.text).toContain('redis-dm-pool-full');
  });

  it('answers malformed arguments with an ephemeral error that says what is allowed', async () => {
    for (const text of ['host;rm -rf /', 'tag:', 'redis-dm-pool-full docker-host extra', 'redis-dm-pool-full Bad_Playbook', 'redis-dm-pool-full no-such-playbook']) {
      const res = await diag(text);
      const body = JSON.parse(res.body) as { response_type: string; text: string };
      expect(body.response_type, text).toBe('ephemeral');
      expect(body.text, text).toMatch(/is not a|Too many words|no playbook/);
    }
  });

  it('runs one job for two concurrent requests for the same host and tells the second where the thread is', async () => {
    const host = 'mesos-java-oom-137';
    const channel = 'C0E2E0002';
    const [a, b] = await Promise.all([diag(host, { channel, user: 'U0FIRST' }), diag(host, { channel, user: 'U0SECOND' })]);
    const texts = [await responseText(a.responseId), await responseText(b.responseId)];
    expect(texts.filter((t) => t.startsWith('Queued'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('already being diagnosed'))).toHaveLength(1);
    await standin.waitFor(() => standin.ok('chat.update').find((c) => c.body.channel === channel && textOf(c).startsWith(`${host}:`)), 'the summary');
    expect(parentsFor(host, channel)).toHaveLength(1);
  });

  it('retries a rate-limited chat.postMessage after Retry-After instead of dropping it', async () => {
    const host = 'ubuntu-veth-unregister-leak';
    const channel = 'C0E2E0003';
    // Only this channel's calls: replies of the previous test's job may still be in flight.
    standin.rateLimit('chat.postMessage', 1, 1, (body) => body['channel'] === channel);
    await diag(host, { channel });
    await standin.waitFor(() => parentsFor(host, channel)[0], 'the parent after the 429');
    const limited = standin.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 429 && c.body.channel === channel);
    expect(limited).toHaveLength(1);
    const retried = parentsFor(host, channel)[0] as RecordedCall;
    expect(retried.at - (limited[0] as RecordedCall).at).toBeGreaterThanOrEqual(900);
    // the parent message is posted by the bot, so the bot counts the rate limit
    const metrics = await (await fetch(`http://127.0.0.1:${String(bot.port)}/metrics`)).text();
    expect(metrics).toMatch(/sickbay_slack_api_errors_total\{method="chat.postMessage",code="ratelimited"\} 1/);
  });

  it('exports jobs by state, diagnosis durations, findings by code and Slack API errors on /metrics', async () => {
    const botMetrics = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
    expect(botMetrics).toMatch(/sickbay_jobs\{queue="diagnose-default",state="\w+"\} \d+/);
    const workerMetrics = await (await fetch(`http://127.0.0.1:${String(worker.metricsPort)}/metrics`)).text();
    expect(workerMetrics).toMatch(/sickbay_diagnosis_duration_seconds_count\{outcome="done"\} [1-9]/);
    expect(workerMetrics).toMatch(/sickbay_findings_total\{code="DM_POOL_DATA_FULL",severity="critical"\} [1-9]/);
    expect(workerMetrics).toContain('# TYPE sickbay_slack_api_errors_total counter');
    expect(workerMetrics).toContain('# TYPE sickbay_step_timeouts_total counter');
  });

  it('shows help and the queue status', async () => {
    const help = JSON.parse((await diag('help')).body) as { text: string };
    expect(help.text).toContain('/diag tag:NAME');
    const status = await diag('status');
    expect(await responseText(status.responseId)).toMatch(/\*default\*: \d+ waiting · \d+ running · .* [1-9]\d* worker connection/);
  });
});
