import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { AlertSourceError, createAlertIntake, createMesosPoller, createStormGrouper, type IntakeSummary } from '../../../src/alerts/index.js';
import { fixtureText, ManualClock, RecordingSink, redisForTest } from '../../helpers/alerts.js';

describe('Mesos master poller', () => {
  let server: Server;
  let url: string;
  let body: string;
  let status: number;
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let sink: RecordingSink;
  let summaries: IntakeSummary[];
  const clock = new ManualClock(Date.parse('2017-08-25T10:25:00Z'));

  beforeEach(async () => {
    body = fixtureText('mesos-master-state.json');
    status = 200;
    server = createServer((req, res) => {
      if (req.url !== '/master/state') return void res.writeHead(404).end();
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ redis, prefix, cleanup } = await redisForTest());
    sink = new RecordingSink();
    summaries = [];
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await cleanup();
  });

  function poller(maxAgeMs = 600_000) {
    const intake = createAlertIntake({ storm: createStormGrouper({ redis, prefix, clock }), sink });
    return createMesosPoller({ url, clock, maxAgeMs, onBatch: async (batch) => summaries.push(await intake.acceptBatch(batch)) });
  }

  it('raises the recent failed task with its agent host and Mesos container, and no older ones', async () => {
    const batch = await poller().pollOnce();
    expect(batch.tasks.map((t) => [t.taskId, t.host, t.mesosContainerId])).toEqual([
      ['deploy-to-docker-business-product-rpc-test.a22e5797-897e-11e7-9837-f2f3c189fa2c', 'test-a3-60-17', 'c4114492-f1fb-4c7e-920f-8d63be425630'],
    ]);
    expect(sink.threads.map((t) => t.headline)).toEqual(['deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17']);
  });

  it('handles a completed task once however many polls see it', async () => {
    const p = poller(3 * 3_600_000);
    await p.pollOnce();
    await p.pollOnce();
    expect(summaries).toEqual([
      { accepted: 2, duplicates: 0, refused: [] },
      { accepted: 0, duplicates: 2, refused: [] },
    ]);
    expect(sink.opened()).toHaveLength(2);
  });

  it('refuses a state that is not a Mesos master state with a reason and raises nothing', async () => {
    body = JSON.stringify({ frameworks: [] });
    const batch = await poller().pollOnce();
    expect(batch.tasks).toEqual([]);
    expect(batch.refused[0]).toMatch(/^not a Mesos master state: slaves: /);
    expect(sink.threads).toEqual([]);
  });

  it('says which master failed when it answers with an error', async () => {
    status = 503;
    await expect(poller().pollOnce()).rejects.toThrow(AlertSourceError);
    await expect(poller().pollOnce()).rejects.toThrow(/answered HTTP 503 for \/master\/state/);
  });
});
