/**
 * PURE: turns each source's payload into FailedTask records, refusing anything whose fields do not
 * match their anchored patterns. No I/O, no clock: time comes in the payload.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { clip, HostNameSchema } from '../domain/index.js';
import {
  APP_ID_PATTERN,
  DOCKER_NAME_PATTERN,
  FailedTaskSchema,
  MESOS_CONTAINER_ID_PATTERN,
  TASK_ID_PATTERN,
  TaskStateSchema,
  type FailedTask,
  type HostCandidate,
  type TaskState,
} from './failed-task.schema.js';
import { MarathonStatusUpdateEventSchema } from './marathon.schema.js';
import { MesosMasterStateSchema, type MesosTask, type MesosV1TaskStatus } from './mesos.schema.js';
import { AlertmanagerWebhookSchema, SimpleWebhookSchema, type SimpleFailedTask } from './webhook.schema.js';

export type Normalised = { ok: true; task: FailedTask } | { ok: false; reason: string };

/** Several tasks from one payload: those accepted and, for each refused one, why. */
export interface NormalisedBatch {
  tasks: FailedTask[];
  refused: string[];
}

const MESSAGE_MAX = 500;

const EXIT_PATTERNS: readonly RegExp[] = [
  /\bexited with status (\d{1,3})\b/i,
  /\bexit (?:status|code)[:= ]+(\d{1,3})\b/i,
  /\bexited \((\d{1,3})\)/i,
];

/** The exit status in "Container exited with status 137", "Command exited with status 1", "exit code 143"... */
export function parseExitStatus(message: string | undefined): number | undefined {
  if (!message) return undefined;
  for (const pattern of EXIT_PATTERNS) {
    const m = pattern.exec(message);
    if (m?.[1] !== undefined) {
      const n = Number(m[1]);
      if (n <= 255) return n;
    }
  }
  return undefined;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const MARATHON_TASK_ID = new RegExp(`^(.+?)[._](?:instance-)?${UUID}(?:\\._app\\.\\d+)?$`);

/** `/group/app` from Marathon's task id `group_app.<uuid>` (or `group_app.instance-<uuid>._app.1`). */
export function appIdFromTaskId(taskId: string): string | undefined {
  const m = MARATHON_TASK_ID.exec(taskId);
  return m?.[1] ? `/${m[1].replace(/_/g, '/')}` : undefined;
}

/** Marathon app ids always start with "/"; alert labels often leave it out. */
export function normaliseAppId(raw: string): string {
  const trimmed = raw.trim();
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** The app id without its leading "/", as people say it: `my-app`, `prod/web`. */
export function displayAppId(appId: string): string {
  return appId.replace(/^\//, '');
}

/** `my-app`, `prod-web`: the app id as it may appear in incident and job ids (`[a-z0-9.-]`). */
export function appSlug(appId: string): string {
  return displayAppId(appId)
    .replace(/[^a-z0-9.-]+/g, '-')
    .slice(0, 60);
}

function excerpt(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return 'nothing';
  return clip(text, 60, '...');
}

/** One line per issue: "host: a host name is letters, ... (got "rm -rf /")". */
export function describeIssues(error: z.ZodError, input: unknown): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.join('.') || 'body';
      let got: unknown = input;
      for (const key of issue.path) {
        got = got !== null && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[key] : undefined;
      }
      return `${path}: ${issue.message} (got ${excerpt(got)})`;
    })
    .join('; ');
}

function trimMessage(message: string | undefined): string | undefined {
  const text = message?.trim();
  if (!text) return undefined;
  return clip(text, MESSAGE_MAX, '...');
}

function validate(candidate: Record<string, unknown>): Normalised {
  const parsed = FailedTaskSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, task: parsed.data };
  const who = typeof candidate['taskId'] === 'string' ? `task ${excerpt(candidate['taskId'])}` : 'task';
  return { ok: false, reason: `${who} refused: ${describeIssues(parsed.error, candidate)}` };
}

function toIso(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** A Marathon `status_update_event` (already JSON-parsed) to a FailedTask. */
export function fromMarathonEvent(payload: unknown): Normalised {
  const parsed = MarathonStatusUpdateEventSchema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, reason: `not a Marathon status_update_event: ${describeIssues(parsed.error, payload)}` };
  }
  const event = parsed.data;
  return validate({
    source: 'marathon',
    appId: event.appId,
    taskId: event.taskId,
    status: event.taskStatus,
    host: event.host,
    agentId: event.slaveId || undefined,
    exitStatus: parseExitStatus(event.message),
    message: trimMessage(event.message),
    at: toIso(event.timestamp) ?? event.timestamp,
  });
}

