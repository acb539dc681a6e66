// Alertmanager alerts as operators' stacks send them, through the webhook, the storm (real Redis) and
// the incident sink, up to the messages and diagnosis requests they make.
// Payload envelope: Alertmanager's webhook_config, https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
// Rules and annotations: samber/awesome-prometheus-alerts (dist/rules: google-cadvisor, node-exporter
// HostOutOfDiskSpace, kubestate-exporter KubernetesNodeNotReady); labels as each exporter exports them:
// cAdvisor's container_oom_events_total (id = the container's cgroup, name, image, container_label_*),
// node-exporter's node_filesystem_avail_bytes (device, fstype, mountpoint), kube-state-metrics'
// kube_node_status_condition (node, condition, status; instance is kube-state-metrics itself).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  createAlertIntake,
  createDockerPsContainerResolver,
  createIncidentSink,
  createStormGrouper,
  createWebhookHandler,
  type AlertIntake,
} from '../../../src/alerts/index.js';
import type { CommandRunner, IncidentView, MessageRef, Notifier, OutboundMessage } from '../../../src/domain/index.js';
import type { DiagnoseRequestInput } from '../../../src/queue/index.js';
import { fixtureJson, fixtureText, inventoryOf, ManualClock, redisForTest } from '../../helpers/alerts.js';

const TOKEN = 'test-webhook-token-9f8e7d';
const SEED_CONTAINER = '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60';

/** A Notifier that keeps what would reach the channel. */
class RecordingNotifier implements Notifier {
  readonly posts: { ref: MessageRef; message: OutboundMessage }[] = [];
  readonly updates: { ref: MessageRef; message: OutboundMessage }[] = [];
  readonly replies: { parent: MessageRef; message: OutboundMessage }[] = [];
  async post(channel: string, message: OutboundMessage): Promise<MessageRef> {
    const ref = { channel, ts: `1503656500.${String(this.posts.length + 1).padStart(6, '0')}` };
    this.posts.push({ ref, message });
    return ref;
  }
  async update(ref: MessageRef, message: OutboundMessage): Promise<void> {
    this.updates.push({ ref, message });
  }
  async reply(parent: MessageRef, message: OutboundMessage): Promise<MessageRef> {
    this.replies.push({ parent, message });
    return { channel: parent.channel, ts: `1503656600.${String(this.replies.length).padStart(6, '0')}` };
  }
  async ephemeral(): Promise<void> {}
  async remove(): Promise<void> {}
  views(): IncidentView[] {
    return this.posts.flatMap((p) => (p.message.kind === 'incident' ? [p.message.view] : []));
  }
  notes(): string[] {
    return this.replies.flatMap((r) => (r.message.kind === 'text' ? [r.message.text] : []));
  }
}

/** `docker ps` on the seed's agent answers with its recorded output; other hosts have no containers. */
function dockerPs(host: string): CommandRunner {
  const stdout = host === 'test-a3-60-17' ? fixtureText('docker-ps-test-a3-60-17.jsonl') : '';
  return {
    host,
    run: async () => ({ stdout, stderr: '', exit: 0, durationMs: 1, timedOut: false, truncated: false }),
    close: async () => undefined,
  } as CommandRunner;
}

