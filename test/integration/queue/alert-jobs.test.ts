import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { replayHost } from '../../../src/diagnosis/index.js';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { DiagnoseJobDataSchema, DiagnoseQueues, diagnoseJobId, diagnoseQueueName } from '../../../src/queue/index.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const prefix = uniquePrefix();
const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const queues = new DiagnoseQueues({ connection, prefix });
const host = replayHost('test-a3-60-17', 'dc1', ['mesos']);
const thread = { channel: 'C0ALERTS', ts: '1700000001.000100' };
const container = '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60';

afterAll(async () => {
  await queues.close();
  await deleteUnder(prefix);
  connection.disconnect();
});

describe('diagnose jobs started by alerts', () => {
  it('carry the playbook params and the incident thread, and one job per host, playbook and params', async () => {
    const ask = (params: Record<string, string>) => queues.request({ host, playbook: 'container', requestedBy: 'alert', channel: 'C0ALERTS', params, thread });
    const first = await ask({ container });
    const again = await ask({ container });
    const other = await ask({ container: 'b9de12f60abd49e8' });
    expect(first.status).toBe('queued');
    expect(again).toMatchObject({ status: 'joined', jobId: first.jobId });
    expect(other.status).toBe('queued');
    expect(other.jobId).not.toBe(first.jobId);
    expect(first.jobId).toMatch(/^diag-test-a3-60-17-container-[0-9a-f]{12}$/);
    const job = await queues.queue(diagnoseQueueName('dc1')).getJob(first.jobId);
    expect(DiagnoseJobDataSchema.parse(job?.data)).toMatchObject({ params: { container }, thread, requestedBy: 'alert' });
    await queues.queue(diagnoseQueueName('dc1')).obliterate({ force: true });
  });

  it('name jobs without params as before, and params in any order alike', () => {
    expect(diagnoseJobId('h1', 'docker-host')).toBe('diag-h1-docker-host');
    expect(diagnoseJobId('h1', 'docker-host', {})).toBe('diag-h1-docker-host');
    expect(diagnoseJobId('h1', 'p', { a: '1', b: '2' })).toBe(diagnoseJobId('h1', 'p', { b: '2', a: '1' }));
    expect(diagnoseJobId('h1', 'p', { a: '1' })).not.toContain(':');
  });

  it('refuse job params whose names or values are not plain', () => {
    const base = { requestId: '00000000-0000-4000-8000-000000000000', host: 'h1', zone: 'dc1', playbook: 'container', requestedBy: 'alert', channel: 'C0A', requestedAt: '2017-08-25T10:21:40.000Z' };
    expect(DiagnoseJobDataSchema.safeParse({ ...base, params: { container } }).success).toBe(true);
    expect(DiagnoseJobDataSchema.safeParse({ ...base, params: { Container: container } }).success).toBe(false);
    expect(DiagnoseJobDataSchema.safeParse({ ...base, params: { container: 'a\nb' } }).success).toBe(false);
  });
});

describe('sickbay intake configuration', () => {
  it('needs the alerts channel and at least one source, and names what is missing', () => {
    let error: unknown;
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2' }, 'intake');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('SICKBAY_ALERTS_CHANNEL is not set');
    expect(problems).toContain('no alert source');
    const env = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SICKBAY_ALERTS_CHANNEL: 'C0ALERTS', MARATHON_URL: 'http://marathon.test.local:8080' }, 'intake').env;
    expect(env).toMatchObject({ ALERT_WINDOW_MS: 600_000, ALERT_MAX_UPDATES_PER_MINUTE: 20, ALERT_TASK_STATES: 'TASK_FAILED', ALERT_PORT: 3100 });
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SICKBAY_ALERTS_CHANNEL: 'C0ALERTS', ALERT_WEBHOOK_TOKEN: 'short' }, 'intake')).toThrow(/ALERT_WEBHOOK_TOKEN is malformed/);
  });
});