function latestStatus(task: MesosTask, state: string): MesosTask['statuses'][number] | undefined {
  let found: MesosTask['statuses'][number] | undefined;
  for (const status of task.statuses) {
    if (status.state === state && (!found || status.timestamp >= found.timestamp)) found = status;
  }
  return found;
}

/**
 * Failed tasks in a Mesos master's `/master/state`: agent host names come from `slaves`, the
 * container id from the failing status's `container_status.container_id.value`.
 */
export function failedTasksFromMesosState(payload: unknown, states: readonly TaskState[]): NormalisedBatch {
  const parsed = MesosMasterStateSchema.safeParse(payload);
  if (!parsed.success) {
    return { tasks: [], refused: [`not a Mesos master state: ${describeIssues(parsed.error, payload)}`] };
  }
  const hosts = new Map(parsed.data.slaves.map((agent) => [agent.id, agent.hostname]));
  const out: NormalisedBatch = { tasks: [], refused: [] };
  const frameworks = [...parsed.data.frameworks, ...parsed.data.completed_frameworks];
  for (const framework of frameworks) {
    for (const task of [...framework.tasks, ...framework.completed_tasks]) {
      const state = TaskStateSchema.safeParse(task.state);
      if (!state.success || !states.includes(state.data)) continue;
      const status = latestStatus(task, task.state);
      const host = hosts.get(task.slave_id);
      if (host === undefined) {
        out.refused.push(`task ${excerpt(task.id)} refused: agent ${excerpt(task.slave_id)} is not in the master's agent list`);
        continue;
      }
      const result = validate({
        source: 'mesos',
        appId: appIdFromTaskId(task.id) ?? normaliseAppId(task.name),
        taskId: task.id,
        status: task.state,
        host,
        agentId: task.slave_id,
        exitStatus: parseExitStatus(status?.message),
        message: trimMessage(status?.message),
        mesosContainerId: status?.container_status?.container_id?.value,
        at: toIso(status?.timestamp) ?? new Date(0).toISOString(),
      });
      if (result.ok) out.tasks.push(result.task);
      else out.refused.push(result.reason);
    }
  }
  return out;
}

function label(labels: Readonly<Record<string, string>>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Which alert labels name the host, the container, the Mesos task and the app, each list in order of preference. */
export interface AlertLabelNames {
  host: readonly string[];
  container: readonly string[];
  task: readonly string[];
  app: readonly string[];
}

/**
 * Prometheus' own labels first (`instance` is every scraped target's), then node-exporter and
 * kube-state-metrics (`node`); cAdvisor names the container in `id` (its cgroup) and `name`, and
 * copies Docker labels as `container_label_*`, which is where Mesos and Marathon put the task and app.
 */
export const DEFAULT_ALERT_LABELS: AlertLabelNames = {
  host: ['instance', 'host', 'hostname', 'node'],
  container: ['id', 'container_id', 'name'],
  task: ['container_label_MESOS_TASK_ID', 'task_id', 'task'],
  app: ['app', 'marathon_app', 'container_label_MARATHON_APP_ID', 'app_id', 'marathon_app_id', 'job'],
};

/** `10.1.60.17:9100` → `10.1.60.17`, `[fe80::1]:9100` → `fe80::1`, `host-a3` stays. */
export function hostOfInstance(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1]) return bracketed[1];
  return /^[^:]+:\d+$/.test(value) ? value.replace(/:\d+$/, '') : value;
}

const DOCKER_CGROUP = [
  /^\/system\.slice\/docker-([0-9a-f]{64})\.scope$/, // systemd cgroup driver (cAdvisor's `id`)
  /^\/docker\/([0-9a-f]{64})$/, // cgroupfs driver
  /^docker:\/\/([0-9a-f]{64})$/, // kube-state-metrics' container_id
  /^([0-9a-f]{12}|[0-9a-f]{64})$/, // a bare id
];

/** The Docker container a label value names: an id from a cgroup path, or a name; undefined for `/` and other cgroups. */
export function containerOfLabel(name: string, value: string): { id?: string; name?: string } | undefined {
  for (const pattern of DOCKER_CGROUP) {
    const m = pattern.exec(value);
    if (m?.[1]) return { id: m[1] };
  }
  // `id` and `container_id` hold cgroups and runtime ids; only `name`-like labels hold Docker names.
  if (name === 'id' || name === 'container_id' || value.includes('/')) return undefined;
  return DOCKER_NAME_PATTERN.test(value) ? { name: value } : undefined;
}

/** One alert across its reports: Alertmanager's fingerprint, else a hash of its labels. */
function alertKey(fingerprint: string | undefined, labels: Readonly<Record<string, string>>): string {
  return fingerprint && /^[0-9a-f]{1,64}$/.test(fingerprint) ? fingerprint : createHash('sha256').update(JSON.stringify(Object.entries(labels).sort())).digest('hex').slice(0, 16);
}

