import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RemediateQueue, remediateQueueName } from '../../../src/queue/index.js';

describe('the remediate queue', () => {
  const prefix = `test-${randomUUID()}`;
  const connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const queue = new RemediateQueue({ connection, prefix });

  afterAll(async () => {
    await queue.close();
    for (const zone of ['dc1', 'dc2']) {
      const q = new Queue(remediateQueueName(zone), { connection, prefix });
      await q.obliterate({ force: true });
      await q.close();
    }
    connection.disconnect();
  });

  it('queues a fix in its host’s zone, once, however often it is enqueued', async () => {
    const data = {
      requestId: 'AbCdEfGhIjKlMnOpQrStUv',
      host: 'host-b2-60-31',
      zone: 'dc2',
      approvedBy: 'U0APPROVER',
      thread: { channel: 'C0THREAD1', ts: '1700000000.000100' },
      approval: { channel: 'C0THREAD1', ts: '1700000000.000200' },
      required: 1,
    };
    const [a, b] = await Promise.all([queue.enqueue(data), queue.enqueue(data)]);
    expect(a.jobId).toBe(b.jobId);
    const dc2 = new Queue(remediateQueueName('dc2'), { connection, prefix });
    const dc1 = new Queue(remediateQueueName('dc1'), { connection, prefix });
    expect((await dc2.getJobCounts('waiting')).waiting).toBe(1);
    expect((await dc1.getJobCounts('waiting')).waiting).toBe(0);
    await Promise.all([dc1.close(), dc2.close()]);
  });
});
