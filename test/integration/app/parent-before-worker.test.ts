import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { DiagnoseJobDataSchema, DiagnoseQueues, diagnoseJobId, diagnoseQueueName } from '../../../src/queue/index.js';
import { Redis } from 'ioredis';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { deleteUnder, REDIS_URL } from '../../helpers/redis.js';
import { sendSlashCommand, sickbayEnv, SlackStandIn } from '../../helpers/slack-standin.js';

const SECRET = 'parent-before-worker-secret';
const prefix = `test-${randomUUID()}`;
const standin = new SlackStandIn();
let bot: BotHandle;
let redis: Redis;

beforeAll(async () => {
  await standin.start();
  bot = await startBot({ env: sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { LOG_LEVEL: 'silent' }), replayBundles: INCIDENTS_DIR });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  await bot?.stop();
  redis?.disconnect();
  await standin.stop();
  await deleteUnder(prefix);
});

describe('the parent message', () => {
  it('is posted by the bot at once, before any worker is free, and travels with the job', async () => {
    // given: no worker at all
    const host = 'mesos-java-oom-137';
    const channel = 'C0PARENT01';
    // when
    await sendSlashCommand(bot.port, SECRET, { text: host, responseUrl: standin.responseUrl('p1'), channel });
    // then: the channel hears "Diagnosing ..." although nothing runs the job yet
    const parent = await standin.waitFor(
      () => standin.ok('chat.postMessage').find((c) => c.body.channel === channel && !c.body.thread_ts),
      'the parent message',
    );
    expect(String(parent.body.text)).toContain(`Diagnosing ${host}`);
    const queues = new DiagnoseQueues({ connection: redis, prefix });
    const job = await queues.queue(diagnoseQueueName('default')).getJob(diagnoseJobId(host, 'docker-host'));
    const data = DiagnoseJobDataSchema.parse(job?.data);
    expect(data.parent).toEqual({ channel, ts: (parent.result as { ts: string }).ts });
    await queues.close();
  });
});
