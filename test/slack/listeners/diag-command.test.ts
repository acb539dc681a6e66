import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AccessRule } from '../../../src/config/index.js';
import { replayHost } from '../../../src/diagnosis/index.js';
import { staticGroupResolver, type MessageRef, type Notifier, type OutboundMessage } from '../../../src/domain/index.js';
import { createHostDirectory } from '../../../src/inventory/index.js';
import { QueueDownError, type DiagnoseQueues, type DiagnoseRequestInput, type EnqueueOutcome } from '../../../src/queue/index.js';
import { createDiagCommandHandler, type DiagCommandDeps } from '../../../src/slack/index.js';

type Handler = ReturnType<typeof createDiagCommandHandler>;
type Answer = { response_type?: string; text?: string } | undefined;

const HOSTS = [replayHost('mesos-java-oom-137', 'dc1', ['mesos']), replayHost('db-1', 'dc1', ['db'])];
const ACCESS: AccessRule[] = [{ name: 'mesos on-call', tags: ['mesos'], hosts: [], users: ['U0ALICE'], groups: ['S0SRE'], alerts: false }];

/** The queue seam: records what was asked, answers what the test says. */
function fakeQueues(answer: (input: DiagnoseRequestInput) => Promise<EnqueueOutcome> = async () => ({ status: 'queued', jobId: 'diag-1' })) {
  const requests: DiagnoseRequestInput[] = [];
  const queues: Pick<DiagnoseQueues, 'request' | 'requestFleet' | 'status' | 'live'> = {
    async request(input) {
      requests.push(input);
      return answer(input);
    },
    requestFleet: async () => ({ status: 'queued', jobId: 'fleet-1' }),
    status: async (zones) => zones.map((zone) => ({ zone, waiting: 2, active: 1, delayed: 0, failed: 0, workers: 1, running: ['db-1'] })),
    live: async () => undefined,
  };
  return { queues, requests };
}

/** An in-memory Notifier: every post, update and removal in order. */
function recordingNotifier() {
  const events: { op: 'post' | 'update' | 'remove'; ref: MessageRef; message?: OutboundMessage }[] = [];
  let ts = 0;
  const notifier: Notifier = {
    async post(channel, message) {
      const ref = { channel, ts: `1700000000.${++ts}` };
      events.push({ op: 'post', ref, message });
      return ref;
    },
    async update(ref, message) {
      events.push({ op: 'update', ref, message });
    },
    async reply(parent) {
      return parent;
    },
    async ephemeral() {},
    async remove(ref) {
      events.push({ op: 'remove', ref });
    },
  };
  return { notifier, events };
}

function setup(options: { access?: AccessRule[]; answer?: (input: DiagnoseRequestInput) => Promise<EnqueueOutcome> } = {}) {
  const { queues, requests } = fakeQueues(options.answer);
  const { notifier, events } = recordingNotifier();
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const deps: DiagCommandDeps = {
    queues,
    directory: createHostDirectory(HOSTS),
    playbooks: ['docker-host', 'container'],
    defaultPlaybook: 'docker-host',
    access: options.access ?? null,
    groups: staticGroupResolver({ S0SRE: ['U0CAROL'] }),
    logger,
    notifier,
  };
  return { handler: createDiagCommandHandler(deps), requests, events, logLines };
}

/** Calls the listener as Bolt would, with fake ack and respond; returns what each was given. */
async function diag(handler: Handler, text: string, user = 'U0ALICE'): Promise<{ ack: Answer[]; respond: Answer[] }> {
  const acks: Answer[] = [];
  const responds: Answer[] = [];
  const args = {
    command: { text, user_id: user, channel_id: 'C0DIAG', command: '/diag' },
    ack: async (answer?: Answer) => void acks.push(answer),
    respond: async (answer: Answer) => void responds.push(answer),
    client: {},
  };
  await handler(args as unknown as Parameters<Handler>[0]);
  return { ack: acks, respond: responds };
}

