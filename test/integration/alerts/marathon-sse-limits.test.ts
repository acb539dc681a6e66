import { afterEach, describe, expect, it } from 'vitest';
import { createMarathonEventStream, type MarathonEventStream } from '../../../src/alerts/index.js';
import type { FailedTask } from '../../../src/alerts/failed-task.schema.js';
import { ENDLESS_LIMIT, FakeMarathon } from '../../helpers/fake-marathon.js';
import { fixtureJson, waitFor } from '../../helpers/alerts.js';

const KiB = 1024;

describe('the Marathon stream drops a misbehaving connection and reconnects', () => {
  let marathon: FakeMarathon;
  let stream: MarathonEventStream | undefined;
  let tasks: FailedTask[];
  let warnings: { obj: Record<string, unknown>; msg?: string }[];

  async function start(options: { idleTimeoutMs?: number; maxEventBytes?: number }): Promise<void> {
    marathon = new FakeMarathon();
    const url = await marathon.listen();
    tasks = [];
    warnings = [];
    stream = createMarathonEventStream({
      url,
      onTask: async (task) => tasks.push(task),
      backoff: { initialMs: 20, maxMs: 100 },
      logger: { info: () => {}, error: () => {}, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }) },
      ...options,
    });
  }

  afterEach(async () => {
    await stream?.stop();
    await marathon.close();
  });

  /** After the misbehaving connection, a normal one streams: an event sent now is handled. */
  async function streamsAgain(): Promise<void> {
    await waitFor('a second connection', () => stream?.stats.connects === 2 && marathon.clients.size === 1);
    marathon.emit(fixtureJson('marathon-status-update-task-failed.json'));
    await waitFor('the task', () => tasks.length === 1);
  }

  it('a line that never ends: cut at the cap, with the reason logged', async () => {
    await start({ maxEventBytes: 256 * KiB });
    marathon.next.push('endless-line');
    stream?.start();
    await streamsAgain();
    expect(stream?.stats.drops).toBe(1);
    expect(warnings.map((w) => w.obj['why'])).toContainEqual(expect.stringMatching(/an event or line longer than 256 KiB/));
    // the client hung up long before the server ran out of line to send
    expect(marathon.endlessWritten[0]).toBeLessThan(ENDLESS_LIMIT);
  });

  it('a stream that answered and then went silent: dropped after the idle timeout', async () => {
    await start({ idleTimeoutMs: 300 });
    marathon.next.push('silent');
    stream?.start();
    await streamsAgain();
    expect(stream?.stats.drops).toBe(1);
    expect(warnings.map((w) => w.obj['why'])).toContainEqual(expect.stringMatching(/no bytes from .* for 0\.3 s/));
  });

  it('a server that never answers the request: dropped after the idle timeout too', async () => {
    await start({ idleTimeoutMs: 300 });
    marathon.next.push('no-headers');
    stream?.start();
    await waitFor('a second connection', () => stream?.stats.connects === 1 && marathon.clients.size === 1);
    expect(marathon.requests).toHaveLength(2);
    expect(warnings.map((w) => w.obj['why'])).toContainEqual(expect.stringMatching(/no bytes from .* for 0\.3 s/));
  });

  it('heartbeats alone keep a quiet stream open', async () => {
    // a bare CRLF every 50 ms, an idle timeout thirty times longer
    await start({ idleTimeoutMs: 1_500 });
    marathon.next.push('heartbeats');
    stream?.start();
    await waitFor('a connection', () => marathon.clients.size === 1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    marathon.emit(fixtureJson('marathon-status-update-task-failed.json'));
    await waitFor('the task', () => tasks.length === 1);
    expect(stream?.stats).toMatchObject({ connects: 1, drops: 0 });
  });
});
