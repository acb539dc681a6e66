import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../src/app/bot.js';
import { startWorker, type WorkerHandle } from '../../src/app/worker.js';
import { fixedClock } from '../../src/domain/index.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';
import { deleteUnder, dumpUnder, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { replayAnalyse } from '../helpers/replay-analyse.js';
import { sendSlashCommand, SlackStandIn, sickbayEnv } from '../helpers/slack-standin.js';

const SECRET = 'leak-signing-secret-0123456789';
const HOST = 'leaky-host';
const SECRETS = {
  aws: 'AKIAIOSFODNN7EXAMPLE',
  slack: 'xoxb-1111-2222-abcdefghijklmnop',
  pem: 'MIIEowIBAAKCAQEA7bq3zXsecretkeymaterial',
  password: 'hunter2-db-password',
  url: 'postgres://u:p@h/db',
  workerOwn: 'worker-own-secret-value',
};
const INJECTED = [
  `"S3_ID=${SECRETS.aws}",`,
  `"NOTIFY_HOOK=${SECRETS.slack}",`,
  `"TLS_BUNDLE=-----BEGIN RSA PRIVATE KEY-----\\n${SECRETS.pem}\\n-----END RSA PRIVATE KEY-----",`,
  `"DB_PASSWORD=${SECRETS.password}",`,
  `"DATABASE_URL=${SECRETS.url}",`,
  `"OPAQUE=${SECRETS.workerOwn}",`,
];

const standin = new SlackStandIn();
const prefix = uniquePrefix();
const logs: string[] = [];
let bundles: string;
let bot: BotHandle;
let worker: WorkerHandle;

beforeAll(async () => {
  // given: a host whose container environment holds every kind of secret
  bundles = await mkdtemp(join(tmpdir(), 'sickbay-leak-'));
  await cp(join(INCIDENTS_DIR, 'mesos-java-oom-137'), join(bundles, HOST), { recursive: true });
  const inspect = join(bundles, HOST, 'docker_inspect');
  await writeFile(inspect, (await readFile(inspect, 'utf8')).replace('"Env": [', `"Env": [\n${INJECTED.join('\n')}`));
  await standin.start();
  const env = sickbayEnv(standin, { secret: SECRET, redisUrl: REDIS_URL, prefix }, { LOG_LEVEL: 'debug', SICKBAY_DB_PASSWORD: SECRETS.workerOwn });
  const sink = { write: (line: string) => logs.push(line) };
  bot = await startBot({ env, replayBundles: bundles, logDestination: sink });
  worker = await startWorker({ env, replayBundles: bundles, analyse: replayAnalyse, clock: fixedClock('2026-11-21T00:00:00Z'), logDestination: sink });
});

afterAll(async () => {
  await worker?.stop();
  await bot?.stop();
  await standin.stop();
  await deleteUnder(prefix);
  await rm(bundles, { recursive: true, force: true });
});

describe('secrets in a host environment', () => {
  it('leave none of an AWS key, a Slack token, a PEM key, DB_PASSWORD or a credentialed URL in Slack, Redis or the logs', async () => {
    // when
    const res = await sendSlashCommand(bot.port, SECRET, { text: HOST, responseUrl: standin.responseUrl('leak'), channel: 'C0LEAK' });
    expect(res.status).toBe(200);
    await standin.waitFor(() => standin.ok('chat.update').find((c) => String(c.body.text).startsWith(`${HOST}:`)), 'the summary');
    await standin.waitFor(() => standin.ok('files.completeUploadExternal')[0], 'the evidence file');
    await standin.waitFor(() => standin.ok('chat.postMessage').filter((c) => c.body.thread_ts).length >= 1 || undefined, 'thread replies');
    const slack = standin.everything();
    const redis = await dumpUnder(prefix);
    const log = logs.join('');
    // then: the evidence did go out (redacted), so the check below means something
    expect(slack + standin.uploads.map((u) => u.body).join('')).toContain('[REDACTED]');
    expect(standin.uploads.map((u) => u.body).join('')).toContain('MARATHON_APP_VERSION');
    expect(redis).toContain('returnvalue');
    expect(log.length).toBeGreaterThan(1000);
    for (const [kind, value] of Object.entries(SECRETS)) {
      expect(slack.includes(value), `${kind} in Slack`).toBe(false);
      expect(redis.includes(value), `${kind} in Redis`).toBe(false);
      expect(log.includes(value), `${kind} in the logs`).toBe(false);
    }
    expect(log.includes('xoxb-0000-test-token')).toBe(false);
  });
});