function alertEventId(key: string, startsAt: string, resolved: boolean): string {
  const start = Date.parse(startsAt);
  return `am-${key}-${Number.isNaN(start) ? '0' : start.toString(36)}${resolved ? '-resolved' : ''}`;
}

/** `am-<hash>`: Alertmanager's groupKey as a storm group (the key itself can be long and holds any character). */
export function alertGroup(groupKey: string): string {
  return `am-${createHash('sha256').update(groupKey).digest('hex').slice(0, 20)}`;
}

/**
 * Every alert of an Alertmanager webhook (v4), firing or resolved, to a report. Nothing an alert may
 * lack refuses it: a host, container, task or app that no label names (or that a label names in a form
 * sickbay cannot use) is left out and said in `missing`, so that the thread tells what was missing.
 * Only a payload that is not an Alertmanager webhook is refused.
 */
export function fromAlertmanager(payload: unknown, names: AlertLabelNames = DEFAULT_ALERT_LABELS): NormalisedBatch {
  const parsed = AlertmanagerWebhookSchema.safeParse(payload);
  if (!parsed.success) {
    return { tasks: [], refused: [`not an Alertmanager webhook (version 4): ${describeIssues(parsed.error, payload)}`] };
  }
  const webhook = parsed.data;
  const out: NormalisedBatch = { tasks: [], refused: [] };
  for (const alert of webhook.alerts) {
    const labels = { ...webhook.commonLabels, ...alert.labels };
    const annotations = { ...webhook.commonAnnotations, ...alert.annotations };
    const resolved = alert.status === 'resolved';
    const missing: string[] = [];

    const hostCandidates: HostCandidate[] = [];
    const unusableHosts: string[] = [];
    for (const name of names.host) {
      const value = labels[name];
      if (!value) continue;
      const host = name === 'instance' ? hostOfInstance(value) : value;
      if (HostNameSchema.safeParse(host).success) hostCandidates.push({ label: name, value: host });
      else unusableHosts.push(`${name}=${excerpt(value)}`);
    }
    if (hostCandidates.length === 0) {
      missing.push(
        unusableHosts.length > 0
          ? `host: ${unusableHosts.join(', ')} is not a host name`
          : `host: no label ${names.host.join(', ')}`,
      );
    }

    let container: { id?: string; name?: string } | undefined;
    for (const name of names.container) {
      const value = labels[name];
      if (value) container = { ...containerOfLabel(name, value), ...container };
    }
    const rawTask = label(labels, names.task);
    const taskId = rawTask !== undefined && TASK_ID_PATTERN.test(rawTask) ? rawTask : undefined;
    if (rawTask !== undefined && taskId === undefined) missing.push(`task: ${excerpt(rawTask)} is not a task id`);

    // `job` names the scrape job (`cadvisor`, `node`): the app only when nothing better does.
    const appLabel = names.app.find((name) => labels[name]);
    const fromTask = taskId ? appIdFromTaskId(taskId) : undefined;
    const rawApp = appLabel === undefined || (appLabel === 'job' && fromTask) ? undefined : labels[appLabel];
    const appCandidate = rawApp === undefined ? fromTask : normaliseAppId(rawApp.toLowerCase());
    const appId = appCandidate !== undefined && APP_ID_PATTERN.test(appCandidate) ? appCandidate : undefined;
    if (rawApp !== undefined && appId === undefined) missing.push(`app: ${excerpt(rawApp)} is not an app id`);

    const message = label(annotations, ['message', 'summary', 'description']);
    const exitLabel = label(labels, ['exit_status', 'exit_code']);
    const status = TaskStateSchema.safeParse(label(labels, ['task_status', 'state']));
    const mesosContainerId = label(labels, ['mesos_container_id']);
    const alertName = label(labels, ['alertname']) ?? 'alert';
    const key = alertKey(alert.fingerprint, alert.labels);
    const result = validate({
      source: 'alertmanager',
      group: alertGroup(webhook.groupKey),
      eventId: alertEventId(key, alert.startsAt, resolved),
      ...(appId ? { appId } : {}),
      ...(taskId ? { taskId } : {}),
      ...(status.success ? { status: status.data } : {}),
      ...(hostCandidates.length ? { hostCandidates: hostCandidates.slice(0, 16) } : {}),
      ...(container && (container.id || container.name) ? { container } : {}),
      exitStatus: exitLabel !== undefined && /^\d{1,3}$/.test(exitLabel) && Number(exitLabel) <= 255 ? Number(exitLabel) : parseExitStatus(message),
      message: trimMessage(message),
      ...(mesosContainerId && MESOS_CONTAINER_ID_PATTERN.test(mesosContainerId) ? { mesosContainerId } : {}),
      alert: {
        name: alertName.slice(0, 200),
        ...(labels['severity'] ? { severity: labels['severity'].slice(0, 64) } : {}),
        groupKey: webhook.groupKey.slice(0, 2000),
        ...(alert.fingerprint ? { fingerprint: alert.fingerprint.slice(0, 64) } : {}),
        key,
        resolved,
        labels: Object.fromEntries(Object.entries(labels).slice(0, 40).map(([k, v]) => [k.slice(0, 128), v.slice(0, 300)])),
      },
      ...(missing.length ? { missing } : {}),
      at: toIso(resolved && alert.endsAt ? alert.endsAt : alert.startsAt) ?? new Date(0).toISOString(),
    });
    if (result.ok) {
      out.tasks.push(result.task);
      continue;
    }
    // Still a thread, with what could not be read: Alertmanager does not resend a refused alert.
    const core = validate({
      source: 'alertmanager',
      group: alertGroup(webhook.groupKey),
      eventId: alertEventId(key, alert.startsAt, resolved),
      alert: { name: alertName.slice(0, 200), groupKey: webhook.groupKey.slice(0, 2000), key, resolved, labels: {} },
      missing: [...missing, result.reason.slice(0, 300)].slice(0, 8),
      at: toIso(alert.startsAt) ?? new Date(0).toISOString(),
    });
    if (core.ok) out.tasks.push(core.task);
    else out.refused.push(result.reason);
  }
  return out;
}

