import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { CommandResult, CommandRunner } from '../../../src/domain/index.js';
import {
  createAlertIntake,
  createDockerPsContainerResolver,
  createFailureRateMonitor,
  createStormGrouper,
  DOCKER_PS_COMMAND,
  fromMarathonEvent,
  type AlertIntake,
  type FailedTask,
} from '../../../src/alerts/index.js';
import { failedTask, fixtureJson, fixtureText, ManualClock, RecordingSink, redisForTest, waitFor } from '../../helpers/alerts.js';

const T0 = Date.parse('2017-08-25T10:00:00Z');

/** A CommandRunner that answers `docker ps` from a captured docker_ps spec file: our own port, real data. */
function dockerPsRunner(host: string, ps: string): CommandRunner {
  return {
    host,
    async run(command): Promise<CommandResult> {
      const known = command === DOCKER_PS_COMMAND;
      return { stdout: known ? ps : '', stderr: known ? '' : 'unexpected command', exit: known ? 0 : 127, timedOut: false, truncated: false, durationMs: 1 };
    },
    async close() {},
  };
}

describe('storm grouping and triage against a real Redis', () => {
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  let sink: RecordingSink;
  let intake: AlertIntake;
  let connected: string[];

  beforeEach(async () => {
    ({ redis, prefix, cleanup } = await redisForTest());
    clock = new ManualClock(T0);
    sink = new RecordingSink(clock);
    connected = [];
    const ps = fixtureText('docker-ps-test-a3-60-17.jsonl');
    intake = createAlertIntake({
      storm: createStormGrouper({ redis, prefix, clock }),
      rate: createFailureRateMonitor({ redis, prefix, clock, threshold: 20 }),
      sink,
      resolver: createDockerPsContainerResolver({
        connect: async (host) => {
          connected.push(host);
          return dockerPsRunner(host, host === 'test-a3-60-17' ? ps : '');
        },
      }),
    });
  });

  afterEach(async () => {
    await intake.stop();
    await cleanup();
  });

  /** Feeds failures in time order, ticking the digest every 3 simulated seconds as the timer would. */
  async function replay(failures: readonly { atMs: number; task: FailedTask }[]): Promise<void> {
    let nextTick = T0 + 3_000;
    for (const { atMs, task } of [...failures].sort((a, b) => a.atMs - b.atMs)) {
      while (nextTick <= atMs) {
        clock.set(nextTick);
        await intake.tick();
        nextTick += 3_000;
      }
      clock.set(atMs);
      await intake.accept(task);
    }
    for (let i = 0; i < 3; i += 1) {
      clock.advance(3_000);
      await intake.tick();
    }
  }

  it('opens one thread and requests one container diagnosis with the resolved container for the seed failure', async () => {
    // given the seed's Marathon event
    const normalised = fromMarathonEvent(fixtureJson('marathon-status-update-task-failed.json'));
    if (!normalised.ok) throw new Error(normalised.reason);
    // when
    const outcome = await intake.accept(normalised.task);
    // then
    expect(outcome).toBe('opened');
    expect(sink.threads).toHaveLength(1);
    expect(sink.threads[0]?.headline).toBe('deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17 (exit 137)');
    expect(sink.diagnoses).toEqual([
      {
        incidentId: sink.threads[0]?.incidentId,
        host: 'test-a3-60-17',
        playbook: 'container',
        params: { container: '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60' },
        task: normalised.task,
        container: { kind: 'found', id: '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60' },
        containerFixesFor: ['812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60'],
      },
    ]);
    expect(sink.threads[0]?.incidentId).toMatch(/^alert-deploy-to-docker-business-product-rpc-test-[a-z0-9]+$/);
  });

  it('handles a task id seen twice once', async () => {
    const task = failedTask();
    expect(await intake.accept(task)).toBe('opened');
    clock.advance(10_000);
    expect(await intake.accept({ ...task })).toBe('duplicate');
    expect(sink.threads).toHaveLength(1);
    expect(sink.diagnoses).toHaveLength(1);
  });

  it('falls back to the docker-host playbook when the container is not on the host', async () => {
    await intake.accept(failedTask({ host: 'test-a1-60-36' }));
    expect(sink.diagnoses.map((d) => [d.host, d.playbook, d.params, d.container.kind, d.containerFixesFor])).toEqual([['test-a1-60-36', 'docker-host', {}, 'absent', []]]);
  });

  it('keeps a crash loop of 10 instances at Marathon default backoff in one thread with one diagnosis per host', async () => {
    // given 10 instances, each relaunched after 1 s × 1.15^n (Marathon's default backoff) and failing at once
    const failures: { atMs: number; task: FailedTask }[] = [];
    for (let instance = 0; instance < 10; instance += 1) {
      let at = T0 + instance * 700;
      for (let n = 0; at < T0 + 300_000; n += 1) {
        failures.push({ atMs: at, task: failedTask({ host: `test-a3-60-${20 + instance}`, at: new Date(at).toISOString() }) });
        at += Math.round(1_000 * 1.15 ** n) + 150;
      }
    }
    expect(failures.length).toBeGreaterThanOrEqual(250);
    // when
    await replay(failures);
    // then
    const opened = sink.opened();
    expect(opened).toHaveLength(1);
    const incidentId = opened[0]?.incidentId as string;
    expect(new Set(sink.threads.map((t) => t.incidentId))).toEqual(new Set([incidentId]));
    const hosts = sink.diagnoses.map((d) => d.host);
    expect(new Set(hosts).size).toBe(hosts.length);
    expect(hosts).toHaveLength(10);
    expect(sink.maxCallsPerMinute(incidentId)).toBeLessThanOrEqual(20);
    const last = sink.threads.at(-1);
    expect(last?.count).toBe(failures.length);
    expect(last?.hosts).toHaveLength(10);
    expect(last?.headline).toBe(`deploy-to-docker-business-product-rpc-test: ${failures.length} tasks failed in 5 min on 10 hosts (exit 137 ×${failures.length})`);
  });

  it('turns a burst of 500 concurrent failures in a minute into one thread, limited diagnoses and throttled updates', async () => {
    // given 500 failures over 60 s across 50 hosts, delivered 10 at a time concurrently every 1.2 s
    const tasks = Array.from({ length: 500 }, (_, i) =>
      failedTask({ host: `test-b${i % 50}`, exitStatus: i % 5 === 0 ? 143 : 137 }),
    );
    let nextTick = T0 + 3_000;
    for (let batch = 0; batch < 50; batch += 1) {
      const at = T0 + batch * 1_200;
      while (nextTick <= at) {
        clock.set(nextTick);
        await intake.tick();
        nextTick += 3_000;
      }
      clock.set(at);
      await Promise.all(tasks.slice(batch * 10, batch * 10 + 10).map((t) => intake.accept(t)));
    }
    clock.advance(3_000);
    await intake.tick();
    // then
    expect(sink.opened()).toHaveLength(1);
    const incidentId = sink.opened()[0]?.incidentId as string;
    expect(sink.maxCallsPerMinute(incidentId)).toBeLessThanOrEqual(20);
    const hosts = sink.diagnoses.map((d) => d.host);
    expect(new Set(hosts).size).toBe(hosts.length);
    // the global bucket holds 30 diagnoses a minute, refilling at one every 2 s
    expect(hosts.length).toBeGreaterThanOrEqual(30);
    expect(hosts.length).toBeLessThanOrEqual(30 + 30);
    expect(sink.threads.at(-1)).toMatchObject({ count: 500, exitCodes: { '137': 400, '143': 100 } });
    expect(sink.threads.at(-1)?.hosts).toHaveLength(50);
  });

  it('caps diagnoses per minute across hosts with a token bucket that refills over time', async () => {
    // given a limit of 5 a minute and 20 hosts failing at the same instant
    const limited = createAlertIntake({ storm: createStormGrouper({ redis, prefix: `${prefix}:bucket`, clock, maxDiagnosesPerMinute: 5 }), sink });
    await Promise.all(Array.from({ length: 20 }, (_, i) => limited.accept(failedTask({ host: `test-c${i}` }))));
    expect(sink.diagnoses).toHaveLength(5);
    // when one token has refilled (12 s at 5 a minute), the next throttled host gets its diagnosis
    clock.advance(12_000);
    await limited.accept(failedTask({ host: 'test-c19' }));
    await limited.accept(failedTask({ host: 'test-c18' }));
    expect(sink.diagnoses).toHaveLength(6);
    expect(sink.diagnoses[5]?.host).toBe('test-c19');
  });

  it('posts a coalesced digest update from the periodic tick once it is due', async () => {
    // given an open thread and a second failure 1 s later, too soon for an update
    await intake.accept(failedTask());
    clock.advance(1_000);
    expect(await intake.accept(failedTask({ host: 'test-a3-60-18', exitStatus: 143 }))).toBe('coalesced');
    expect(await intake.tick()).toBe(0);
    // when the timer ticks after the 3 s spacing
    clock.advance(2_000);
    intake.start(10);
    await waitFor('the digest update', () => sink.threads.length === 2);
    await intake.stop();
    // then the update carries both failures
    expect(sink.threads[1]).toMatchObject({ update: 'updated', count: 2, hosts: ['test-a3-60-17', 'test-a3-60-18'], exitCodes: { '137': 1, '143': 1 } });
  });

  it('opens a new thread and diagnoses again once the window has passed without failures', async () => {
    await intake.accept(failedTask());
    clock.advance(600_000);
    expect(await intake.accept(failedTask())).toBe('opened');
    expect(sink.opened()).toHaveLength(2);
    expect(sink.opened()[0]?.incidentId).not.toBe(sink.opened()[1]?.incidentId);
    expect(sink.diagnoses).toHaveLength(2);
  });

  it('groups failures of different apps into separate threads', async () => {
    await intake.accept(failedTask());
    await intake.accept(failedTask({ appId: '/order-sync-test', taskId: 'order-sync-test.1b2c3d4e-8970-11e7-9837-f2f3c189fa2c' }));
    expect(sink.opened().map((t) => t.appId)).toEqual(['/deploy-to-docker-business-product-rpc-test', '/order-sync-test']);
  });

  it('raises a rate alert once per window when an app crosses the failed-task threshold', async () => {
    for (let i = 0; i < 19; i += 1) {
      clock.advance(1_000);
      await intake.accept(failedTask());
    }
    await intake.tick();
    expect(sink.rateAlerts).toHaveLength(0);
    await intake.accept(failedTask());
    await intake.tick();
    await intake.accept(failedTask());
    await intake.tick();
    expect(sink.rateAlerts).toHaveLength(1);
    expect(sink.rateAlerts[0]).toMatchObject({ appId: '/deploy-to-docker-business-product-rpc-test', count: 20, threshold: 20 });
    expect(sink.rateAlerts[0]?.headline).toBe('deploy-to-docker-business-product-rpc-test: 20 failed tasks in the last 10 min (threshold 20): something is wrong');
    // a window later the old failures have slid out; 20 new ones raise it again
    clock.advance(600_000);
    for (let i = 0; i < 20; i += 1) await intake.accept(failedTask());
    await intake.tick();
    expect(sink.rateAlerts).toHaveLength(2);
  });
});
