import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntake, type IntakeHandle } from '../../src/app/intake.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { SlackStandIn, type RecordedCall } from '../helpers/slack-standin.js';
import { FakeMarathon } from './fake-marathon.js';
import { fixtureJson, ManualClock } from './helpers.js';
import { shortTimeoutPlaybooks, startLiveWorker } from './live-worker.js';

const CHANNEL = 'C0ALERTS';
const TOKEN = 'alerts-webhook-token-0123456789';
const SEED_HOST = 'test-a3-60-17';
/** Ten agents replaying the seed's bundle: test-a3-60-17 ... test-a3-60-26. */
const HOSTS = Array.from({ length: 10 }, (_, i) => `test-a3-60-${17 + i}`);
const APP = '/deploy-to-docker-business-product-rpc-test';

const standin = new SlackStandIn();
const marathon = new FakeMarathon();
const prefix = uniquePrefix();
const clock = new ManualClock(Date.parse('2017-08-25T10:21:40Z'));
let work: string;
let lab: Lab;
let intake: IntakeHandle;
let worker: { stop(): Promise<void> };
let taskSeq = 0;

const textOf = (call: RecordedCall): string => String(call.body.text ?? '');
const blocksOf = (call: RecordedCall): string => JSON.stringify(call.body.blocks ?? '');
/** Parent messages in the alerts channel whose text mentions `needle`. */
const parents = (needle: string): RecordedCall[] =>
  standin.ok('chat.postMessage').filter((c) => c.body.channel === CHANNEL && !c.body.thread_ts && textOf(c).includes(needle));
const repliesTo = (ts: string): RecordedCall[] => standin.ok('chat.postMessage').filter((c) => c.body.thread_ts === ts);
const updatesOf = (ts: string): RecordedCall[] => standin.ok('chat.update').filter((c) => c.body.ts === ts);
const tsOf = (call: RecordedCall | undefined): string => String(call?.result?.ts);
const diagnosisReplies = (ts: string): RecordedCall[] => repliesTo(ts).filter((c) => textOf(c).startsWith('Diagnosing '));
const findingReplies = (ts: string): RecordedCall[] => repliesTo(ts).filter((c) => /^[a-z0-9-]+: [A-Z_0-9]+ /.test(textOf(c)));

function uuid(n: number): string {
  return `${n.toString(16).padStart(8, '0')}-897e-11e7-9837-f2f3c189fa2c`;
}

/** One failed task in the small documented JSON form, as an alert manager would send it. */
async function postFailure(app: string, host: string, exitStatus = 137): Promise<Response> {
  taskSeq += 1;
  const slug = app.slice(1);
  return fetch(`http://127.0.0.1:${intake.port}/alerts/failed-task`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ app, task: `${slug}.${uuid(taskSeq)}`, host, exitStatus, message: `Container exited with status ${exitStatus}`, at: clock.now().toISOString() }),
  });
}

/** The most calls inside any minute [t, t + 60 s) of simulated time. */
function maxPerMinute(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 60_000) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * Sends failures one by one on the simulated clock (the intake's digest tick runs every 3 simulated
 * seconds) and notes the simulated time of every edit of the thread's parent message.
 */
