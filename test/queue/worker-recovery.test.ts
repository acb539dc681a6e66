import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../src/app/bot.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';
import { ensureBuilt, startSickbay, stopChild, type Child } from '../helpers/processes.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv } from '../helpers/slack-standin.js';

const SECRET = 'recovery-signing-secret-012345';
const standin = new SlackStandIn();
const prefix = uniquePrefix();
const children: Child[] = [];
let bot: BotHandle;

const env = () => sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { JOB_LOCK_MS: '2000', STALLED_CHECK_MS: '1000', LOG_LEVEL: 'info' });

async function worker(): Promise<Child> {
  const child = await startSickbay(['worker', '--replay-bundles', INCIDENTS_DIR, '--replay-delay-ms', '200', '--concurrency', '2'], env(), /sickbay worker started/);
  children.push(child);
  return child;
}

beforeAll(async () => {
  ensureBuilt();
  await standin.start();
  bot = await startBot({ env: env(), replayBundles: INCIDENTS_DIR, logDestination: { write: () => true } });
});

afterAll(async () => {
  for (const c of children) await stopChild(c, 'SIGKILL');
  await bot?.stop();
  await standin.stop();
  await deleteUnder(prefix);
});

describe('a worker killed with SIGKILL mid-job', () => {
  it('is recovered by another worker that continues the same thread, with no duplicate parent message', async () => {
    // given: a worker that has started a diagnosis
    const host = 'centos-rootfs-full-ro';
    const channel = 'C0RECOVER';
    const first = await worker();
    await sendSlashCommand(bot.port, SECRET, { text: host, channel, responseUrl: standin.responseUrl('kill') });
    const parent = await standin.waitFor(() => standin.ok('chat.postMessage').find((c) => c.body.channel === channel && !c.body.thread_ts), 'the parent');
    await standin.waitFor(() => standin.ok('chat.update').find((c) => c.body.channel === channel && /steps/.test(JSON.stringify(c.body.blocks))), 'a progress update');
    // when: it dies without a chance to clean up, and another worker is running
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(standin.ok('chat.update').some((c) => c.body.channel === channel && String(c.body.text).startsWith(`${host}:`))).toBe(false);
    await worker();
    // then: the job finishes in the same thread
    const summary = await standin.waitFor(
      () => standin.ok('chat.update').find((c) => c.body.channel === channel && String(c.body.text).startsWith(`${host}:`)),
      'the summary from the second worker',
      40_000,
    );
    expect(summary.body.ts).toBe(parent.result?.ts);
    const parents = standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && !c.body.thread_ts);
    expect(parents).toHaveLength(1);
    const updates = standin.ok('chat.update').filter((c) => c.body.channel === channel);
    expect(new Set(updates.map((u) => u.body.ts))).toEqual(new Set([summary.body.ts]));
  });
});
