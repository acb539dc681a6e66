import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendBlockAction, sendSlashCommand, SlackStandIn, type RecordedCall } from '../helpers/slack-standin.js';

/**
 * The Slack side of test/smoke/compose-smoke.sh, which built the images and hands over, in the
 * environment: the compose command line (SMOKE_COMPOSE, one argument a line), the docker client,
 * the stand-in's port and the smoke network's gateway (where the containers reach the host), and the
 * host ports of the bot and of the first worker's metrics. The users are those of config/access.yml
 * and config/remediation-policy.yml as shipped.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run test/smoke/compose-smoke.sh, not this file alone`);
  return value;
}
const COMPOSE = required('SMOKE_COMPOSE').split('\n').filter(Boolean);
const DOCKER = required('SMOKE_DOCKER');
const BOT_PORT = Number(required('SMOKE_BOT_PORT'));
const METRICS_PORT = Number(required('SMOKE_METRICS_PORT'));
const SECRET = 'smoke-signing-secret-0123456789'; // as in the script's .env
const ONCALL = 'U0ONCALL';
const APPROVER = 'U0APPROVER';
// A host whose finding is current (not only in the logs of long ago) and has a low-risk fix: the
// OOM-killed container, restarted and then seen running. The lab replays old bundles, so a finding
// known only from old log lines is shown under "Earlier", with no fix to offer.
const FIX_HOST = 'mesos-java-oom-137';

const standin = new SlackStandIn({ listen: '0.0.0.0', publicHost: required('SMOKE_GATEWAY'), port: Number(required('SMOKE_STANDIN_PORT')) });

function run(argv: readonly string[], timeoutMs = 180_000): string {
  try {
    return execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${argv.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
const compose = (...args: string[]) => run([...COMPOSE, ...args]);
const docker = (...args: string[]) => run([DOCKER, ...args]);

interface ContainerState {
  name: string;
  service: string;
  status: string;
  health: string;
  networkMode: string;
}
function containers(): ContainerState[] {
  const ids = compose('ps', '-q').split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const format = '{{.Name}}\t{{index .Config.Labels "com.docker.compose.service"}}\t{{.State.Status}}\t{{if .State.Health}}{{.State.Health.Status}}{{end}}\t{{.HostConfig.NetworkMode}}';
  return docker('inspect', '--format', format, ...ids)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', service = '', status = '', health = '', networkMode = ''] = line.split('\t');
      return { name, service, status, health, networkMode };
    });
}

async function untilHealthy(what: string): Promise<ContainerState[]> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const all = containers();
    if (all.length >= 5 && all.every((c) => c.status === 'running' && c.health === 'healthy')) return all;
    if (Date.now() > deadline) {
      const logs = compose('logs', '--no-color', '--tail', '20');
      const probes = all.filter((c) => c.health !== 'healthy').map((c) => `${c.name}: ${docker('inspect', '--format', '{{json .State.Health.Log}}', c.name)}`);
      throw new Error(`${what}: not all healthy after 150 s: ${JSON.stringify(all)}\n${probes.join('\n')}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const textOf = (call: RecordedCall): string => String(call.body.text ?? '');
interface Button {
  action_id: string;
  value: string;
}
const buttonsOf = (call: { body: Record<string, unknown> }): Button[] =>
  ((call.body.blocks ?? []) as { type: string; elements?: Button[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

let seq = 0;
/** Sends a signed /diag and waits for the parent message's summary and its thread replies. */
async function diag(host: string, channel: string): Promise<{ summary: RecordedCall; replies: RecordedCall[] }> {
  const res = await sendSlashCommand(BOT_PORT, SECRET, { text: host, channel, user: ONCALL, responseUrl: standin.responseUrl(`smoke-${++seq}`) });
  expect(res.status).toBe(200);
  const summary = await standin.waitFor(() => standin.ok('chat.update').find((c) => c.body.channel === channel && textOf(c).startsWith(`${host}:`)), `the summary of ${host}`, 90_000);
  const replies = await standin.waitFor(() => {
    const r = standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && c.body.thread_ts === summary.body.ts);
    return r.length > 0 ? r : undefined;
  }, `the thread of ${host}`);
  return { summary, replies };
}

beforeAll(async () => {
  await standin.start();
  compose('up', '-d', '--scale', 'worker=2');
  await untilHealthy('after up');
});

