import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntake, type IntakeHandle } from '../../../src/app/intake.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { intakeEnv, SlackStandIn } from '../../helpers/slack-standin.js';
import { FakeMesosMaster } from '../../helpers/fake-mesos-master.js';
import { fixtureJson, ManualClock, waitFor } from '../../helpers/alerts.js';

// Real-format events: see the fixture's "source" (apache/mesos operator-http-api.md, master.proto, recordio.md).
const incident = fixtureJson('mesos-v1-subscribe-three-apps-failover.json') as {
  first_leader: unknown[];
  second_leader: unknown[];
  get_agents: unknown;
  get_tasks: unknown;
};

const standin = new SlackStandIn();
const prefix = uniquePrefix();
const first = new FakeMesosMaster();
const second = new FakeMesosMaster();
const logs: string[] = [];
let intake: IntakeHandle;
let work: string;

const parents = () => standin.ok('chat.postMessage').filter((c) => c.body.channel === 'C0ALERTS' && !c.body.thread_ts);
const parentText = (app: string): string => JSON.stringify(parents().find((c) => String(c.body.text).startsWith(app))?.body ?? {});

beforeAll(async () => {
  await standin.start();
  await first.start();
  await second.start();
  first.events = incident.first_leader;
  first.responses = { GET_AGENTS: incident.get_agents, GET_TASKS: incident.get_tasks };
  // the configured master is a follower: it redirects to the leader, as Mesos does
  second.leader = `127.0.0.1:${first.port}`;
  work = mkdtempSync(join(tmpdir(), 'sickbay-intake-mesos-v1-'));
  writeFileSync(join(work, 'inventory.yml'), 'hosts:\n  other-agent-01:\n    address: 127.0.0.1\n    port: 1\n');
  intake = await startIntake({
    env: intakeEnv(standin, { redisUrl: REDIS_URL, prefix, channel: 'C0ALERTS' }, { MESOS_MASTER_URL: second.url, ALERT_MARATHON_UI_URL: 'http://marathon.test.local:8080', ALERT_MESOS_UI_URL: 'http://mesos.test.local:5050', LOG_LEVEL: 'info' }),
    inventory: join(work, 'inventory.yml'),
    // four minutes after the seed's failure: its failures are news, the snapshot's older one is history
    clock: new ManualClock(Date.parse('2017-08-25T10:25:00Z')),
    mesosBackoff: { initialMs: 20, maxMs: 100 },
    logDestination: { write: (line: string) => logs.push(line) },
  });
});

afterAll(async () => {
  await intake?.stop();
  await first.stop();
  await second.stop();
  await standin.stop();
  await deleteUnder(prefix);
  rmSync(work, { recursive: true, force: true });
});

describe('sickbay intake subscribed to a Mesos master (v1 operator API)', () => {
  it('opens one thread per failed app from a RecordIO stream split across TCP writes, with exit code, message, reason, agent and links', async () => {
    await standin.waitFor(() => parents().length >= 2 && parents(), 'two incident threads');

    expect(parents().map((c) => c.body.text).sort()).toEqual([
      'coupon-expire-job-test task failed on test-a3-60-18 (exit 1)',
      'deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17 (exit 137)',
    ]);
    const seed = parentText('deploy-to-docker');
    for (const part of [
      'deploy-to-docker-business-product-rpc-test.a22e5797-897e-11e7-9837-f2f3c189fa2c',
      'test-a3-60-17 `5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7`',
      'TASK_FAILED · REASON_COMMAND_EXECUTOR_FAILED · SOURCE_EXECUTOR',
      'exit 137: “Container exited with status 137”',
      // the status's own timestamp (1503656495.97), not the intake's clock (10:25)
      'at 2017-08-25 10:21:35 UTC',
      '<http://marathon.test.local:8080/ui/#/apps/%2Fdeploy-to-docker-business-product-rpc-test|Marathon app>',
      '<http://mesos.test.local:5050/#/agents/5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7/frameworks/5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-0000/executors/deploy-to-docker-business-product-rpc-test.a22e5797-897e-11e7-9837-f2f3c189fa2c/browse|Mesos sandbox>',
    ]) {
      expect(seed).toContain(part);
    }
    // the second agent was not in the snapshot: its host name came from GET_AGENTS on the leader
    expect(first.calls).toContain('GET_AGENTS');
    expect(second.calls).toEqual(['SUBSCRIBE']);
    expect(logs.some((l) => l.includes('Mesos: subscribed to the leading master (v1 operator API)') && l.includes(`127.0.0.1:${first.port}`))).toBe(true);
  });

  it('subscribes again after the leader fails over and reports what failed in between, once', async () => {
    // failover: the configured master becomes the leader, the old one dies mid-stream
    second.events = incident.second_leader;
    second.leader = undefined;
    await first.stop();

    await standin.waitFor(() => parents().length >= 3 && parents(), 'the thread of the failure during the failover');
    await waitFor('the new leader to stream', () => intake.mesosSource?.stats.leader === second.url);
    expect(parents().map((c) => c.body.text).sort()).toEqual([
      'coupon-expire-job-test task failed on test-a3-60-18 (exit 1)',
      'deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17 (exit 137)',
      'order-sync-test task failed on test-a3-60-18',
    ]);
    expect(parentText('order-sync-test')).toContain('TASK_FAILED · REASON_CONTAINER_LIMITATION_MEMORY · SOURCE_AGENT');
    expect(parentText('order-sync-test')).toContain('Memory limit exceeded: Requested: 544MB Maximum Used: 512MB');
    expect(intake.mesosSource?.mode()).toBe('v1');
    // the seed's failure, in the new leader's snapshot too, did not open a second thread
    expect(standin.ok('chat.update')).toEqual([]);
  });
});
