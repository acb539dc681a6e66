import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../../src/app/worker.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { freePort, RedisServer } from '../../helpers/processes.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv } from '../../helpers/slack-standin.js';

const SECRET = 'restart-signing-secret-0123456';
const standin = new SlackStandIn();
let redis: RedisServer;
let dir: string;
let bot: BotHandle;
let worker: WorkerHandle;
let seq = 0;

async function diag(host: string): Promise<string> {
  const id = `restart-${++seq}`;
  await sendSlashCommand(bot.port, SECRET, { text: host, channel: 'C0RESTART', responseUrl: standin.responseUrl(id) });
  const post = await standin.waitFor(() => standin.responses.find((r) => r.path.endsWith(`/${id}`)), `the answer to /diag ${host}`);
  return String((JSON.parse(post.body) as { text: string }).text);
}

const summaryOf = (host: string) => standin.ok('chat.update').find((c) => String(c.body.text).startsWith(`${host}:`));
const parentsOf = (host: string) => standin.ok('chat.postMessage').filter((c) => !c.body.thread_ts && String(c.body.text).includes(`Diagnosing ${host}`) && !standin.deleted(c));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sickbay-redis-'));
  redis = new RedisServer(await freePort(), dir);
  await redis.start();
  await standin.start();
  const env = sickbayEnv(standin, { secret: SECRET, redisUrl: redis.url, prefix: 'restart' }, { JOB_LOCK_MS: '3000', STALLED_CHECK_MS: '1000' });
  const quiet = { write: () => true };
  bot = await startBot({ env, replayBundles: INCIDENTS_DIR, logDestination: quiet });
  worker = await startWorker({ env, replayBundles: INCIDENTS_DIR, concurrency: 1, stepDelayMs: 100, progressIntervalMs: 100, logDestination: quiet });
});

afterAll(async () => {
  await worker?.stop();
  await bot?.stop();
  await standin.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Redis restarted mid-run', () => {
  it('loses no job, tells users the queue is down meanwhile, and the bot comes back by itself', async () => {
    // given: one job running and one waiting behind it (concurrency 1)
    expect(await diag('liubei-dm-xfs-hang')).toMatch(/^Queued/);
    expect(await diag('liubei-dm-after-fix')).toMatch(/^Queued/);
    await standin.waitFor(() => parentsOf('liubei-dm-xfs-hang')[0], 'the first parent');
    // when: Redis goes away
    await redis.stop();
    expect(await diag('docker-06-containerd-eof')).toMatch(/queue \(Redis\) is down/);
    await redis.start();
    // then: both jobs finish, each in one thread, and new requests are taken again
    await standin.waitFor(() => summaryOf('liubei-dm-xfs-hang'), 'the running job to finish', 40_000);
    await standin.waitFor(() => summaryOf('liubei-dm-after-fix'), 'the waiting job to finish', 40_000);
    expect(parentsOf('liubei-dm-xfs-hang')).toHaveLength(1);
    expect(parentsOf('liubei-dm-after-fix')).toHaveLength(1);
    // ioredis reconnects on its own (backoff up to 2 s): ask until the bot has noticed.
    let answer = '';
    for (let i = 0; i < 40 && !answer.startsWith('Queued'); i += 1) {
      answer = await diag('docker-06-containerd-eof');
      if (!answer.startsWith('Queued')) await new Promise((r) => setTimeout(r, 250));
    }
    expect(answer).toMatch(/^Queued/);
    await standin.waitFor(() => summaryOf('docker-06-containerd-eof'), 'the job queued after the restart', 40_000);
  });
});
