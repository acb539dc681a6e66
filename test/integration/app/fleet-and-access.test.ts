import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../../src/app/worker.js';
import { analyze } from '../../../src/analysis/index.js';
import { readBundle } from '../../../src/bundles/index.js';
import { fixedClock } from '../../../src/domain/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv } from '../../helpers/slack-standin.js';

const SECRET = 'fleet-signing-secret-0123456789';
const NOW = new Date('2026-11-21T00:00:00Z');
const ACCESS = `
access:
  - name: mesos on-call
    tags: [mesos]
    users: [U0ALICE]
    groups: [S0SRE]
  - name: admins
    tags: ["*"]
    users: [U0ADMIN]
`;
const standin = new SlackStandIn();
const prefix = uniquePrefix();
let dir: string;
let bot: BotHandle;
let worker: WorkerHandle;
let seq = 0;

async function diag(text: string, user: string, channel = 'C0FLEET'): Promise<string> {
  const id = `fleet-${++seq}`;
  const res = await sendSlashCommand(bot.port, SECRET, { text, user, channel, responseUrl: standin.responseUrl(id) });
  if (res.body) return String((JSON.parse(res.body) as { text: string }).text);
  const post = await standin.waitFor(() => standin.responses.find((r) => r.path.endsWith(`/${id}`)), `the answer to /diag ${text}`);
  return String((JSON.parse(post.body) as { text: string }).text);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sickbay-access-'));
  await writeFile(join(dir, 'access.yml'), ACCESS);
  await standin.start();
  standin.groups.set('S0SRE', ['U0CAROL']);
  const env = sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { SICKBAY_ACCESS_FILE: join(dir, 'access.yml') });
  const quiet = { write: () => true };
  bot = await startBot({ env, replayBundles: INCIDENTS_DIR, logDestination: quiet });
  worker = await startWorker({ env, replayBundles: INCIDENTS_DIR, clock: fixedClock(NOW), logDestination: quiet });
});

afterAll(async () => {
  await worker?.stop();
  await bot?.stop();
  await standin.stop();
  await deleteUnder(prefix);
  await rm(dir, { recursive: true, force: true });
});

describe('access policy', () => {
  it('refuses a user no rule lets in, saying who may', async () => {
    const text = await diag('mesos-java-oom-137', 'U0BOB');
    expect(text).toContain('You may not diagnose mesos-java-oom-137');
    expect(text).toContain('<@U0ALICE>');
    expect(standin.ok('chat.postMessage').filter((c) => String(c.body.text).includes('mesos-java-oom-137'))).toEqual([]);
  });

  it('lets in a member of an allowed user group, looked up in Slack', async () => {
    expect(await diag('mesos-java-oom-137', 'U0CAROL')).toMatch(/^Queued/);
    expect(standin.ok('usergroups.users.list').length).toBeGreaterThan(0);
    await standin.waitFor(() => standin.ok('chat.update').find((c) => String(c.body.text).startsWith('mesos-java-oom-137:')), 'the summary');
  });
});

describe('a fleet run (/diag tag:NAME)', () => {
  it('posts one summary of all hosts and a thread reply per host that has findings', async () => {
    const hosts = ['liubei-dm-after-fix', 'liubei-dm-xfs-hang'];
    const reports = await Promise.all(hosts.map(async (h) => analyze(await readBundle(join(INCIDENTS_DIR, h)), { now: NOW })));
    const withFindings = hosts.filter((_, i) => (reports[i]?.findings.length ?? 0) > 0);
    expect(withFindings.length).toBeGreaterThan(0);
    expect(await diag('tag:liubei', 'U0ADMIN', 'C0FLEET2')).toMatch(/^Queued: diagnosing 2 hosts tagged liubei/);
    const summary = await standin.waitFor(() => standin.ok('chat.postMessage').find((c) => c.body.channel === 'C0FLEET2' && !c.body.thread_ts), 'the fleet summary');
    const blocks = JSON.stringify(summary.body.blocks);
    expect(blocks).toContain('2 hosts');
    for (const code of new Set(reports.flatMap((r) => r.findings.map((f) => f.code)))) {
      const n = reports.filter((r) => r.findings.some((f) => f.code === code)).length;
      expect(blocks).toContain(`${n} of 2 hosts: \`${code}\``);
    }
    const replies = await standin.waitFor(() => {
      const r = standin.ok('chat.postMessage').filter((c) => c.body.thread_ts === summary.result?.ts);
      return r.length >= withFindings.length ? r : undefined;
    }, 'one reply per host with findings');
    expect(replies.map((r) => String(r.body.text).split(':')[0]).sort()).toEqual(withFindings);
    expect(standin.ok('chat.postMessage').filter((c) => c.body.channel === 'C0FLEET2' && !c.body.thread_ts)).toHaveLength(1);
  });
});
