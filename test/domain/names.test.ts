import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { replayHost } from '../../src/app/replay.js';
import { EnvSchema } from '../../src/config/index.js';
import { HOST_NAME, PLAYBOOK_NAME, TAG_NAME, ZONE_NAME, ZoneNameSchema } from '../../src/domain/index.js';
import { InventorySchema } from '../../src/inventory/index.js';
import { DiagnoseJobDataSchema, DiagnoseQueues, diagnoseQueueName } from '../../src/queue/index.js';
import { parseDiagCommand } from '../../src/slack/parse-diag-command.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const ZONE = 'eu-west.az_1';

describe('identifier rules, defined once', () => {
  it('lets a zone with "." and "_" through the inventory, the worker environment and the job schema alike', () => {
    const inventory = InventorySchema.safeParse({ hosts: { 'host-1': { address: '10.0.0.1', zone: ZONE } } });
    expect(inventory.success).toBe(true);
    expect(EnvSchema.safeParse({ SLACK_BOT_TOKEN: 'xoxb-1-2', SICKBAY_ZONE: ZONE }).success).toBe(true);
    const job = DiagnoseJobDataSchema.safeParse({
      requestId: '00000000-0000-4000-8000-000000000000',
      host: 'host-1',
      zone: ZONE,
      playbook: 'docker-host',
      requestedBy: 'U0X',
      channel: 'C0Q',
      requestedAt: '2026-12-04T10:00:00.000Z',
    });
    expect(job.success).toBe(true);
  });

  it('refuses the same hostile values wherever a name is read, with the rule\'s own sentence', () => {
    for (const [label, value] of HOSTILE_INPUTS) {
      for (const rule of [HOST_NAME, TAG_NAME, ZONE_NAME, PLAYBOOK_NAME]) expect(rule.pattern.test(value), `${label} as ${rule.message}`).toBe(false);
    }
    const refused = ZoneNameSchema.safeParse('EU;rm');
    expect(refused.success ? '' : refused.error.issues[0]?.message).toBe(ZONE_NAME.message);
  });

  it('reads a tag typed in capitals as the lower-case tag', () => {
    expect(parseDiagCommand('tag:Mesos')).toEqual({ kind: 'tag', tag: 'mesos' });
  });
});

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
