import { z } from 'zod';
import { HostNameSchema } from '../domain/index.js';

/**
 * Anchored patterns for every field of a failed task that can later reach a job, a shell line or a
 * Redis key. Anything else is refused at the intake with a reason.
 */
/** Marathon app id: path segments of lowercase letters, digits, "-" and "." (Marathon's own rule). */
export const APP_ID_PATTERN = /^(?:\/[a-z0-9](?:[a-z0-9.-]{0,126}[a-z0-9])?){1,16}$/;
/** Mesos/Marathon task id: `<app>.<uuid>` or `<app>.instance-<uuid>._app.<n>`. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
/** Mesos container id: a UUID (the Docker container is named `mesos-[<agent id>.]<uuid>`). */
export const MESOS_CONTAINER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Mesos agent (slave) id: `<framework uuid>-S<n>`. */
export const AGENT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-S[0-9]{1,9}$/;

export const TASK_STATES = [
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNREACHABLE',
] as const;
export const TaskStateSchema = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskStateSchema>;

export const AlertSourceSchema = z.enum(['marathon', 'mesos', 'alertmanager', 'webhook']);
export type AlertSource = z.infer<typeof AlertSourceSchema>;

/** A Docker container id (12 to 64 hex digits) as alerts name it once its cgroup path is taken off. */
export const DOCKER_ID_PATTERN = /^[0-9a-f]{12,64}$/;
/** A Docker container name (Docker's own rule). */
export const DOCKER_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

/** One label an alert named a host in, in the configured order: the intake maps the first that is an inventory host. */
export const HostCandidateSchema = z.object({ label: z.string().max(128), value: HostNameSchema });
export type HostCandidate = z.infer<typeof HostCandidateSchema>;

/** What Alertmanager said about the alert itself (absent for Marathon and Mesos task failures). */
export const AlertInfoSchema = z.object({
  /** `alertname`, shown as is (display only). */
  name: z.string().min(1).max(200),
  severity: z.string().max(64).optional(),
  /** Alertmanager's `groupKey`: one thread per group. */
  groupKey: z.string().max(2000),
  fingerprint: z.string().max(64).optional(),
  /** One alert across its firing and resolved reports: the fingerprint, else a hash of its labels. */
  key: z.string().regex(/^[0-9a-f]{1,64}$/),
  /** True for an alert Alertmanager reports `resolved`: it updates its thread, it opens none. */
  resolved: z.boolean().default(false),
  /** The firing alert's labels (display only, never reaches a shell or a job). */
  labels: z.record(z.string(), z.string()).default({}),
});
export type AlertInfo = z.infer<typeof AlertInfoSchema>;

/**
 * One failure report, whatever sent it: a failed Mesos/Marathon task, or a firing (or resolved)
 * Alertmanager alert, which may name no app, task, container or even host. What triage, storm
 * grouping and diagnosis work from. `group` and `eventId` default to the app id and the task id.
 */
export const FailedTaskSchema = z
  .object({
    source: AlertSourceSchema,
    /** What puts reports in one thread: the app id for task failures, `am:<hash of groupKey>` for alerts. */
    group: z.string().min(1).max(200).optional(),
    /** What makes a report a repeat of one already handled: the task id, or an alert's fingerprint and start. */
    eventId: z.string().regex(TASK_ID_PATTERN, 'an event id is letters, digits, "_", "." and "-"').optional(),
    /** Marathon app id with its leading "/", e.g. `/deploy-to-docker-business-product-rpc-test`. */
    appId: z.string().regex(APP_ID_PATTERN, 'an app id is /-separated segments of a-z, 0-9, "-" and "."').optional(),
    taskId: z.string().regex(TASK_ID_PATTERN, 'a task id is letters, digits, "_", "." and "-"').optional(),
    status: TaskStateSchema.optional(),
    /** The agent's host name, as the inventory knows it (for alerts: once mapped from `hostCandidates`). */
    host: HostNameSchema.optional(),
    /** Labels that may name the host, in the configured order (alerts only). */
    hostCandidates: z.array(HostCandidateSchema).max(16).optional(),
    agentId: z.string().regex(AGENT_ID_PATTERN, 'an agent id looks like <uuid>-S7').optional(),
    frameworkId: z.string().regex(/^[0-9a-f-]{36}-[0-9]{4,}$/, 'a framework id looks like <uuid>-0000').optional(),
    executorId: z.string().regex(TASK_ID_PATTERN, 'an executor id is letters, digits, "_", "." and "-"').optional(),
    /** Parsed from "Container exited with status 137" and similar, when the message holds it. */
    exitStatus: z.number().int().min(0).max(255).optional(),
    /** The status message, trimmed, for display only (never reaches a shell or a job). */
    message: z.string().max(500).optional(),
    /** Mesos `TaskStatus.reason` (`REASON_CONTAINER_LIMITATION_MEMORY`) and `source` (`SOURCE_EXECUTOR`). */
    reason: z.string().regex(/^REASON_[A-Z_]{1,60}$/).optional(),
    statusSource: z.string().regex(/^SOURCE_[A-Z_]{1,30}$/).optional(),
    mesosContainerId: z.string().regex(MESOS_CONTAINER_ID_PATTERN, 'a Mesos container id is a UUID').optional(),
    /** The Docker container an alert names: its id (from a cgroup path or `container_id`) or its name. */
    container: z
      .object({
        id: z.string().regex(DOCKER_ID_PATTERN, 'a container id is 12 to 64 hex digits').optional(),
        name: z.string().regex(DOCKER_NAME_PATTERN, 'a container name is letters, digits, "_", "." and "-"').optional(),
      })
      .optional(),
    alert: AlertInfoSchema.optional(),
    /** What the intake could not map, said in the thread ("host: no label instance, host, hostname or node"). */
    missing: z.array(z.string().max(300)).max(8).optional(),
    /** When the failure happened, by its own clock (ISO 8601): the event's time, never the time of receipt. */
    at: z.iso.datetime({ offset: true }),
  })
  .refine((t) => t.group !== undefined || t.appId !== undefined, { message: 'a report needs an app id or a group', path: ['appId'] })
  .refine((t) => t.eventId !== undefined || t.taskId !== undefined, { message: 'a report needs a task id or an event id', path: ['taskId'] });
export type FailedTask = z.infer<typeof FailedTaskSchema>;

/** The thread a report belongs to: its group, else its app. */
export function groupOf(task: FailedTask): string {
  return task.group ?? task.appId ?? 'unknown';
}

/** What identifies a report as already handled: its event id, else its task id. */
export function eventIdOf(task: FailedTask): string {
  return task.eventId ?? task.taskId ?? 'unknown';
}
