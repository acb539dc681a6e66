import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../../src/app/worker.js';
import { startLabWorkspace, type LabWorkspace } from '../../helpers/lab-workspace.js';
import { deleteUnder, dumpUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv } from '../../helpers/slack-standin.js';

/** mesos-java-oom-137 with secrets in every container's Env (test/fixtures/secrets/README.md). */
const SECRETS_DIR = fileURLToPath(new URL('../../fixtures/secrets/', import.meta.url));
const SECRET = 'leak-signing-secret-0123456789';
const HOST = 'leaky-host';
const SECRETS = {
  aws: 'AKIAIOSFODNN7EXAMPLE',
  awsSecret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  slack: 'xoxb-1111-2222-abcdefghijklmnop',
  pem: 'MIIEowIBAAKCAQEA7bq3zXsecretkeymaterial',
  password: 'hunter2-db-password',
  url: 'postgres://u:p@h/db',
};
const WORKER_OWN = 'worker-own-secret-value';

const standin = new SlackStandIn();
const prefix = uniquePrefix();
const logs: string[] = [];
let ws: LabWorkspace;
let bot: BotHandle;
let worker: WorkerHandle;

beforeAll(async () => {
  // given: a lab host whose container environment holds every kind of secret
  ws = await startLabWorkspace({ bundlesDir: SECRETS_DIR, names: [HOST], durationScale: 0 });
  await standin.start();
  const env = sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { ...ws.env, LOG_LEVEL: 'debug', SICKBAY_DB_PASSWORD: WORKER_OWN });
  const sink = { write: (line: string) => logs.push(line) };
  bot = await startBot({ env, logDestination: sink });
  worker = await startWorker({ env, logDestination: sink });
});

afterAll(async () => {
  await worker?.stop();
  await bot?.stop();
  await standin.stop();
  await ws?.stop();
  await deleteUnder(prefix);
});

describe('secrets in a host environment, collected over SSH', () => {
  it('leave none of an AWS key, a Slack token, a PEM key, DB_PASSWORD or a credentialed URL in Slack, Redis or the logs', async () => {
    // when
    const res = await sendSlashCommand(bot.port, SECRET, { text: HOST, responseUrl: standin.responseUrl('leak'), channel: 'C0LEAK' });
    expect(res.status).toBe(200);
    const summary = await standin.waitFor(() => standin.ok('chat.update').find((c) => String(c.body.text).startsWith(`${HOST}:`)), 'the summary', 30_000);
    await standin.waitFor(() => standin.ok('chat.postMessage').filter((c) => c.body.thread_ts === summary.body.ts).length >= 3 || undefined, 'thread replies');
    const slack = standin.everything() + standin.uploads.map((u) => u.body).join('');
    const redis = await dumpUnder(prefix);
    const log = logs.join('');
    // then: the secrets did travel: over SSH into the kept bundle, and the findings are about those containers
    const [run] = await readdir(join(ws.bundles, HOST));
    const collected = await readFile(join(ws.bundles, HOST, String(run), 'docker_inspect'), 'utf8');
    for (const value of Object.values(SECRETS)) expect(collected).toContain(value);
    expect(slack).toContain('JVM_HEAP_UNBOUNDED');
    expect(redis).toContain('returnvalue');
    expect(log.length).toBeGreaterThan(1000);
    // and none of them left the worker
    for (const [kind, value] of Object.entries({ ...SECRETS, workerOwn: WORKER_OWN })) {
      expect(slack.includes(value), `${kind} in Slack`).toBe(false);
      expect(redis.includes(value), `${kind} in Redis`).toBe(false);
      expect(log.includes(value), `${kind} in the logs`).toBe(false);
    }
    expect(log.includes('xoxb-0000-test-token')).toBe(false);
  });
});
