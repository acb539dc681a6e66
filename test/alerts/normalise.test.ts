import { describe, expect, it } from 'vitest';
import {
  appIdFromTaskId,
  failedTasksFromMesosState,
  fromAlertmanager,
  fromMarathonEvent,
  fromSimpleWebhook,
  parseExitStatus,
  pickMesosContainer,
  groupHeadline,
} from '../../src/alerts/index.js';
import { fixtureJson, fixtureText } from '../helpers/alerts.js';

const SEED_TASK = 'deploy-to-docker-business-product-rpc-test.a22e5797-897e-11e7-9837-f2f3c189fa2c';

describe('normalising alert payloads', () => {
  it('reads app, task, host, agent and exit 137 from a Marathon TASK_FAILED event', () => {
    const result = fromMarathonEvent(fixtureJson('marathon-status-update-task-failed.json'));
    expect(result).toEqual({
      ok: true,
      task: {
        source: 'marathon',
        appId: '/deploy-to-docker-business-product-rpc-test',
        taskId: SEED_TASK,
        status: 'TASK_FAILED',
        host: 'test-a3-60-17',
        agentId: '5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7',
        exitStatus: 137,
        message: 'Container exited with status 137',
        at: '2017-08-25T10:21:35.970Z',
      },
    });
  });

  it('refuses a Marathon event whose host carries shell syntax, naming the field', () => {
    const result = fromMarathonEvent(fixtureJson('marathon-host-with-shell.json'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^task deploy-to-docker.* refused: host: a host name is .*got test-a3-60-17;curl/);
  });

  it('refuses an event that is not a status_update_event with the missing fields listed', () => {
    const result = fromMarathonEvent({ eventType: 'deployment_success', timestamp: '2017-08-25T10:21:35.970Z' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('eventType');
  });

  it('parses exit statuses from the messages Marathon and Mesos write', () => {
    expect(parseExitStatus('Container exited with status 137')).toBe(137);
    expect(parseExitStatus('Command exited with status 1')).toBe(1);
    expect(parseExitStatus('Docker container run error: exit code 143')).toBe(143);
    expect(parseExitStatus('Task was killed since health check failed')).toBeUndefined();
    expect(parseExitStatus('exited with status 999')).toBeUndefined();
  });

  it('derives the Marathon app id from task ids, groups included', () => {
    expect(appIdFromTaskId(SEED_TASK)).toBe('/deploy-to-docker-business-product-rpc-test');
    expect(appIdFromTaskId('prod_web_api.instance-0d1e2f3a-4b5c-11e9-9b2f-0242ac110002._app.1')).toBe('/prod/web/api');
  });

  it('finds failed tasks in the Mesos master state with agent host names and container ids', () => {
    const batch = failedTasksFromMesosState(fixtureJson('mesos-master-state.json'), ['TASK_FAILED']);
    expect(batch.refused).toEqual([]);
    expect(batch.tasks.map((t) => [t.appId, t.host, t.mesosContainerId, t.at])).toEqual([
      ['/deploy-to-docker-business-product-rpc-test', 'test-a3-60-17', 'c4114492-f1fb-4c7e-920f-8d63be425630', '2017-08-25T10:21:35.970Z'],
      ['/order-sync-test', 'test-a1-60-36', '0e5f7a9b-3c2d-4e1f-8a6b-9c0d1e2f3a4b', '2017-08-25T08:35:00.500Z'],
    ]);
  });

  it('includes killed tasks from the Mesos state only when configured to', () => {
    const batch = failedTasksFromMesosState(fixtureJson('mesos-master-state.json'), ['TASK_FAILED', 'TASK_KILLED']);
    expect(batch.tasks.map((t) => t.status).sort()).toEqual(['TASK_FAILED', 'TASK_FAILED', 'TASK_KILLED']);
  });

  it('takes firing and resolved Alertmanager alerts, grouped by groupKey, with every host label as a candidate', () => {
    const batch = fromAlertmanager(fixtureJson('alertmanager-webhook-v4.json'));
    expect(batch.refused).toEqual([]);
    expect(batch.tasks).toHaveLength(2);
    const [firing, resolved] = batch.tasks;
    expect(firing).toMatchObject({ source: 'alertmanager', appId: '/deploy-to-docker-business-product-rpc-test', taskId: SEED_TASK, exitStatus: 137 });
    expect(firing?.hostCandidates).toEqual([
      { label: 'instance', value: '192.168.60.17' },
      { label: 'host', value: 'test-a3-60-17' },
    ]);
    expect(firing?.alert).toMatchObject({ name: 'MarathonTaskFailed', resolved: false, groupKey: '{}:{alertname="MarathonTaskFailed"}' });
    expect(resolved?.alert?.resolved).toBe(true);
    expect(resolved?.group).toBe(firing?.group);
    expect(resolved?.eventId).not.toBe(firing?.eventId);
  });

  it('accepts an alert without a task id label and says nothing is missing that it does not need', () => {
    const payload = fixtureJson('alertmanager-webhook-v4.json') as { alerts: { labels: Record<string, string> }[] };
    delete payload.alerts[0]?.labels['task_id'];
    const batch = fromAlertmanager(payload);
    expect(batch.refused).toEqual([]);
    expect(batch.tasks[0]).toMatchObject({ appId: '/deploy-to-docker-business-product-rpc-test' });
    expect(batch.tasks[0]?.taskId).toBeUndefined();
    expect(batch.tasks[0]?.missing).toBeUndefined();
  });

  it('keeps an alert whose labels are unusable, saying what was missing, and refuses only what is no webhook', () => {
    const payload = fixtureJson('alertmanager-webhook-v4.json') as { alerts: { labels: Record<string, string> }[] };
    const labels = payload.alerts[0]?.labels as Record<string, string>;
    labels['instance'] = 'h1 && reboot:9100';
    labels['host'] = '$(reboot)';
    labels['app'] = 'My_App!';
    const batch = fromAlertmanager(payload);
    expect(batch.refused).toEqual([]);
    expect(batch.tasks[0]?.hostCandidates).toBeUndefined();
    expect(batch.tasks[0]?.missing).toEqual([
      'host: instance=h1 && reboot:9100, host=$(reboot) is not a host name',
      'app: My_App! is not an app id',
    ]);
    expect(fromAlertmanager({ alerts: [] }).refused[0]).toMatch(/^not an Alertmanager webhook/);
  });

  it('reads the small JSON form and stamps missing times with now', () => {
    const one = fromSimpleWebhook(fixtureJson('simple-webhook.json'), new Date('2020-01-01T00:00:00Z'));
    expect(one.tasks[0]).toMatchObject({ source: 'webhook', exitStatus: 137, at: '2017-08-25T10:21:35.970Z' });
    const many = fromSimpleWebhook({ tasks: [{ app: 'my-app', task: 'my-app.1', host: 'h1' }] }, new Date('2020-01-01T00:00:00Z'));
    expect(many.tasks[0]).toMatchObject({ appId: '/my-app', at: '2020-01-01T00:00:00.000Z', status: 'TASK_FAILED' });
  });

  it('refuses unknown fields in the small JSON form', () => {
    const batch = fromSimpleWebhook({ app: 'my-app', task: 'my-app.1', host: 'h1', command: 'reboot' }, new Date());
    expect(batch.tasks).toEqual([]);
    expect(batch.refused[0]).toMatch(/not a failed-task alert .*command/);
  });
});

describe('resolving the Mesos container on the host', () => {
  const ps = fixtureText('docker-ps-test-a3-60-17.jsonl');

  it('finds the seed container 812c82c5a7a5 by the task sandbox when the event has no container id', () => {
    expect(pickMesosContainer(ps, { taskId: SEED_TASK })).toBe('812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60');
  });

  it('finds the container by its mesos-<agent>.<uuid> name when the container id is known', () => {
    const id = pickMesosContainer(ps, {
      taskId: 'unrelated.task',
      agentId: '5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7',
      mesosContainerId: '4ef248f1-9240-4c72-8fbd-1afbf41800b7',
    });
    expect(id).toBe('c6b82c6a42908ace90625d6c0fead1a5fd85892ccd4417bd0ed41f617db78dc0');
  });

  it('returns nothing for a task that has no container on the host', () => {
    expect(pickMesosContainer(ps, { taskId: 'deploy-to-docker-business-product-rpc-test.00000000-0000-0000-0000-000000000000' })).toBeUndefined();
  });
});

describe('thread headlines', () => {
  it('says which app failed where and how for one failure', () => {
    const at = '2017-08-25T10:21:35.970Z';
    expect(groupHeadline({ appId: '/my-app', count: 1, hosts: ['test-a3-60-17'], exitCodes: { '137': 1 }, firstAt: at, lastAt: at })).toBe(
      'my-app task failed on test-a3-60-17 (exit 137)',
    );
  });

  it('gives a digest with count, span, hosts and exit codes for a storm', () => {
    const line = groupHeadline({
      appId: '/my-app',
      count: 270,
      hosts: Array.from({ length: 10 }, (_, i) => `h${i}`),
      exitCodes: { '137': 260, '143': 10 },
      firstAt: '2017-08-25T10:00:00Z',
      lastAt: '2017-08-25T10:05:00Z',
    });
    expect(line).toBe('my-app: 270 tasks failed in 5 min on 10 hosts (exit 137 ×260, 143 ×10)');
  });
});
