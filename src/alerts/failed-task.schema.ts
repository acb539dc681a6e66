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

/** One failed task, whatever reported it: what triage, storm grouping and diagnosis work from. */
export const FailedTaskSchema = z.object({
  source: AlertSourceSchema,
  /** Marathon app id with its leading "/", e.g. `/deploy-to-docker-business-product-rpc-test`. */
  appId: z.string().regex(APP_ID_PATTERN, 'an app id is /-separated segments of a-z, 0-9, "-" and "."'),
  taskId: z.string().regex(TASK_ID_PATTERN, 'a task id is letters, digits, "_", "." and "-"'),
  status: TaskStateSchema,
  /** The agent's host name, as the inventory knows it. */
  host: HostNameSchema,
  agentId: z.string().regex(AGENT_ID_PATTERN, 'an agent id looks like <uuid>-S7').optional(),
  /** Parsed from "Container exited with status 137" and similar, when the message holds it. */
  exitStatus: z.number().int().min(0).max(255).optional(),
  /** The status message, trimmed, for display only (never reaches a shell or a job). */
  message: z.string().max(500).optional(),
  mesosContainerId: z.string().regex(MESOS_CONTAINER_ID_PATTERN, 'a Mesos container id is a UUID').optional(),
  /** When the failure happened (ISO 8601). */
  at: z.iso.datetime({ offset: true }),
});
export type FailedTask = z.infer<typeof FailedTaskSchema>;
