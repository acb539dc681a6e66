import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntake, type IntakeHandle } from '../../../src/app/intake.js';
import { startLab, type Lab } from '../../../src/lab/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { intakeEnv, SlackStandIn, type RecordedCall } from '../../helpers/slack-standin.js';
import { FakeMarathon } from '../../helpers/fake-marathon.js';
import { fixtureJson, ManualClock, maxPerMinute } from '../../helpers/alerts.js';
import { shortTimeoutPlaybooks, startLiveWorker } from '../../helpers/live-worker.js';

const CHANNEL = 'C0ALERTS';
const TOKEN = 'alerts-webhook-token-0123456789';
const SEED_HOST = 'test-a3-60-17';
/** Ten agents replaying the seed's bundle: test-a3-60-17 ... test-a3-60-26. */
const HOSTS = Array.from({ length: 10 }, (_, i) => `test-a3-60-${17 + i}`);

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
    env: intakeEnv(standin, { redisUrl: REDIS_URL, prefix, channel: CHANNEL }, { MARATHON_URL: marathonUrl, ALERT_WEBHOOK_TOKEN: TOKEN }),
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
    // replies go out one after another, the root cause (the JVM) before its effect: wait for both
    const findings = await standin.waitFor(() => {
      const replies = findingReplies(ts);
      const has = (code: string): boolean => replies.some((c) => textOf(c).includes(code));
      return has('JVM_HEAP_UNBOUNDED') && has('CONTAINER_OOM_KILLED') && replies;
    }, 'the CONTAINER_OOM_KILLED and JVM_HEAP_UNBOUNDED replies in the incident thread');

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

/** Waits until every diagnosis reply of the thread is finished (its message edited into a summary). */
async function diagnosesFinished(ts: string, count: number): Promise<RecordedCall[]> {
  const replies = await standin.waitFor(() => diagnosisReplies(ts).length >= count && diagnosisReplies(ts), `${count} diagnoses in the thread`);
  await standin.waitFor(
    () => replies.every((r) => updatesOf(tsOf(r)).some((u) => !textOf(u).startsWith('Diagnosing '))),
    'the diagnoses to finish',
  );
  return diagnosisReplies(ts);
}

describe('alert storms reach the channel as one digest thread', () => {
  it('gives a crash loop of 10 instances (270 TASK_FAILED in 5 simulated minutes) one thread, one diagnosis per host and at most 20 edits a minute', async () => {
    const app = '/business-order-rpc';
    const failures = Array.from({ length: 270 }, (_, k) => ({ atMs: Math.round((k * 300_000) / 270), app, host: HOSTS[k % 10] as string, exit: k % 27 === 26 ? 143 : 137 }));
    const { editTimes, statuses } = await replay(failures);

    expect(statuses.every((s) => s === 202)).toBe(true);
    const threads = parents('business-order-rpc');
    expect(threads).toHaveLength(1);
    const ts = tsOf(threads[0]);
    const edits = updatesOf(ts);
    expect(edits.length).toBeGreaterThan(10);
    expect(edits.length).toBe(editTimes.length);
    expect(maxPerMinute(editTimes)).toBeLessThanOrEqual(20);
    expect(textOf(edits.at(-1) as RecordedCall)).toBe('business-order-rpc: 270 tasks failed in 5 min on 10 hosts (exit 137 ×260, 143 ×10)');

    // the failed-task rate crossed its threshold: said once, in the same thread
    expect(repliesTo(ts).filter((c) => /failed tasks in the last 10 min \(threshold 20\)/.test(textOf(c)))).toHaveLength(1);
    const diagnoses = await diagnosesFinished(ts, HOSTS.length);
    expect(diagnoses.map(textOf).sort()).toEqual(HOSTS.map((h) => `Diagnosing ${h} · docker-host`).sort());
  });

  it('gives a burst of 500 failures in one minute one thread, one diagnosis per host and at most 20 edits a minute', async () => {
    clock.advance(3_600_000);
    const app = '/business-user-rpc';
    const hosts = HOSTS.slice(0, 5);
    const failures = Array.from({ length: 500 }, (_, k) => ({ atMs: k * 120, app, host: hosts[k % hosts.length] as string }));
    const { editTimes, statuses } = await replay(failures);

    expect(statuses.every((s) => s === 202)).toBe(true);
    const threads = parents('business-user-rpc');
    expect(threads).toHaveLength(1);
    const ts = tsOf(threads[0]);
    expect(maxPerMinute(editTimes)).toBeLessThanOrEqual(20);
    expect(editTimes.length).toBeGreaterThan(5);
    expect(textOf(updatesOf(ts).at(-1) as RecordedCall)).toBe('business-user-rpc: 500 tasks failed in 1 min on 5 hosts (exit 137 ×500)');

    const diagnoses = await diagnosesFinished(ts, hosts.length);
    expect(diagnoses.map(textOf).sort()).toEqual(hosts.map((h) => `Diagnosing ${h} · docker-host`).sort());
  });
});