afterEach((context) => {
  // what the services said, for a failed step
  if (context.task.result?.state === 'fail') console.error(compose('logs', '--no-color', '--tail', '40'));
});

afterAll(async () => {
  await standin.stop();
});

describe('docker compose up, for real: a working, fixable system', () => {
  it('runs redis, the lab, the bot and two workers, each healthy and on the network of its own', () => {
    const all = containers();
    expect(all.map((c) => c.service).sort()).toEqual(['bot', 'lab', 'redis', 'worker', 'worker']);
    // nobody shares another's network namespace
    expect(all.filter((c) => c.networkMode.startsWith('container:'))).toEqual([]);
  });

  it('serves /metrics and /healthz on the bot port and on a fixed port per worker', async () => {
    expect((await fetch(`http://127.0.0.1:${BOT_PORT}/metrics`)).status).toBe(200);
    for (const port of [METRICS_PORT, METRICS_PORT + 1]) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect([port, health.status, await health.text()]).toEqual([port, 200, 'ok\n']);
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('sickbay_diagnosis_duration_seconds');
    }
  });

  let thread: { parentTs: string; findingTs: string; offer: string };
  it('answers a signed /diag of a lab host over SSH with a thread of findings and a fix button', async () => {
    const { summary } = await diag(FIX_HOST, 'C0SMOKE1');
    expect(textOf(summary)).toMatch(/: \d+ findings?|root cause/);
    // the replies go up one by one after the summary: wait for the one with a fix
    const replies = () => standin.ok('chat.postMessage').filter((c) => c.body.channel === 'C0SMOKE1' && c.body.thread_ts === summary.body.ts);
    const withFix = (r: RecordedCall) => buttonsOf(r).some((b) => b.action_id.startsWith('remediation_offer_'));
    const finding = await standin.waitFor(() => replies().find(withFix), 'a finding with a fix button').catch(() => undefined);
    expect(finding, `a finding with a fix button among: ${replies().map(textOf).join(' | ')}`).toBeDefined();
    const offer = buttonsOf(finding as RecordedCall).find((b) => b.action_id.startsWith('remediation_offer_')) as Button;
    thread = { parentTs: String(summary.body.ts), findingTs: String(finding?.result?.ts), offer: `${offer.action_id}\n${offer.value}` };
  });

  it('runs a fix requested by one user and approved by another, verifies it, and keeps the audit on its volume', async () => {
    const [actionId = '', value = ''] = thread.offer.split('\n');
    const channel = 'C0SMOKE1';
    const inThread = () => standin.ok('chat.postMessage').filter((c) => c.body.channel === channel && c.body.thread_ts === thread.parentTs);
    const before = inThread().length;
    expect((await sendBlockAction(BOT_PORT, SECRET, { actionId, value, user: ONCALL, channel, messageTs: thread.findingTs, threadTs: thread.parentTs })).status).toBe(200);
    const request = await standin.waitFor(() => inThread().slice(before).find((c) => textOf(c).startsWith('Remediation ')), 'the approval request');
    const approve = buttonsOf(request).find((b) => b.action_id === 'remediation_approve');
    expect(approve).toBeDefined();
    const requested = inThread().length;
    await sendBlockAction(BOT_PORT, SECRET, { actionId: 'remediation_approve', value: String(approve?.value), user: APPROVER, channel, messageTs: String(request.result?.ts), threadTs: thread.parentTs });
    const verdict = await standin.waitFor(
      () => inThread().slice(requested).find((c) => /: (fixed|still present|unverified|failed|not run)$/.test(textOf(c))),
      'the verdict',
      90_000,
    );
    expect(textOf(verdict)).toMatch(/: fixed$/);
    const audit = compose('exec', '-T', 'bot', 'cat', '/var/lib/sickbay/audit/sickbay-audit.jsonl')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; requestId?: string });
    const id = String(approve?.value);
    expect(audit.filter((e) => e.requestId === id).map((e) => e.event)).toEqual(['requested', 'approved', 'executed', 'verified']);
  });

  it('still answers /diag after the lab and a worker are restarted, at once and without waiting for them', async () => {
    compose('restart', 'lab');
    const worker = containers().find((c) => c.service === 'worker') as ContainerState;
    docker('restart', worker.name.replace(/^\//, ''));
    const { summary } = await diag('centos-global-oom-kill', 'C0SMOKE2');
    expect(textOf(summary)).toMatch(/: \d+ findings?|root cause/);
    await untilHealthy('after restarting the lab and a worker');
  });
});