/** The small JSON form (docs/alerts.md). `now` stamps tasks that carry no `at`. */
export function fromSimpleWebhook(payload: unknown, now: Date): NormalisedBatch {
  const parsed = SimpleWebhookSchema.safeParse(payload);
  if (!parsed.success) {
    return {
      tasks: [],
      refused: [`not a failed-task alert (see docs/alerts.md): ${describeIssues(parsed.error, payload)}`],
    };
  }
  const items: SimpleFailedTask[] = 'tasks' in parsed.data ? parsed.data.tasks : [parsed.data];
  const out: NormalisedBatch = { tasks: [], refused: [] };
  for (const item of items) {
    const result = validate({
      source: 'webhook',
      appId: normaliseAppId(item.app),
      taskId: item.task,
      status: item.status ?? 'TASK_FAILED',
      host: item.host,
      exitStatus: item.exitStatus ?? parseExitStatus(item.message),
      message: trimMessage(item.message),
      mesosContainerId: item.mesosContainerId,
      at: item.at === undefined ? now.toISOString() : (toIso(item.at) ?? item.at),
    });
    if (result.ok) out.tasks.push(result.task);
    else out.refused.push(result.reason);
  }
  return out;
}

/** What the v1 subscriber knows of a task when its status changes. */
export interface MesosV1TaskFacts {
  taskId: string;
  /** The task's name (Marathon names it after the app), when the master told it. */
  name?: string;
  frameworkId?: string;
  agentId?: string;
  executorId?: string;
  /** The agent's host name (GET_AGENTS / AGENT_ADDED). */
  hostname?: string;
}

/**
 * A Mesos v1 `TaskStatus` of a failed task (TASK_UPDATED, or the SUBSCRIBED snapshot) to a report:
 * state, reason, source and message as the agent said them, the exit status from the message, the
 * status's own timestamp, the agent's id and host name.
 */
export function fromMesosV1Status(facts: MesosV1TaskFacts, state: string, status: MesosV1TaskStatus | undefined, receivedAt: Date): Normalised {
  if (facts.hostname === undefined) {
    return { ok: false, reason: `task ${excerpt(facts.taskId)} refused: agent ${excerpt(facts.agentId ?? '?')} is not in the master's agent list` };
  }
  const same = status?.state === state ? status : undefined;
  const reason = same?.reason;
  const source = same?.source;
  return validate({
    source: 'mesos',
    appId: appIdFromTaskId(facts.taskId) ?? (facts.name ? normaliseAppId(facts.name.toLowerCase()) : undefined),
    taskId: facts.taskId,
    status: state,
    host: facts.hostname,
    ...(facts.agentId ? { agentId: facts.agentId } : {}),
    ...(facts.frameworkId ? { frameworkId: facts.frameworkId } : {}),
    ...(facts.executorId ? { executorId: facts.executorId } : {}),
    exitStatus: parseExitStatus(same?.message),
    message: trimMessage(same?.message),
    ...(reason && /^REASON_[A-Z_]{1,60}$/.test(reason) ? { reason } : {}),
    ...(source && /^SOURCE_[A-Z_]{1,30}$/.test(source) ? { statusSource: source } : {}),
    mesosContainerId: same?.container_status?.container_id?.value,
    // the status's own time (Mesos always sets it); receipt only for a status without one
    at: toIso(same?.timestamp ?? status?.timestamp) ?? receivedAt.toISOString(),
  });
}
