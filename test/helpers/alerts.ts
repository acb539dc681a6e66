import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock, HostDirectory, HostRef } from '../../src/domain/index.js';
import type { AlertDiagnosisRequest, FailedTask, IncidentGroup, IncidentSink, RateAlert } from '../../src/alerts/index.js';

export const ALERT_FIXTURES = new URL('../fixtures/alerts/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, ALERT_FIXTURES), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

/** An IncidentSink that keeps every call in memory, in order. */
export class RecordingSink implements IncidentSink {
  readonly threads: IncidentGroup[] = [];
  readonly diagnoses: AlertDiagnosisRequest[] = [];
  readonly rateAlerts: RateAlert[] = [];
  /** Clock time (ms) of every thread call, per incident, to check the update rate. */
  readonly callTimes = new Map<string, number[]>();

  constructor(private readonly clock?: Clock) {}

  async openOrUpdateThread(group: IncidentGroup): Promise<void> {
    this.threads.push(group);
    const times = this.callTimes.get(group.incidentId) ?? [];
    times.push(this.clock ? this.clock.now().getTime() : Date.now());
    this.callTimes.set(group.incidentId, times);
  }

  async requestDiagnosis(request: AlertDiagnosisRequest): Promise<void> {
    this.diagnoses.push(request);
  }

  async raiseRateAlert(alert: RateAlert): Promise<void> {
    this.rateAlerts.push(alert);
  }

  opened(): IncidentGroup[] {
    return this.threads.filter((t) => t.update === 'opened');
  }

  /** The most calls for one incident inside any minute [t, t + 60 s). */
  maxCallsPerMinute(incidentId: string): number {
    return maxPerMinute(this.callTimes.get(incidentId) ?? []);
  }
}

/** The most of these times (ms) inside any minute [t, t + 60 s). */
export function maxPerMinute(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 60_000) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** A real Redis connection and a unique key prefix; `cleanup` deletes the prefix's keys and disconnects. */
export async function redisForTest(): Promise<{ redis: Redis; prefix: string; cleanup: () => Promise<void> }> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  const prefix = `test-alerts-${randomUUID()}`;
  return {
    redis,
    prefix,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

let taskCounter = 0;

/** A failed task of the seed's shape for one app on one host, with a fresh Marathon task id. */
export function failedTask(overrides: Partial<FailedTask> = {}): FailedTask {
  taskCounter += 1;
  const uuid = `${taskCounter.toString(16).padStart(8, '0')}-897e-11e7-9837-f2f3c189fa2c`;
  return {
    source: 'marathon',
    appId: '/deploy-to-docker-business-product-rpc-test',
    taskId: `deploy-to-docker-business-product-rpc-test.${uuid}`,
    status: 'TASK_FAILED',
    host: 'test-a3-60-17',
    exitStatus: 137,
    message: 'Container exited with status 137',
    at: '2017-08-25T10:21:35.970Z',
    ...overrides,
  };
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A fixed clock at the seed's failure time. */
export function seedClock(): Clock {
  return new ManualClock(Date.parse('2017-08-25T10:21:40Z'));
}

/** A HostDirectory of these hosts (name and SSH address), for mapping alert labels onto the inventory. */
export function inventoryOf(hosts: readonly { name: string; address: string }[]): Pick<HostDirectory, 'list'> {
  const refs: HostRef[] = hosts.map((h) => ({
    name: h.name,
    zone: 'default',
    tags: [],
    ssh: { name: h.name, address: h.address, port: 22, user: 'root', knownHostsFile: '/dev/null' },
  }));
  return { list: () => refs };
}
