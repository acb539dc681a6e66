import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../../src/app/worker.js';
import { diagnoseQueueName } from '../../../src/queue/index.js';
import { incidentBundles, INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { startLabWorkspace, type LabWorkspace } from '../../helpers/lab-workspace.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv, type RecordedCall } from '../../helpers/slack-standin.js';

const SECRET = 'lab-e2e-signing-secret-0123456789';
const HOST = 'mesos-java-oom-137';
const IMPOSTOR = 'impostor-host';
const standin = new SlackStandIn();
const prefix = uniquePrefix();
let ws: LabWorkspace;
let bot: BotHandle;
let worker: WorkerHandle;
let seq = 0;

const textOf = (call: RecordedCall): string => String(call.body.text ?? '');
const codeOf = (reply: RecordedCall): string => textOf(reply).split(' ')[1] ?? '';

async function diag(text: string, channel: string) {
  return sendSlashCommand(bot.port, SECRET, { text, channel, responseUrl: standin.responseUrl(`lab-${++seq}`) });
}

/** One more inventory host: the lab's mesos host, but with a known_hosts that pins a different key. */
async function addImpostor(): Promise<void> {
  const inventory = parse(await readFile(ws.inventory, 'utf8')) as { hosts: Record<string, Record<string, unknown>> };
  const real = ws.lab.hosts.find((h) => h.name === HOST);
  const otherKey = ssh2.utils.generateKeyPairSync('ed25519').public;
  await writeFile(join(ws.dir, 'impostor_known_hosts'), `[127.0.0.1]:${String(real?.port)} ${otherKey}\n`);
  inventory.hosts[IMPOSTOR] = { address: '127.0.0.1', port: real?.port, zone: 'lab', tags: ['lab'], known_hosts: 'impostor_known_hosts' };
  await writeFile(ws.inventory, stringify(inventory));
}

beforeAll(async () => {
  ws = await startLabWorkspace({ bundlesDir: INCIDENTS_DIR, names: [HOST, 'redis-dm-pool-full', 'centos-rootfs-full-ro'], durationScale: 0 });
  await addImpostor();
  await standin.start();
  const env = sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, ws.env);
  const quiet = { write: () => true };
  bot = await startBot({ env, logDestination: quiet });
  worker = await startWorker({ env, concurrency: 2, progressIntervalMs: 20, logDestination: quiet });
});

afterAll(async () => {
  await worker?.stop();
  await bot?.stop();
  await standin.stop();
  await ws?.stop();
  await deleteUnder(prefix);
});

describe('/diag over SSH on the lab (inventory, bot, worker, real analysis)', () => {
  it('posts one parent message, updates it, and puts the scenario’s findings in the thread with the root cause first', async () => {
    // given
    const channel = 'C0LABE2E1';
    const expected = incidentBundles().find((b) => b.name === HOST)?.expected;
    expect(expected?.must.length).toBeGreaterThan(0);
    // when
    const res = await diag(HOST, channel);
    // then
    expect(res.status).toBe(200);
    const summary = await standin.waitFor(
      () => standin.ok('chat.update').find((c) => c.body.channel === channel && textOf(c).startsWith(`${HOST}:`)),
      'the summary update',
      30_000,
    );
    const parents = standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && !c.body.thread_ts && !standin.deleted(c));
    expect(parents).toHaveLength(1);
    expect(parents[0]?.result?.ts).toBe(summary.body.ts);
    const updates = standin.ok('chat.update').filter((c) => c.body.channel === channel);
    expect(updates.length).toBeGreaterThan(1);
    expect(updates.some((u) => /steps/.test(JSON.stringify(u.body.blocks)))).toBe(true);

    const rootCause = /root cause (\w+)/.exec(textOf(summary))?.[1];
    expect(rootCause).toBeDefined();
    const findingsInSummary = [...JSON.stringify(summary.body.blocks).matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
    const replies = await standin.waitFor(() => {
      const r = standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && c.body.thread_ts === summary.body.ts);
      // every code the summary names has its reply (a code can have several: one per container)
      const posted = new Set(r.map(codeOf));
      return r.length > 0 && findingsInSummary.every((c) => posted.has(c as string)) ? r : undefined;
    }, 'the thread replies');
    const codes = new Set(replies.map(codeOf));
    expect(expected?.must.filter((c) => !codes.has(c))).toEqual([]);
    expect(expected?.must_not.filter((c) => codes.has(c))).toEqual([]);
    expect(codeOf(replies[0] as RecordedCall)).toBe(rootCause);
    // the evidence bundle collected over SSH is kept
    expect((await readdir(join(ws.bundles, HOST))).length).toBe(1);
  });

  it('answers an unknown host with an ephemeral reply naming the nearest inventory hosts', async () => {
    const res = await diag('mesos-java-oom-13', 'C0LABE2E2');
    const body = JSON.parse(res.body) as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('mesos-java-oom-137');
    expect(standin.ok('chat.postMessage').filter((c) => c.body.channel === 'C0LABE2E2')).toEqual([]);
  });

  it('fails a host whose key changed at once, showing the SSH error in the parent message, with no retry', async () => {
    // given: a host that presents a key other than the one pinned for it
    const channel = 'C0LABE2E3';
    // when
    await diag(IMPOSTOR, channel);
    // then
    const failed = await standin.waitFor(
      () => standin.ok('chat.update').find((c) => c.body.channel === channel && textOf(c).startsWith(`Diagnosis of ${IMPOSTOR} failed`)),
      'the failed parent',
      30_000,
    );
    expect(textOf(failed)).toContain('host key CHANGED');
    expect(textOf(failed)).toContain('impostor_known_hosts');
    // a retry would wait in `delayed`; a job that failed for good is removed (removeOnFail)
    const queue = new Queue(diagnoseQueueName('lab'), { connection: { url: REDIS_URL }, prefix });
    try {
      for (let left = 200; left > 0; left -= 1) {
        const jobs = await queue.getJobs(['active', 'waiting', 'delayed', 'failed', 'completed']);
        if (!jobs.some((j) => (j.data as { host?: string }).host === IMPOSTOR)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect((await queue.getJobs(['delayed', 'waiting', 'active'])).filter((j) => (j.data as { host?: string }).host === IMPOSTOR)).toEqual([]);
    } finally {
      await queue.close();
    }
    const updates = standin.ok('chat.update').filter((c) => c.body.channel === channel);
    expect(updates.filter((u) => /retrying/.test(textOf(u)))).toEqual([]);
    expect(updates.filter((u) => textOf(u).startsWith(`Diagnosis of ${IMPOSTOR} failed`))).toHaveLength(1);
    expect(standin.ok('chat.postMessage').filter((c) => c.body.channel === channel)).toHaveLength(1);
  });
});
