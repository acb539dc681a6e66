/**
 * The alerts' IncidentSink over Slack and the diagnose queue: one parent message per incident in the
 * alerts channel (posted on `opened`, edited on `updated`), diagnoses queued to reply INTO that thread,
 * rate alerts as a reply in the app's current thread, or as a thread of their own when it has none. Thread refs live in Redis as well as in memory, so that a
 * restarted intake keeps editing the threads its storm groups (also in Redis) belong to.
 */
import type { Redis } from 'ioredis';
import { errorText, hostNamed, presentError, type HostDirectory, type HostRef, type IncidentView, type MessageRef, type Notifier } from '../domain/index.js';
import { MessageRefSchema, type DiagnoseQueues } from '../queue/index.js';
import { silentLogger, type AlertDiagnosisRequest, type AlertLogger, type IncidentGroup, type IncidentSink, type RateAlert } from './ports.js';

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
}

const MEMORY_REFS = 1000;

function groupView(group: IncidentGroup): IncidentView {
  return {
    headline: group.headline,
    kind: 'failures',
    appId: group.appId,
    count: group.count,
    hosts: group.hosts,
    exitCodes: group.exitCodes,
    firstAt: group.firstAt,
    lastAt: group.lastAt,
    latestTaskId: group.latest.taskId,
    source: group.latest.source,
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
        const view = groupView(group);
        const ref = group.update === 'opened' ? undefined : await lookup(group.incidentId);
        if (ref) await deps.notifier.update(ref, { kind: 'incident', view });
        else {
          await postThread(group.incidentId, view);
          await deps.redis.set(appKey(group.appId), group.incidentId, 'PX', ttl);
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
          logger.warn({ host: request.host, appId: request.task.appId }, 'alert names a host that is not in the inventory');
          await say(ref, `${request.host} is not in sickbay's inventory, so it was not diagnosed. Add it to the inventory to have its failures diagnosed.`, 'question');
          return;
        }
        if (deps.mayDiagnose && !deps.mayDiagnose(host)) {
          logger.warn({ host: host.name, appId: request.task.appId }, 'alert diagnosis refused by the access rules');
          await say(ref, `${host.name} was not diagnosed: no access rule with alerts: true covers it. Diagnose it by hand with /diag, or add such a rule to the access file.`, 'warning');
          return;
        }
        try {
          const outcome = await deps.queues.request({
            host,
            playbook: request.playbook,
            params: request.params,
            requestedBy: ALERT_REQUESTER,
            channel: ref.channel,
            thread: ref,
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