async function replay(failures: readonly { atMs: number; app: string; host: string; exit?: number }[]): Promise<{ editTimes: number[]; statuses: number[] }> {
  const editTimes: number[] = [];
  const statuses: number[] = [];
  let counted = standin.ok('chat.update').length;
  const note = (): void => {
    const all = standin.ok('chat.update');
    for (const call of all.slice(counted)) if (textOf(call).includes(failures[0]?.app.slice(1) ?? '')) editTimes.push(clock.now().getTime());
    counted = all.length;
  };
  const start = clock.now().getTime();
  let nextTick = start + 3_000;
  for (const f of failures) {
    while (nextTick <= start + f.atMs) {
      clock.set(nextTick);
      await intake.intake.tick();
      note();
      nextTick += 3_000;
    }
    clock.set(start + f.atMs);
    const res = await postFailure(f.app, f.host, f.exit);
    statuses.push(res.status);
    await res.text();
    note();
  }
  for (let i = 0; i < 5; i += 1) {
    clock.advance(3_000);
    await intake.intake.tick();
    note();
  }
  return { editTimes, statuses };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sickbay-alerts-e2e-'));
  for (const host of HOSTS) cpSync(join(INCIDENTS_DIR, 'mesos-java-oom-137'), join(work, 'bundles', host), { recursive: true });
  lab = await startLab({ bundlesDir: join(work, 'bundles'), names: HOSTS, durationScale: 0 });
  const inventory = join(work, 'inventory.yml');
  await lab.writeInventory(inventory);
  await standin.start();
  const marathonUrl = await marathon.listen();
  intake = await startIntake({
    env: {
      SLACK_BOT_TOKEN: 'xoxb-0000-test-token',
      SLACK_API_URL: standin.apiUrl,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      SICKBAY_ALERTS_CHANNEL: CHANNEL,
      MARATHON_URL: marathonUrl,
      ALERT_WEBHOOK_TOKEN: TOKEN,
      ALERT_PORT: '0',
      LOG_LEVEL: 'silent',
    },
    inventory,
    clock,
    marathonBackoff: { initialMs: 20, maxMs: 200 },
    // the test runs the digest tick itself, on simulated time
    tickIntervalMs: 3_600_000,
  });
  worker = await startLiveWorker({ inventory, playbooksDir: shortTimeoutPlaybooks(join(work, 'playbooks')), slackApiUrl: standin.apiUrl, prefix, zone: 'lab', redisUrl: REDIS_URL });
});

afterAll(async () => {
  await intake?.stop();
  await worker?.stop();
  await lab?.stop();
  await marathon.close();
  await standin.stop();
  await deleteUnder(prefix);
  rmSync(work, { recursive: true, force: true });
});

describe('failed Mesos tasks open diagnosis threads (Marathon stand-in, real Redis, lab over SSH, Slack stand-in)', () => {
  it('turns one TASK_FAILED into one thread whose replies name the OOM-killed java container, its 4 GiB limit and the -Xmx fix', async () => {
    await standin.waitFor(() => marathon.clients.size === 1, 'the intake to subscribe to /v2/events');
    marathon.emit(fixtureJson('marathon-status-update-task-failed.json'));

    const headline = `deploy-to-docker-business-product-rpc-test task failed on ${SEED_HOST} (exit 137)`;
    const parent = await standin.waitFor(() => parents(headline)[0], 'the incident thread');
    const ts = tsOf(parent);
    const findings = await standin.waitFor(() => {
      const replies = findingReplies(ts);
      return replies.some((c) => textOf(c).includes('JVM_HEAP_UNBOUNDED')) && replies;
    }, 'the findings in the incident thread');

    expect(parents(headline)).toHaveLength(1);
    // the task's own container, resolved on the agent from Marathon's task id (its sandbox mount)
    const container = '812c82c5a7a5';
    const oom = findings.find((c) => textOf(c).includes('CONTAINER_OOM_KILLED') && textOf(c).includes(container));
    const jvm = findings.find((c) => textOf(c).includes('JVM_HEAP_UNBOUNDED') && textOf(c).includes(container));
    expect(textOf(oom as RecordedCall)).toMatch(/^test-a3-60-17: CONTAINER_OOM_KILLED java \(pid \d+\) in container mesos-\S+\.c4114492-f1fb-4c7e-920f-8d63be425630 812c82c5a7a5 .*4\.0 GiB limit/);
    expect(textOf(jvm as RecordedCall)).toContain('runs java with a 4 GiB memory limit and no -Xmx');
    expect(blocksOf(jvm as RecordedCall)).toContain('-Xmx3072m');
    // the diagnosis ran the container playbook on the agent, as a reply in the incident thread
    const diagnosis = diagnosisReplies(ts);
    expect(diagnosis.map(textOf)).toEqual([`Diagnosing ${SEED_HOST} · container`]);
    expect(parents(`Diagnosing ${SEED_HOST}`)).toEqual([]);
  });
});
