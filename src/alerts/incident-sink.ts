/**
 * The alerts' IncidentSink over Slack and the diagnose queue: one parent message per incident in the
 * alerts channel (posted on `opened`, edited on `updated`), diagnoses queued to reply INTO that thread,
 * rate alerts as a reply in the app's current thread, or as a thread of their own when it has none. Thread refs live in Redis as well as in memory, so that a
 * restarted intake keeps editing the threads its storm groups (also in Redis) belong to.
 */
import type { Redis } from 'ioredis';
import { errorText, hostNamed, presentError, type HostDirectory, type HostRef, type IncidentDetail, type IncidentView, type MessageRef, type Notifier } from '../domain/index.js';
import { MessageRefSchema, type DiagnoseQueues } from '../queue/index.js';
import type { FailedTask } from './failed-task.schema.js';
import { silentLogger, type AlertDiagnosisRequest, type AlertLogger, type ContainerLookup, type IncidentGroup, type IncidentSink, type RateAlert } from './ports.js';

/** Who a diagnosis started by an alert is "requested by" in job data and messages. */
export const ALERT_REQUESTER = 'alert';

export interface IncidentSinkDeps {
  notifier: Notifier;
  queues: Pick<DiagnoseQueues, 'request'>;
  directory: HostDirectory;
  /** Slack channel id of the alerts channel. */
  channel: string;
  redis: Redis;
  /** Key prefix for thread refs, e.g. `sickbay:alerts`. */
  prefix: string;
  /** How long a thread ref is kept (at least the storm window). @defaultValue 2 h */
  threadTtlMs?: number;
  logger?: AlertLogger;
  /**
   * Whether an alert may start a diagnosis of this host (the access file's `alerts: true` rules);
   * a refusal is said in the thread. @defaultValue every inventory host
   */
  mayDiagnose?: (host: HostRef) => boolean;
  /** Base URLs of the Marathon and Mesos web UIs: the parent links to the app and to the task's sandbox. */
  links?: IncidentLinkBases;
}

export interface IncidentLinkBases {
  /** e.g. `http://marathon.example:8080`: links `/ui/#/apps/<app id>`. */
  marathon?: string;
  /** e.g. `http://mesos.example:5050`: links the agent's sandbox of the task's executor. */
  mesos?: string;
}

function joinUrl(base: string, rest: string): string {
  return `${base.replace(/\/+$/, '')}${rest}`;
}

/** Links to the Marathon app and to the Mesos sandbox of the task, where the bases and the ids allow. */
export function incidentLinks(task: FailedTask, bases: IncidentLinkBases = {}): { label: string; url: string }[] {
  const links: { label: string; url: string }[] = [];
  if (bases.marathon && task.appId) links.push({ label: 'Marathon app', url: joinUrl(bases.marathon, `/ui/#/apps/${encodeURIComponent(task.appId)}`) });
  if (bases.mesos && task.agentId) {
    const executor = task.executorId ?? task.taskId;
    const sandbox = task.frameworkId && executor ? `/frameworks/${task.frameworkId}/executors/${encodeURIComponent(executor)}/browse` : '';
    links.push({ label: sandbox ? 'Mesos sandbox' : 'Mesos agent', url: joinUrl(bases.mesos, `/#/agents/${task.agentId}${sandbox}`) });
  }
  return links;
}

/** What the parent shows of the latest report. */
function detailOf(task: FailedTask): IncidentDetail {
  const container = task.container?.name ?? task.container?.id?.slice(0, 12) ?? (task.mesosContainerId ? `mesos-${task.mesosContainerId}` : undefined);
  return {
    ...(task.alert ? { alertName: task.alert.name, ...(task.alert.severity ? { severity: task.alert.severity } : {}) } : {}),
    ...(task.taskId ? { taskId: task.taskId } : {}),
    ...(task.status ? { state: task.status } : {}),
    ...(task.reason ? { reason: task.reason } : {}),
    ...(task.statusSource ? { statusSource: task.statusSource } : {}),
    ...(task.message ? { message: task.message } : {}),
    ...(task.exitStatus !== undefined ? { exitStatus: task.exitStatus } : {}),
    ...(task.host ? { host: task.host } : {}),
    ...(task.agentId ? { agentId: task.agentId } : {}),
    ...(container ? { container } : {}),
    at: task.at,
  };
}

/** The note a diagnosis starts with when the report's container is not what gets diagnosed. */
export function containerNote(host: string, task: FailedTask, lookup: ContainerLookup): string | undefined {
  const whose = task.taskId ? `task ${task.taskId}` : 'the alert';
  if (lookup.kind === 'absent') {
    return (
      `The container of ${whose} is not on ${host} (docker ps -a; looked for ${lookup.lookedFor.join('; ')}): it may have been removed already. ` +
      `Diagnosing the host instead; the findings below are about ${host}, not about that container, and no fix is offered for containers that belong to other tasks.`
    );
  }
  if (lookup.kind === 'unavailable') {
    return `The container of ${whose} could not be looked up on ${host} (${lookup.reason}). Diagnosing the host instead; no fix is offered for containers that may belong to other tasks.`;
  }
  return undefined;
}

const MEMORY_REFS = 1000;

function groupView(group: IncidentGroup, bases: IncidentLinkBases | undefined): IncidentView {
  const links = incidentLinks(group.latest, bases);
  return {
    headline: group.headline,
    kind: group.latest.alert ? 'alert' : 'failures',
    ...(group.appId ? { appId: group.appId } : {}),
    count: group.count,
    hosts: group.hosts,
    exitCodes: group.exitCodes,
    firstAt: group.firstAt,
    lastAt: group.lastAt,
    ...(group.latest.taskId ? { latestTaskId: group.latest.taskId } : {}),
    source: group.latest.source,
    latest: detailOf(group.latest),
    ...(group.latest.missing?.length ? { missing: group.latest.missing } : {}),
    ...(group.resolved > 0 && group.resolvedAt ? { resolved: { count: group.resolved, at: group.resolvedAt } } : {}),
    ...(links.length ? { links } : {}),
  };
}

