import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AlertAuthError, createAlertIntake, createStormGrouper, createWebhookHandler } from '../../../src/alerts/index.js';
import { seedClock, fixtureText, RecordingSink, redisForTest } from '../../helpers/alerts.js';

const TOKEN = 'test-webhook-token-9f8e7d';
const HMAC_KEY = 'test-hmac-key-1a2b3c';

describe('alert webhook', () => {
  let server: Server;
  let base: string;
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let sink: RecordingSink;

  beforeEach(async () => {
    ({ redis, prefix, cleanup } = await redisForTest());
    sink = new RecordingSink();
    const clock = seedClock();
    const intake = createAlertIntake({ storm: createStormGrouper({ redis, prefix, clock }), sink });
    const handler = createWebhookHandler({
      auth: { bearerToken: TOKEN, hmacSecret: HMAC_KEY },
      maxBodyBytes: 64 * 1024,
      clock,
      onBatch: (batch) => intake.acceptBatch(batch),
    });
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
    expect(res).toEqual({ status: 202, json: { accepted: 1, duplicates: 0, refused: [] } });
    expect(sink.threads.map((t) => t.headline)).toEqual(['deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17 (exit 137)']);
  });

  it('accepts the small JSON form signed with HMAC-SHA256 and answers a resend as a duplicate', async () => {
    const body = fixtureText('simple-webhook.json');
    const signature = `sha256=${createHmac('sha256', HMAC_KEY).update(body).digest('hex')}`;
    expect((await post('/alerts/failed-task', body, { 'X-Sickbay-Signature': signature })).json).toMatchObject({ accepted: 1 });
    expect((await post('/alerts/failed-task', body, { 'X-Sickbay-Signature': signature })).json).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(sink.diagnoses).toHaveLength(1);
  });

  it('answers 401 for a wrong token, a wrong signature and no credentials, without touching the intake', async () => {
    const body = fixtureText('simple-webhook.json');
    const wrongToken = await post('/alerts/failed-task', body, { Authorization: 'Bearer nope' });
    const wrongSignature = await post('/alerts/failed-task', body, { 'X-Sickbay-Signature': `sha256=${'0'.repeat(64)}` });
    const none = await post('/alerts/failed-task', body, {});
    expect([wrongToken.status, wrongSignature.status, none.status]).toEqual([401, 401, 401]);
    expect(wrongSignature.json['error']).toMatch(/does not match the body/);
    expect(sink.threads).toEqual([]);
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

  it('refuses to start without any secret', () => {
    expect(() => createWebhookHandler({ auth: {}, clock: seedClock(), onBatch: async () => ({ accepted: 0, duplicates: 0, refused: [] }) })).toThrow(AlertAuthError);
  });
});
