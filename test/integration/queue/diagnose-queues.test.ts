import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { replayHost } from '../../../src/diagnosis/index.js';
import { DiagnoseQueues, diagnoseJobId, diagnoseQueueName, QueueDownError } from '../../../src/queue/index.js';
import { freePort } from '../../helpers/processes.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const prefix = uniquePrefix();
const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queues = new DiagnoseQueues({ connection, prefix });
const host = replayHost('host-a3-60-17', 'dc1', ['mesos']);
const ask = (user: string) => queues.request({ host, playbook: 'docker-host', requestedBy: user, channel: 'C0Q' });

afterAll(async () => {
  await queues.close();
  await deleteUnder(prefix);
  connection.disconnect();
});

describe('DiagnoseQueues', () => {
  it('queues a job with a deterministic id in the zone\'s queue, and a second request joins it', async () => {
    const first = await ask('U0FIRST');
    const second = await ask('U0SECOND');
    expect(first).toEqual({ status: 'queued', jobId: 'diag-host-a3-60-17-docker-host' });
    expect(second).toMatchObject({ status: 'joined', jobId: first.jobId, requestedBy: 'U0FIRST', channel: 'C0Q' });
    const queue = queues.queue(diagnoseQueueName('dc1'));
    expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });
    const status = await queues.status(['dc1']);
    expect(status).toEqual([{ zone: 'dc1', waiting: 1, active: 0, delayed: 0, failed: 0, workers: 0, running: [] }]);
    await queue.obliterate({ force: true });
  });

  it('replaces a finished job left under the same id instead of joining it', async () => {
    // given: a failed job kept under the id
    const name = diagnoseQueueName('dc1');
    const raw = new Queue(name, { connection, prefix });
    await raw.add('diagnose', { requestId: '00000000-0000-4000-8000-000000000000' }, { jobId: diagnoseJobId(host.name, 'docker-host'), removeOnFail: false });
    const worker = new Worker(name, async () => {
      throw new UnrecoverableError('bad');
    }, { connection, prefix });
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    await worker.close();
    // when
    const outcome = await ask('U0AGAIN');
    // then
    expect(outcome.status).toBe('queued');
    const job = await raw.getJob(diagnoseJobId(host.name, 'docker-host'));
    expect(await job?.getState()).toBe('waiting');
    expect(job?.data.requestedBy).toBe('U0AGAIN');
    await raw.obliterate({ force: true });
    await raw.close();
  });

  it('says the queue is down, quickly, when Redis cannot be reached', async () => {
    const down = new Redis(`redis://127.0.0.1:${await freePort()}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    down.on('error', () => undefined);
    const q = new DiagnoseQueues({ connection: down, prefix, redisTimeoutMs: 1500 });
    await expect(q.request({ host, playbook: 'docker-host', requestedBy: 'U0X', channel: 'C0Q' })).rejects.toBeInstanceOf(QueueDownError);
    await q.close().catch(() => undefined);
    down.disconnect();
  });
});
