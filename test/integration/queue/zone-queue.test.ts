import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { replayHost } from '../../../src/diagnosis/index.js';
import { DiagnoseQueues, diagnoseQueueName } from '../../../src/queue/index.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

/** A zone that the shared name rule lets through the inventory and the env (test/domain/names.test.ts). */
const ZONE = 'eu-west.az_1';

describe('a zone with "." and "_" in the queue', () => {
  const prefix = uniquePrefix();
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = new DiagnoseQueues({ connection, prefix });

  afterAll(async () => {
    await queues.close();
    await deleteUnder(prefix);
    connection.disconnect();
  });

  it('queues a diagnosis in that zone\'s queue', async () => {
    const outcome = await queues.request({ host: replayHost('host-1', ZONE, []), playbook: 'docker-host', requestedBy: 'U0X', channel: 'C0Q' });
    expect(outcome.status).toBe('queued');
    expect(await queues.queue(diagnoseQueueName(ZONE)).getJobCounts('waiting')).toMatchObject({ waiting: 1 });
  });
});
