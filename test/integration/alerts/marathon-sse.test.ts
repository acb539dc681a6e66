import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  backoffDelay,
  createAlertIntake,
  createMarathonEventStream,
  createStormGrouper,
  SseParser,
  type IntakeOutcome,
  type MarathonEventStream,
} from '../../../src/alerts/index.js';
import { FakeMarathon } from '../../helpers/fake-marathon.js';
import { fixtureJson, fixtureText, RecordingSink, redisForTest, waitFor } from '../../helpers/alerts.js';
import { systemClock } from '../../../src/domain/index.js';

function failedEvent(n: number, status = 'TASK_FAILED'): Record<string, unknown> {
  const base = fixtureJson('marathon-status-update-task-failed.json') as Record<string, unknown>;
  const uuid = `${n.toString(16).padStart(8, '0')}-897e-11e7-9837-f2f3c189fa2c`;
  return { ...base, appId: `/app-${n}`, taskId: `app-${n}.${uuid}`, taskStatus: status };
}

describe('Marathon event stream intake', () => {
  let marathon: FakeMarathon;
  let url: string;
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let stream: MarathonEventStream | undefined;
  let outcomes: IntakeOutcome[];
  let refused: string[];
  let sink: RecordingSink;

  beforeEach(async () => {
    marathon = new FakeMarathon();
    url = await marathon.listen();
    ({ redis, prefix, cleanup } = await redisForTest());
    outcomes = [];
    refused = [];
    sink = new RecordingSink();
    const intake = createAlertIntake({ storm: createStormGrouper({ redis, prefix, clock: systemClock }), sink });
    stream = createMarathonEventStream({
      url,
      onTask: async (task) => outcomes.push(await intake.accept(task)),
      onRefused: (reason) => refused.push(reason),
      backoff: { initialMs: 20, maxMs: 200 },
    });
  });

  afterEach(async () => {
    await stream?.stop();
    await marathon.close();
    await cleanup();
  });

  it('subscribes to /v2/events and turns a TASK_FAILED event into one thread', async () => {
    stream?.start();
    await waitFor('connection', () => marathon.clients.size === 1);
    marathon.emit(fixtureJson('marathon-status-update-task-running.json'));
    marathon.emit(fixtureJson('marathon-status-update-task-failed.json'));
    await waitFor('one outcome', () => outcomes.length === 1);
    expect(marathon.requests[0]).toEqual({ url: '/v2/events?event_type=status_update_event', accept: 'text/event-stream' });
    expect(sink.threads.map((t) => t.headline)).toEqual(['deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17 (exit 137)']);
    expect(sink.diagnoses.map((d) => [d.host, d.incidentId])).toEqual([['test-a3-60-17', sink.threads[0]?.incidentId]]);
  });

  it('resumes a dropped stream without handling any replayed event twice', async () => {
    // given five failures handled on the first connection
    stream?.start();
    await waitFor('connection', () => marathon.clients.size === 1);
    for (let n = 1; n <= 5; n += 1) marathon.emit(failedEvent(n));
    await waitFor('five outcomes', () => outcomes.length === 5);
    // when the stream is cut mid-event and the server replays everything on reconnect
    marathon.dropMidEvent();
    await waitFor('reconnection', () => stream?.stats.connects === 2 && marathon.clients.size === 1);
    for (let n = 6; n <= 8; n += 1) marathon.emit(failedEvent(n));
    await waitFor('all outcomes', () => outcomes.length === 13);
    // then the replayed five are duplicates and every task has exactly one thread
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(5);
    expect(sink.opened().map((t) => t.appId)).toEqual(Array.from({ length: 8 }, (_, i) => `/app-${i + 1}`));
    expect(sink.diagnoses).toHaveLength(8);
    expect(stream?.stats.drops).toBe(1);
    expect(refused).toEqual([]);
  });

  it('retries with backoff while Marathon answers 503, then streams', async () => {
    marathon.failNext = 3;
    stream?.start();
    await waitFor('connection after failures', () => marathon.clients.size === 1);
    expect(marathon.requests).toHaveLength(4);
    marathon.emit(failedEvent(1));
    await waitFor('outcome', () => outcomes.length === 1);
    expect(stream?.stats).toMatchObject({ connects: 1, drops: 3 });
  });

  it('refuses malformed events with a reason and keeps streaming', async () => {
    stream?.start();
    await waitFor('connection', () => marathon.clients.size === 1);
    marathon.emit('{"eventType": "status_update_event", "taskStatus": "TASK_FAILED"');
    marathon.emit({ ...failedEvent(1), host: '$(reboot)' });
    marathon.emit(failedEvent(2));
    await waitFor('outcome', () => outcomes.length === 1);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatch(/^event data is not JSON/);
    expect(refused[1]).toMatch(/host: a host name is .*\$\(reboot\)/);
    expect(sink.opened().map((t) => t.appId)).toEqual(['/app-2']);
  });

  it('ignores statuses that are not configured as failures', async () => {
    stream?.start();
    await waitFor('connection', () => marathon.clients.size === 1);
    marathon.emit(failedEvent(1, 'TASK_KILLED'));
    marathon.emit(failedEvent(2, 'TASK_FAILED'));
    await waitFor('outcome', () => outcomes.length === 1);
    expect(sink.opened().map((t) => t.appId)).toEqual(['/app-2']);
  });
});

describe('stream helpers', () => {
  it('parses events split across chunks, with CRLF, comments, ids and multi-line data', () => {
    const parser = new SseParser();
    expect(parser.push(': keepalive\r\nevent: status_update_event\r\nid: 7\r\nda')).toEqual([]);
    expect(parser.push('ta: {"a":\r\ndata: 1}\r\n\r\n')).toEqual([{ event: 'status_update_event', id: '7', data: '{"a":\n1}' }]);
    const frame = fixtureText('marathon-status-update-task-failed.json').replace(/\n/g, ' ');
    expect(parser.push(`data: ${frame}\n\n`)[0]?.event).toBe('message');
  });

  it('grows the reconnect delay ceiling exponentially up to the maximum, with jitter below it', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, { initialMs: 100, maxMs: 1_000 }, top))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(5, { initialMs: 100, maxMs: 1_000 }, () => 0)).toBe(0);
  });
});