describe('intake transports', () => {
  const OUTSIDE = 'test-a3-61-01';
  const event = (n: number): Record<string, unknown> => ({
    ...(fixtureJson('marathon-status-update-task-failed.json') as Record<string, unknown>),
    appId: `/sse-app-${n}`,
    taskId: `sse-app-${n}.${uuid(0x5000 + n)}`,
    host: OUTSIDE,
  });

  it('resumes a dropped Marathon stream without handling a replayed event twice, and says when a host is not in the inventory', async () => {
    const stats = intake.marathon?.stats;
    const before = { connects: stats?.connects ?? 0, events: stats?.events ?? 0 };
    for (let n = 1; n <= 3; n += 1) marathon.emit(event(n));
    await standin.waitFor(() => [1, 2, 3].every((n) => parents(`sse-app-${n} task failed`).length === 1), 'three threads');
    marathon.dropMidEvent();
    await standin.waitFor(() => stats?.connects === before.connects + 1 && marathon.clients.size === 1, 'the stream to reconnect');
    for (let n = 4; n <= 5; n += 1) marathon.emit(event(n));
    // Marathon's stand-in replays everything it ever sent to a new connection: the first test's event, these five
    await standin.waitFor(() => (stats?.events ?? 0) >= before.events + 3 + 1 + 3 + 2, 'the replayed and new events');
    await standin.waitFor(() => [4, 5].every((n) => parents(`sse-app-${n} task failed`).length === 1), 'the new threads');

    for (let n = 1; n <= 5; n += 1) {
      const threads = parents(`sse-app-${n} task failed`);
      expect(threads, `sse-app-${n}`).toHaveLength(1);
      const ts = tsOf(threads[0]);
      const notes = await standin.waitFor(() => repliesTo(ts).length > 0 && repliesTo(ts), `the note in sse-app-${n}'s thread`);
      expect(notes.map(textOf)).toEqual([`:grey_question: ${OUTSIDE} is not in sickbay's inventory, so it was not diagnosed. Add it to the inventory to have its failures diagnosed.`]);
    }
    expect(parents('Diagnosing test-a3-61-01')).toEqual([]);
    // the first test's event came again with the replay: still one thread
    expect(parents(`deploy-to-docker-business-product-rpc-test task failed on ${SEED_HOST}`)).toHaveLength(1);
    expect(stats?.drops).toBeGreaterThanOrEqual(1);
  });

  it('refuses malformed webhook calls with a reason and a status, and opens no thread for them', async () => {
    const url = `http://127.0.0.1:${intake.port}/alerts/failed-task`;
    const post = async (body: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return { status: res.status, body: (await res.json()) as { error?: string; refused?: string[] } };
    };
    const before = standin.ok('chat.postMessage').length;
    const hostile = await post(JSON.stringify({ app: '/evil', task: 'evil.1', host: '$(reboot)' }));
    expect(hostile.status).toBe(400);
    expect(hostile.body.refused?.join(' ')).toMatch(/host: a host name is .*\$\(reboot\)/);
    const notJson = await post('{"app": "/x"');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/JSON/);
    const unknownField = await post(JSON.stringify({ app: '/x', task: 'x.1', host: 'test-a3-60-17', shell: 'rm -rf /' }));
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body)).toContain('shell');
    expect((await post(JSON.stringify({ app: '/x', task: 'x.2', host: 'test-a3-60-17' }), {})).status).toBe(401);
    expect((await post(JSON.stringify({ app: '/x', task: 'x.3', host: 'test-a3-60-17' }), { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect(standin.ok('chat.postMessage').length).toBe(before);
  });
});
