import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntake, type IntakeHandle } from '../../../src/app/intake.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { intakeEnv, SlackStandIn } from '../../helpers/slack-standin.js';
import { fixtureText, ManualClock } from '../../helpers/alerts.js';

const standin = new SlackStandIn();
const prefix = uniquePrefix();
let master: Server;
let polls = 0;
let intake: IntakeHandle;
let work: string;

beforeAll(async () => {
  await standin.start();
  master = createServer((req, res) => {
    if (req.url !== '/master/state') return void res.writeHead(404).end();
    polls += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(fixtureText('mesos-master-state.json'));
  });
  await new Promise<void>((resolve) => master.listen(0, '127.0.0.1', resolve));
  work = mkdtempSync(join(tmpdir(), 'sickbay-intake-mesos-'));
  // an inventory without the seed's agent: the intake must not connect to it
  writeFileSync(join(work, 'inventory.yml'), 'hosts:\n  other-agent-01:\n    address: 127.0.0.1\n    port: 1\n');
  intake = await startIntake({
    env: intakeEnv(standin, { redisUrl: REDIS_URL, prefix, channel: 'C0ALERTS' }, { MESOS_MASTER_URL: `http://127.0.0.1:${(master.address() as AddressInfo).port}`, MESOS_POLL_MS: '1000' }),
    inventory: join(work, 'inventory.yml'),
    // four minutes after the seed's failure: the TASK_FAILED is news, the older one is history
    clock: new ManualClock(Date.parse('2017-08-25T10:25:00Z')),
  });
});

afterAll(async () => {
  await intake?.stop();
  master.closeAllConnections();
  await new Promise<void>((resolve) => master.close(() => resolve()));
  await standin.stop();
  await deleteUnder(prefix);
  rmSync(work, { recursive: true, force: true });
});

describe('sickbay intake polling a Mesos master', () => {
  it('opens one thread for a recent TASK_FAILED across polls and says its agent is not in the inventory', async () => {
    const parents = () => standin.ok('chat.postMessage').filter((c) => c.body.channel === 'C0ALERTS' && !c.body.thread_ts);
    const first = await standin.waitFor(() => parents()[0], 'the incident thread');
    await standin.waitFor(() => polls >= 3, 'three polls of /master/state');
    const ts = String(first.result?.ts);
    const notes = await standin.waitFor(() => {
      const replies = standin.ok('chat.postMessage').filter((c) => c.body.thread_ts === ts);
      return replies.length > 0 && replies;
    }, 'the note in the thread');

    // /master/state keeps no status message, so no exit status: the headline says only what is known
    expect(parents().map((c) => c.body.text)).toEqual(['deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17']);
    expect(notes.map((c) => c.body.text)).toEqual([
      ":grey_question: test-a3-60-17 is not in sickbay's inventory, so it was not diagnosed. Add it to the inventory to have its failures diagnosed.",
    ]);
    expect(standin.ok('chat.update')).toEqual([]);
    // this master has no /api/v1 (404): the intake chose polling on its own
    expect(intake.mesosSource?.mode()).toBe('state');
  });
});