describe('the /diag listener (fake ack, respond and queue)', () => {
  it('answers help and typing mistakes in the acknowledgement itself, and queues nothing', async () => {
    const { handler, requests } = setup();
    const help = await diag(handler, 'help');
    expect(help.ack).toHaveLength(1);
    expect(help.ack[0]?.response_type).toBe('ephemeral');
    expect(help.ack[0]?.text).toContain('/diag tag:NAME');
    const bad = await diag(handler, 'host;rm');
    expect(bad.ack[0]?.text).toMatch(/is not a host name/);
    const unknown = await diag(handler, 'mesos-java-oom-13');
    expect(unknown.ack[0]?.text).toMatch(/no host mesos-java-oom-13 in the inventory; did you mean mesos-java-oom-137/);
    expect(requests).toEqual([]);
  });

  it('acknowledges at once, posts the parent before queueing, and tells the requester where the results go', async () => {
    // given
    const { handler, requests, events } = setup();
    // when
    const answer = await diag(handler, 'mesos-java-oom-137');
    // then
    expect(answer.ack).toEqual([undefined]);
    expect(events.map((e) => e.op)).toEqual(['post']);
    expect(events[0]?.message).toMatchObject({ kind: 'diagnosis', view: { host: 'mesos-java-oom-137', phase: 'queued', requestedBy: 'U0ALICE' } });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ playbook: 'docker-host', requestedBy: 'U0ALICE', channel: 'C0DIAG', parent: events[0]?.ref });
    expect(answer.respond[0]?.text).toBe('Queued: diagnosing mesos-java-oom-137. The results will appear in <#C0DIAG>.');
  });

  it('joins a diagnosis already running: deletes its own parent and points at the other thread', async () => {
    const { handler, events } = setup({ answer: async () => ({ status: 'joined', jobId: 'diag-1', requestedBy: 'U0BOB', channel: 'C0OTHER', parent: { channel: 'C0OTHER', ts: '1.2' } }) });
    const answer = await diag(handler, 'db-1 container');
    expect(events.map((e) => e.op)).toEqual(['post', 'remove']);
    expect(answer.respond[0]?.text).toBe('db-1 is already being diagnosed (asked by <@U0BOB>): your request joins it. Follow the thread of message 1.2 in <#C0OTHER>.');
  });

  it('refuses someone the access rules do not cover, naming who may, before anything is posted', async () => {
    const { handler, requests, events } = setup({ access: ACCESS });
    const refused = await diag(handler, 'mesos-java-oom-137', 'U0BOB');
    expect(refused.respond[0]?.text).toBe('You may not diagnose mesos-java-oom-137: it is allowed only for mesos on-call: <@U0ALICE>, <!subteam^S0SRE>.');
    const byGroup = await diag(handler, 'mesos-java-oom-137', 'U0CAROL');
    expect(byGroup.respond[0]?.text).toMatch(/^Queued/);
    expect(requests.map((r) => r.requestedBy)).toEqual(['U0CAROL']);
    expect(events.filter((e) => e.op === 'post')).toHaveLength(1);
  });

  it('says what a BotError says when queueing fails, on the parent and in the reply', async () => {
    const { handler, events } = setup({ answer: async () => Promise.reject(new QueueDownError()) });
    const answer = await diag(handler, 'db-1');
    const failed = events.find((e) => e.op === 'update')?.message;
    expect(failed).toMatchObject({ kind: 'diagnosis', view: { phase: 'failed', error: answer.respond[0]?.text } });
    expect(answer.respond[0]?.text).toBe(new QueueDownError().userMessage);
  });

  it('shows an internal error only as a short reference, the same on the parent, in the reply and in the log line', async () => {
    // given a queue that fails with something that is not a BotError
    const { handler, events, logLines } = setup({ answer: async () => Promise.reject(new TypeError('secret detail: connection string redis://u:p@h')) });
    // when
    const answer = await diag(handler, 'db-1');
    // then the person sees a reference and nothing of the error itself
    const text = answer.respond[0]?.text ?? '';
    const ref = /internal error, ref ([0-9a-f]{8})\)/.exec(text)?.[1];
    expect(ref, text).toBeDefined();
    expect(text).not.toContain('secret detail');
    expect(events.find((e) => e.op === 'update')?.message).toMatchObject({ view: { phase: 'failed', error: text } });
    // and exactly one log line carries that reference with the whole error
    const logged = logLines.filter((l) => l['ref'] === ref);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, text: 'db-1', err: { message: 'secret detail: connection string redis://u:p@h' } });
  });

  it('answers /diag status with every zone of the inventory', async () => {
    const { handler } = setup();
    const answer = await diag(handler, 'status');
    expect(answer.respond[0]?.text).toBe('*dc1*: 2 waiting · 1 running · 0 delayed · 0 failed · 1 worker connection\n  running: db-1');
  });

  it('offers as "did you mean" only the hosts and tags the person may diagnose', async () => {
    const { handler, requests } = setup({ access: ACCESS });
    // Alice may diagnose the mesos host only: a typo of db-1 gets no hint naming it
    const typo = await diag(handler, 'db-2', 'U0ALICE');
    expect(typo.ack).toEqual([undefined]);
    expect(typo.respond[0]?.text).toBe('no host db-2 in the inventory');
    const near = await diag(handler, 'mesos-java-oom-13', 'U0ALICE');
    expect(near.respond[0]?.text).toMatch(/did you mean mesos-java-oom-137/);
    // Bob may diagnose nothing: no name of the inventory reaches him
    const bob = await diag(handler, 'mesos-java-oom-13', 'U0BOB');
    expect(bob.respond[0]?.text).toBe('no host mesos-java-oom-13 in the inventory');
    const tag = await diag(handler, 'tag:mesoss', 'U0BOB');
    expect(tag.respond[0]?.text).not.toContain('tag:mesos');
    expect(requests).toEqual([]);
  });

  it('shows /diag status only for the zones and running hosts the person may diagnose', async () => {
    const { handler } = setup({ access: ACCESS });
    const alice = await diag(handler, 'status', 'U0ALICE');
    // db-1 is running, but Alice may not diagnose it: the zone is shown, the host is not
    expect(alice.respond[0]?.text).toBe('*dc1*: 2 waiting · 1 running · 0 delayed · 0 failed · 1 worker connection');
    const bob = await diag(handler, 'status', 'U0BOB');
    expect(bob.respond[0]?.text).toBe('The access rules let you diagnose no host, so there is no queue to show.');
  });
});
