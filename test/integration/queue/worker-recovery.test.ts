import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { startLabWorkspace, type LabWorkspace } from '../../helpers/lab-workspace.js';
import { ensureBuilt, startSickbay, stopChild, type Child } from '../../helpers/processes.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv } from '../../helpers/slack-standin.js';

const SECRET = 'recovery-signing-secret-012345';
const HOST = 'centos-rootfs-full-ro';
const standin = new SlackStandIn();
const prefix = uniquePrefix();
const children: Child[] = [];
let ws: LabWorkspace;
let bot: BotHandle;

const env = () =>
  sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { ...ws.env, JOB_LOCK_MS: '2000', STALLED_CHECK_MS: '1000', LOG_LEVEL: 'info' });

/** A worker process on the SSH path: SICKBAY_INVENTORY points at the lab. */
async function worker(): Promise<Child> {
  const child = await startSickbay(['worker', '--concurrency', '2'], env(), /sickbay worker started/);
  children.push(child);
  return child;
}

beforeAll(async () => {
  ensureBuilt();
  // Slow steps (the recorded durations x20, at most 3 s each): a collection takes seconds, so the kill lands mid-job.
  ws = await startLabWorkspace({ bundlesDir: INCIDENTS_DIR, names: [HOST], durationScale: 20, maxDelayMs: 3000, stepTimeout: '10s' });
  await standin.start();
  bot = await startBot({ env: env(), logDestination: { write: () => true } });
});

afterAll(async () => {
  for (const c of children) await stopChild(c, 'SIGKILL');
  await bot?.stop();
  await standin.stop();
  await ws?.stop();
  await deleteUnder(prefix);
});

describe('a worker killed with SIGKILL mid-job', () => {
  it('is recovered by another worker over SSH that continues the same thread, with no duplicate parent message', async () => {
    // given: a worker that has connected to the host and is collecting
    const channel = 'C0RECOVER';
    const first = await worker();
    await sendSlashCommand(bot.port, SECRET, { text: HOST, channel, responseUrl: standin.responseUrl('kill') });
    const parent = await standin.waitFor(() => standin.ok('chat.postMessage').find((c) => c.body.channel === channel && !c.body.thread_ts), 'the parent');
    await standin.waitFor(() => standin.ok('chat.update').find((c) => c.body.channel === channel && /steps/.test(JSON.stringify(c.body.blocks))), 'a progress update');
    // when: it dies without a chance to clean up, and another worker is running
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(standin.ok('chat.update').some((c) => c.body.channel === channel && String(c.body.text).startsWith(`${HOST}:`))).toBe(false);
    await worker();
    // then: the job finishes in the same thread, with the findings of a full collection
    const summary = await standin.waitFor(
      () => standin.ok('chat.update').find((c) => c.body.channel === channel && String(c.body.text).startsWith(`${HOST}:`)),
      'the summary from the second worker',
      40_000,
    );
    expect(summary.body.ts).toBe(parent.result?.ts);
    expect(JSON.stringify(summary.body.blocks)).toContain('FS_FULL');
    const parents = standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && !c.body.thread_ts && !standin.deleted(c));
    expect(parents).toHaveLength(1);
    const updates = standin.ok('chat.update').filter((c) => c.body.channel === channel);
    expect(new Set(updates.map((u) => u.body.ts))).toEqual(new Set([summary.body.ts]));
  });
});
