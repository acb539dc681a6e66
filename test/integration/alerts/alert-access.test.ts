import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntake, type IntakeHandle } from '../../../src/app/intake.js';
import { diagnoseQueueName } from '../../../src/queue/job-ids.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { intakeEnv, SlackStandIn, type RecordedCall } from '../../helpers/slack-standin.js';

/**
 * The access file applies to alerts too: an alert-triggered diagnosis opens an SSH session as much
 * as /diag does. Hosts covered by a rule with `alerts: true` are diagnosed; others get a thread that
 * says why they were not, and nothing is queued for them.
 */
const CHANNEL = 'C0ALERTS';
const TOKEN = 'alerts-webhook-token-0123456789';
const standin = new SlackStandIn();
const prefix = uniquePrefix();
let work: string;
let intake: IntakeHandle;

const textOf = (call: RecordedCall): string => String(call.body.text ?? '');

async function postFailure(app: string, host: string, n: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${intake.port}/alerts/failed-task`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ app, task: `${app.slice(1)}.0000000${n}-897e-11e7-9837-f2f3c189fa2c`, host, exitStatus: 137, message: 'Container exited with status 137', at: new Date().toISOString() }),
  });
  await res.text();
  return res.status;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sickbay-alert-access-'));
  // Port 1 on loopback refuses at once: resolving the task's container fails fast, the diagnosis
  // is queued (or refused) all the same, and no worker is needed to see which.
  writeFileSync(
    join(work, 'inventory.yml'),
    ['hosts:', '  mesos-agent-1: { address: 127.0.0.1, port: 1, tags: [mesos], zone: lab }', '  db-1: { address: 127.0.0.1, port: 1, tags: [db], zone: lab }', ''].join('\n'),
  );
  writeFileSync(
    join(work, 'access.yml'),
    ['access:', '  - name: mesos on-call', '    tags: [mesos]', '    users: [U0ALICE]', '    alerts: true', '  - name: dba', '    tags: [db]', '    users: [U0BOB]', ''].join('\n'),
  );
  await standin.start();
  intake = await startIntake({
    env: intakeEnv(standin, { redisUrl: REDIS_URL, prefix, channel: CHANNEL }, { SICKBAY_ACCESS_FILE: join(work, 'access.yml'), ALERT_WEBHOOK_TOKEN: TOKEN }),
    inventory: join(work, 'inventory.yml'),
    tickIntervalMs: 3_600_000,
  });
});

afterAll(async () => {
  await intake?.stop();
  await standin.stop();
  await deleteUnder(prefix);
  rmSync(work, { recursive: true, force: true });
});

describe('access rules on alert-triggered diagnoses (intake, real Redis, Slack stand-in)', () => {
  it('queues a diagnosis for a host an alerts rule covers, and says in the thread why another host was not diagnosed', async () => {
    expect(await postFailure('/payments', 'mesos-agent-1', 1)).toBe(202);
    expect(await postFailure('/ledger', 'db-1', 2)).toBe(202);

    const refusal = await standin.waitFor(
      () => standin.ok('chat.postMessage').find((c) => c.body.thread_ts && textOf(c).includes('db-1 was not diagnosed')),
      'the refusal in the db-1 thread',
    );
    expect(textOf(refusal)).toContain('no access rule with alerts: true covers it');

    const queue = new Queue(diagnoseQueueName('lab'), { connection: { url: REDIS_URL }, prefix });
    try {
      let hosts: unknown[] = [];
      for (const deadline = Date.now() + 20_000; !hosts.length && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        hosts = (await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized'])).map((j) => (j.data as { host?: string }).host);
      }
      expect(hosts).toEqual(['mesos-agent-1']);
    } finally {
      await queue.close();
    }
  });
});
