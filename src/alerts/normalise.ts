/**
 * PURE: turns each source's payload into FailedTask records, refusing anything whose fields do not
 * match their anchored patterns. No I/O, no clock: time comes in the payload.
 */
import type { z } from 'zod';
import { FailedTaskSchema, TaskStateSchema, type FailedTask, type TaskState } from './failed-task.schema.js';
import { MarathonStatusUpdateEventSchema } from './marathon.schema.js';
import { MesosMasterStateSchema, type MesosTask } from './mesos.schema.js';
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
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
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
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 3)}...` : text;
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

/**
 * Firing alerts of an Alertmanager webhook (v4) to FailedTasks. Labels read: `app`/`app_id`/
 * `marathon_app_id`, `task_id`/`task`, `host`/`hostname`/`instance` (port dropped), `exit_status`,
 * `mesos_container_id`; the message is the `message`, `summary` or `description` annotation.
 */
export function fromAlertmanager(payload: unknown): NormalisedBatch {
  const parsed = AlertmanagerWebhookSchema.safeParse(payload);
  if (!parsed.success) {
    return { tasks: [], refused: [`not an Alertmanager webhook (version 4): ${describeIssues(parsed.error, payload)}`] };
  }
  const out: NormalisedBatch = { tasks: [], refused: [] };
  for (const alert of parsed.data.alerts) {
    if (alert.status !== 'firing') continue;
    const labels = { ...parsed.data.commonLabels, ...alert.labels };
    const annotations = { ...parsed.data.commonAnnotations, ...alert.annotations };
    const app = label(labels, ['app', 'app_id', 'marathon_app_id']);
    const taskId = label(labels, ['task_id', 'task']);
    const host = label(labels, ['host', 'hostname', 'instance'])?.replace(/:\d+$/, '');
    if (!app || !taskId || !host) {
      out.refused.push(`alert ${excerpt(labels['alertname'] ?? alert.fingerprint ?? '?')} refused: labels app, task_id and host are required`);
      continue;
    }
    const message = label(annotations, ['message', 'summary', 'description']);
    const exitLabel = label(labels, ['exit_status', 'exit_code']);
    const result = validate({
      source: 'alertmanager',
      appId: normaliseAppId(app),
      taskId,
      status: label(labels, ['task_status', 'state']) ?? 'TASK_FAILED',
      host,
      exitStatus: exitLabel !== undefined && /^\d{1,3}$/.test(exitLabel) ? Number(exitLabel) : parseExitStatus(message),
      message: trimMessage(message),
      mesosContainerId: label(labels, ['mesos_container_id']),
      at: toIso(alert.startsAt) ?? alert.startsAt,
    });
    if (result.ok) out.tasks.push(result.task);
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