function rateView(alert: RateAlert): IncidentView {
  return {
    headline: alert.headline,
    kind: 'rate',
    appId: alert.appId,
    count: alert.count,
    hosts: [],
    exitCodes: {},
    firstAt: new Date(Date.parse(alert.at) - alert.windowMs).toISOString(),
    lastAt: alert.at,
  };
}

export function createIncidentSink(deps: IncidentSinkDeps): IncidentSink {
  const logger = deps.logger ?? silentLogger;
  const ttl = deps.threadTtlMs ?? 7_200_000;
  const refs = new Map<string, MessageRef>();
  const chains = new Map<string, Promise<unknown>>();
  const refKey = (incidentId: string): string => `${deps.prefix}:thread:${incidentId}`;
  const appKey = (appId: string): string => `${deps.prefix}:app-thread:${appId}`;

  /** Calls for one incident run one after another (the first, `opened`, posts what later ones edit). */
  function inOrder<T>(incidentId: string, work: () => Promise<T>): Promise<T> {
    const previous = chains.get(incidentId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    chains.set(incidentId, next);
    void next.catch(() => undefined).finally(() => {
      if (chains.get(incidentId) === next) chains.delete(incidentId);
    });
    return next;
  }

  async function remember(incidentId: string, ref: MessageRef): Promise<void> {
    refs.set(incidentId, ref);
    if (refs.size > MEMORY_REFS) refs.delete(refs.keys().next().value as string);
    await deps.redis.set(refKey(incidentId), JSON.stringify(ref), 'PX', ttl);
  }

  async function lookup(incidentId: string): Promise<MessageRef | undefined> {
    const cached = refs.get(incidentId);
    if (cached) return cached;
    const stored = await deps.redis.get(refKey(incidentId));
    if (!stored) return undefined;
    const parsed = MessageRefSchema.safeParse(JSON.parse(stored));
    if (!parsed.success) return undefined;
    refs.set(incidentId, parsed.data);
    return parsed.data;
  }

  async function postThread(incidentId: string, view: IncidentView): Promise<MessageRef> {
    const ref = await deps.notifier.post(deps.channel, { kind: 'incident', view });
    await remember(incidentId, ref);
    return ref;
  }

  async function say(ref: MessageRef, text: string, tone?: 'question' | 'warning'): Promise<void> {
    await deps.notifier.reply(ref, { kind: 'text', text, ...(tone ? { tone } : {}) });
  }

  return {
    openOrUpdateThread(group) {
      return inOrder(group.incidentId, async () => {
        const view = groupView(group, deps.links);
        const ref = group.update === 'opened' ? undefined : await lookup(group.incidentId);
        if (ref) await deps.notifier.update(ref, { kind: 'incident', view });
        else {
          await postThread(group.incidentId, view);
          if (group.appId) await deps.redis.set(appKey(group.appId), group.incidentId, 'PX', ttl);
        }
      });
    },

    requestDiagnosis(request: AlertDiagnosisRequest) {
      return inOrder(request.incidentId, async () => {
        const ref = await lookup(request.incidentId);
        if (!ref) {
          logger.warn({ incidentId: request.incidentId, host: request.host }, 'no thread for this incident; diagnosis not started');
          return;
        }
        const host = hostNamed(deps.directory, request.host);
        if (!host) {
          logger.warn({ host: request.host, group: request.task.group ?? request.task.appId }, 'alert names a host that is not in the inventory');
          await say(ref, `${request.host} is not in sickbay's inventory, so it was not diagnosed. Add it to the inventory to have its failures diagnosed.`, 'question');
          return;
        }
        if (deps.mayDiagnose && !deps.mayDiagnose(host)) {
          logger.warn({ host: host.name, appId: request.task.appId }, 'alert diagnosis refused by the access rules');
          await say(ref, `${host.name} was not diagnosed: no access rule with alerts: true covers it. Diagnose it by hand with /diag, or add such a rule to the access file.`, 'warning');
          return;
        }
        const note = containerNote(host.name, request.task, request.container);
        if (note) await say(ref, note, 'warning');
        try {
          const outcome = await deps.queues.request({
            host,
            playbook: request.playbook,
            params: request.params,
            requestedBy: ALERT_REQUESTER,
            channel: ref.channel,
            thread: ref,
            ...(request.containerFixesFor ? { containerFixesFor: request.containerFixesFor } : {}),
          });
          logger.info({ incidentId: request.incidentId, host: host.name, playbook: request.playbook, status: outcome.status, jobId: outcome.jobId }, 'alert diagnosis requested');
          if (outcome.status === 'joined') {
            await say(ref, `A diagnosis of ${host.name} (${request.playbook}) was already running; its findings go to the thread where it started.`);
          }
        } catch (err) {
          const report = presentError(err, logger, { host: host.name }, 'could not queue the alert diagnosis');
          await say(ref, `${host.name} could not be diagnosed: ${errorText(report)}`, 'warning');
        }
      });
    },

    raiseRateAlert(alert) {
      return inOrder(alert.incidentId, async () => {
        // An app whose failures already have a thread gets the rate alert there: one thread per storm.
        const current = await deps.redis.get(appKey(alert.appId));
        const ref = current ? await lookup(current) : undefined;
        if (ref) await deps.notifier.reply(ref, { kind: 'incident', view: rateView(alert) });
        else await postThread(alert.incidentId, rateView(alert));
      });
    },
  };
}