describe('Alertmanager alerts from cAdvisor, node-exporter and kube-state-metrics', () => {
  let redis: Redis;
  let prefix: string;
  let cleanup: () => Promise<void>;
  let server: Server;
  let url: string;
  let notifier: RecordingNotifier;
  let requests: DiagnoseRequestInput[];
  let intake: AlertIntake;

  beforeEach(async () => {
    ({ redis, prefix, cleanup } = await redisForTest());
    const clock = new ManualClock(Date.parse('2017-08-25T10:22:00Z'));
    notifier = new RecordingNotifier();
    requests = [];
    // two agents, named in the inventory; their exporters are scraped at their addresses
    const directory = inventoryOf([
      { name: 'test-a3-60-17', address: '192.168.60.17' },
      { name: 'test-a3-60-18', address: '192.168.60.18' },
    ]);
    const sink = createIncidentSink({
      notifier,
      queues: {
        request: async (input) => {
          requests.push(input);
          return { status: 'queued', jobId: `job-${requests.length}` };
        },
      },
      directory: { ...directory, resolve: () => [] },
      channel: 'C0ALERTS',
      redis,
      prefix,
    });
    intake = createAlertIntake({
      storm: createStormGrouper({ redis, prefix, clock }),
      sink,
      directory,
      resolver: createDockerPsContainerResolver({ connect: async (host) => dockerPs(host) }),
    });
    server = createServer(createWebhookHandler({ auth: { bearerToken: TOKEN }, clock, onBatch: (batch) => intake.acceptBatch(batch) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts/alertmanager`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await cleanup();
  });

  async function send(payload: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(payload), headers: { Authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, json: await res.json() };
  }

  it('cAdvisor container OOM: a thread about the task, and the container diagnosis of the container the alert names', async () => {
    expect(await send(fixtureJson('cadvisor-container-oom-killed.json'))).toEqual({ status: 202, json: { accepted: 1, duplicates: 0, refused: [] } });

    const [view] = notifier.views();
    expect(view?.headline).toBe('ContainerOomKilled (deploy-to-docker-business-product-rpc-test) firing on test-a3-60-17');
    expect(view).toMatchObject({
      kind: 'alert',
      appId: '/deploy-to-docker-business-product-rpc-test',
      hosts: ['test-a3-60-17'],
      latest: {
        alertName: 'ContainerOomKilled',
        severity: 'warning',
        taskId: 'deploy-to-docker-business-product-rpc-test.a22e5797-897e-11e7-9837-f2f3c189fa2c',
        container: 'mesos-5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7.c4114492-f1fb-4c7e-920f-8d63be425630',
        message: 'Container OOM killed (instance 192.168.60.17:8080)',
        at: '2017-08-25T10:21:40.512Z',
      },
    });
    expect(view?.missing).toBeUndefined();
    expect(requests.map((r) => [r.host.name, r.playbook, r.params, r.containerFixesFor])).toEqual([
      ['test-a3-60-17', 'container', { container: SEED_CONTAINER }, [SEED_CONTAINER]],
    ]);
    expect(notifier.notes()).toEqual([]);
  });

  it('cAdvisor OOM of a container no longer on the host: the thread says so and the host diagnosis offers no container fix', async () => {
    const payload = fixtureJson('cadvisor-container-oom-killed.json') as { alerts: { labels: Record<string, string> }[] };
    const labels = payload.alerts[0]?.labels as Record<string, string>;
    labels['id'] = `/system.slice/docker-${'ab'.repeat(32)}.scope`;
    labels['name'] = 'mesos-5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7.00000000-0000-4000-8000-000000000000';
    labels['container_label_MESOS_TASK_ID'] = 'deploy-to-docker-business-product-rpc-test.00000000-897e-11e7-9837-f2f3c189fa2c';
    expect((await send(payload)).status).toBe(202);

    expect(requests.map((r) => [r.host.name, r.playbook, r.params, r.containerFixesFor])).toEqual([['test-a3-60-17', 'docker-host', {}, []]]);
    expect(notifier.notes()).toEqual([
      'The container of task deploy-to-docker-business-product-rpc-test.00000000-897e-11e7-9837-f2f3c189fa2c is not on test-a3-60-17 ' +
        '(docker ps -a; looked for id abababababab; name mesos-5f8c2f2e-9a41-4b7a-8f0e-2b1d3c4e5f60-S7.00000000-0000-4000-8000-000000000000; ' +
        'a mesos-* container with sandbox .../executors/deploy-to-docker-business-product-rpc-test.00000000-897e-11e7-9837-f2f3c189fa2c/runs/): ' +
        'it may have been removed already. Diagnosing the host instead; the findings below are about test-a3-60-17, not about that container, ' +
        'and no fix is offered for containers that belong to other tasks.',
    ]);
  });

  it('node-exporter disk alert: a thread about the host, mapped from instance by address, and a host diagnosis', async () => {
    expect((await send(fixtureJson('node-exporter-host-out-of-disk-space.json'))).status).toBe(202);

    const [view] = notifier.views();
    expect(view?.headline).toBe('HostOutOfDiskSpace (node) firing on test-a3-60-18');
    expect(view?.latest).toMatchObject({ alertName: 'HostOutOfDiskSpace', host: 'test-a3-60-18', message: 'Host out of disk space (instance 192.168.60.18:9100)' });
    expect(view?.latest?.container).toBeUndefined();
    // no task and no container named: nothing to restrict fixes to
    expect(requests.map((r) => [r.host.name, r.playbook, r.params, r.containerFixesFor])).toEqual([['test-a3-60-18', 'docker-host', {}, undefined]]);
  });

  it('kube-state alert without a container: the host from node (instance is kube-state-metrics), no container looked up', async () => {
    expect((await send(fixtureJson('kube-state-node-not-ready.json'))).status).toBe(202);

    const [view] = notifier.views();
    expect(view?.headline).toBe('KubernetesNodeNotReady (kube-state-metrics) firing on test-a3-60-18');
    expect(requests.map((r) => [r.host.name, r.playbook, r.containerFixesFor])).toEqual([['test-a3-60-18', 'docker-host', undefined]]);
  });

  it('an alert on no inventory host still opens a thread that says what was missing, answers 2xx, and diagnoses nothing', async () => {
    const payload = fixtureJson('kube-state-node-not-ready.json') as { alerts: { labels: Record<string, string> }[] };
    (payload.alerts[0]?.labels as Record<string, string>)['node'] = 'worker-7';
    expect((await send(payload)).status).toBe(202);

    const [view] = notifier.views();
    expect(view?.headline).toBe('KubernetesNodeNotReady (kube-state-metrics) firing on a host sickbay could not map');
    expect(view?.missing).toEqual(["host: instance=10.244.1.5, node=worker-7 are not hosts of sickbay's inventory (by name or address)"]);
    expect(requests).toEqual([]);
  });

  it('a resolved alert edits its thread; a repeat of the firing alert changes nothing', async () => {
    const firing = fixtureJson('node-exporter-host-out-of-disk-space.json') as { status: string; alerts: { status: string; endsAt: string }[] };
    await send(firing);
    expect((await send(firing)).json).toEqual({ accepted: 0, duplicates: 1, refused: [] });
    firing.status = 'resolved';
    (firing.alerts[0] as { status: string; endsAt: string }).status = 'resolved';
    (firing.alerts[0] as { status: string; endsAt: string }).endsAt = '2017-08-25T10:31:02.118Z';
    await send(firing);

    expect(notifier.posts).toHaveLength(1);
    const edited = notifier.updates.map((u) => (u.message.kind === 'incident' ? u.message.view : undefined));
    expect(edited.map((v) => [v?.headline, v?.resolved])).toEqual([
      ['resolved: HostOutOfDiskSpace (node) on test-a3-60-18', { count: 1, at: '2017-08-25T10:31:02.118Z' }],
    ]);
    expect(notifier.updates[0]?.ref).toEqual(notifier.posts[0]?.ref);
  });
});
