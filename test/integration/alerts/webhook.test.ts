import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AlertAuthError, createAlertIntake, createRedisReplayGuard, createStormGrouper, createWebhookHandler } from '../../../src/alerts/index.js';
import { inventoryOf, seedClock, fixtureText, RecordingSink, redisForTest } from '../../helpers/alerts.js';

/** The signature headers docs/alerts.md documents: HMAC-SHA256 of "<timestamp>.<body>". */
function signed(body: string, timestamp: number, key = HMAC_KEY): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
  return { 'X-Sickbay-Timestamp': String(timestamp), 'X-Sickbay-Signature': `sha256=${signature}` };
}

const TOKEN = 'test-webhook-token-9f8e7d';
const HMAC_KEY = 'test-hmac-key-1a2b3c';

describe('alert webhook', () => {
  let server: Server;
  let base: string;
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let sink: RecordingSink;
  let now: number;

  beforeEach(async () => {
    ({ redis, prefix, cleanup } = await redisForTest());
    sink = new RecordingSink();
    const clock = seedClock();
    // the seed's agent, whose node-exporter is scraped at its address (instance 192.168.60.17:9100)
    const directory = inventoryOf([{ name: 'test-a3-60-17', address: '192.168.60.17' }]);
    const intake = createAlertIntake({ storm: createStormGrouper({ redis, prefix, clock }), sink, directory });
    const handler = createWebhookHandler({
      auth: { bearerToken: TOKEN, hmacSecret: HMAC_KEY },
      maxBodyBytes: 64 * 1024,
      clock,
      onBatch: (batch) => intake.acceptBatch(batch),
      replayGuard: createRedisReplayGuard(redis, prefix),
    });
    now = Math.floor(clock.now().getTime() / 1000);
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await cleanup();
  });

  async function post(path: string, body: string, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) {
    const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('accepts an Alertmanager v4 webhook with a bearer token and opens the thread', async () => {
    const res = await post('/alerts/alertmanager', fixtureText('alertmanager-webhook-v4.json'));
    // the firing alert opens the thread (its host mapped from instance by address); the resolved one
    // of the same group never fired here, so it changes nothing
    expect(res).toEqual({ status: 202, json: { accepted: 2, duplicates: 0, refused: [] } });
    expect(sink.threads.map((t) => t.headline)).toEqual(['MarathonTaskFailed (deploy-to-docker-business-product-rpc-test) firing on test-a3-60-17 (exit 137)']);
  });

  it('accepts the small JSON form signed with HMAC-SHA256 of a timestamp and the body, and refuses the same signature twice', async () => {
    const body = fixtureText('simple-webhook.json');
    expect((await post('/alerts/failed-task', body, signed(body, now))).json).toMatchObject({ accepted: 1 });
    const replay = await post('/alerts/failed-task', body, signed(body, now));
    expect(replay).toEqual({ status: 401, json: { error: 'this signature was already used: a signed call is accepted once' } });
    // a resend signed afresh is a new call: the task itself is then a duplicate
    expect((await post('/alerts/failed-task', body, signed(body, now + 1))).json).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(sink.diagnoses).toHaveLength(1);
  });

  it('refuses a signed call whose timestamp is old or in the future, or missing, or signed without it', async () => {
    const body = fixtureText('simple-webhook.json');
    const old = await post('/alerts/failed-task', body, signed(body, now - 301));
    const future = await post('/alerts/failed-task', body, signed(body, now + 301));
    const bodyOnly = `sha256=${createHmac('sha256', HMAC_KEY).update(body).digest('hex')}`;
    const noTimestamp = await post('/alerts/failed-task', body, { 'X-Sickbay-Signature': bodyOnly });
    const unsignedTimestamp = await post('/alerts/failed-task', body, { 'X-Sickbay-Timestamp': String(now), 'X-Sickbay-Signature': bodyOnly });
    expect([old.status, future.status, noTimestamp.status, unsignedTimestamp.status]).toEqual([401, 401, 401, 401]);
    expect(old.json['error']).toMatch(/^the signed timestamp is 301 s away from this intake's clock/);
    expect(noTimestamp.json['error']).toMatch(/needs x-sickbay-timestamp/);
    expect(unsignedTimestamp.json['error']).toMatch(/does not match the timestamp and body/);
    expect(sink.threads).toEqual([]);
  });

  it('answers 400, not 503, for a deeply nested body, and keeps serving', async () => {
    const deep = `{"alerts":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const big = createServer(
      createWebhookHandler({ auth: { bearerToken: TOKEN }, maxBodyBytes: 1024 * 1024, clock: seedClock(), onBatch: async () => ({ accepted: 0, duplicates: 0, refused: [] }) }),
    );
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(big.address() as AddressInfo).port}`;
      for (const path of ['/alerts/alertmanager', '/alerts/failed-task']) {
        const res = await fetch(`${url}${path}`, { method: 'POST', body: deep, headers: { Authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ error: 'the alert body nests JSON deeper than 32 levels; an alert is a few levels deep' });
      }
    } finally {
      big.closeAllConnections();
      await new Promise<void>((resolve) => big.close(() => resolve()));
    }
    expect((await post('/alerts/failed-task', fixtureText('simple-webhook.json'))).status).toBe(202);
  });

  it('answers 400 with the reason for a body that is not JSON', async () => {
    const res = await post('/alerts/alertmanager', '{"receiver": "sickbay", ');
    expect(res.status).toBe(400);
    expect(res.json['error']).toBe('the alert body is not JSON ({"receiver": "sickbay", )');
  });

  it('answers 400 with the offending field for a payload of the wrong shape', async () => {
    const res = await post('/alerts/alertmanager', JSON.stringify({ version: '3', alerts: [] }));
    expect(res.status).toBe(400);
    expect(res.json['refused']).toEqual([expect.stringMatching(/^not an Alertmanager webhook \(version 4\): version: .*got 3/)]);
  });

  it('answers 400 when a host carries shell syntax, and the service keeps working', async () => {
    const hostile = JSON.stringify({ app: 'my-app', task: 'my-app.1', host: 'h1 && reboot' });
    const res = await post('/alerts/failed-task', hostile);
    expect(res.status).toBe(400);
    expect(res.json['refused']).toEqual([expect.stringMatching(/host: a host name is .*got h1 && reboot/)]);
    expect((await post('/alerts/failed-task', fixtureText('simple-webhook.json'))).status).toBe(202);
  });

  it('answers 413 for a body over the limit and 404/405 for wrong routes and methods', async () => {
    const big = JSON.stringify({ app: 'my-app', task: 'my-app.1', host: 'h1', message: 'x'.repeat(70 * 1024) });
    expect((await post('/alerts/failed-task', big)).status).toBe(413);
    expect((await post('/alerts/other', '{}')).status).toBe(404);
    const get = await fetch(`${base}/alerts/failed-task`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
    await get.body?.cancel();
  });

  it('answers 503 when Redis is unreachable, so that Alertmanager retries, and keeps serving', async () => {
    const offline = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    offline.on('error', () => undefined);
    const intake = createAlertIntake({ storm: createStormGrouper({ redis: offline, prefix, clock: seedClock() }), sink });
    const down = createServer(createWebhookHandler({ auth: { bearerToken: TOKEN }, clock: seedClock(), onBatch: (b) => intake.acceptBatch(b) }));
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}/alerts/failed-task`;
      for (let i = 0; i < 2; i += 1) {
        const res = await fetch(url, { method: 'POST', body: fixtureText('simple-webhook.json'), headers: { Authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({ error: 'alert intake is unavailable; retry later' });
      }
    } finally {
      down.closeAllConnections();
      await new Promise<void>((resolve) => down.close(() => resolve()));
      offline.disconnect();
    }
  });

  it('refuses to start without any secret, or with an HMAC secret and nowhere to remember signatures', () => {
    const onBatch = async () => ({ accepted: 0, duplicates: 0, refused: [] });
    expect(() => createWebhookHandler({ auth: {}, clock: seedClock(), onBatch })).toThrow(AlertAuthError);
    expect(() => createWebhookHandler({ auth: { hmacSecret: HMAC_KEY }, clock: seedClock(), onBatch })).toThrow(/replay guard/);
  });
});
