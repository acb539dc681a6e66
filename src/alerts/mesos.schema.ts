import { z } from 'zod';

/** One entry of a task's `statuses` in the Mesos master's state (`/master/state`, `/master/tasks`). */
export const MesosTaskStatusSchema = z
  .object({
    state: z.string(),
    /** Seconds since the epoch, with a fraction. */
    timestamp: z.number(),
    message: z.string().optional(),
    container_status: z
      .object({ container_id: z.object({ value: z.string() }).passthrough().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

export const MesosTaskSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    framework_id: z.string(),
    slave_id: z.string(),
    state: z.string(),
    statuses: z.array(MesosTaskStatusSchema).default([]),
  })
  .passthrough();
export type MesosTask = z.infer<typeof MesosTaskSchema>;

export const MesosAgentSchema = z.object({ id: z.string(), hostname: z.string() }).passthrough();

export const MesosFrameworkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    tasks: z.array(MesosTaskSchema).default([]),
    completed_tasks: z.array(MesosTaskSchema).default([]),
  })
  .passthrough();

/**
 * The parts of `GET /master/state` that the poller reads: agents (to resolve host names) and each
 * framework's running and completed tasks.
 */
export const MesosMasterStateSchema = z
  .object({
    slaves: z.array(MesosAgentSchema),
    frameworks: z.array(MesosFrameworkSchema).default([]),
    completed_frameworks: z.array(MesosFrameworkSchema).default([]),
  })
  .passthrough();
export type MesosMasterState = z.infer<typeof MesosMasterStateSchema>;

// --- the v1 operator API (POST /api/v1, JSON), as `include/mesos/v1/master/master.proto` and
// `docs/operator-http-api.md` of apache/mesos define it. Unknown fields pass: masters add fields.

const IdSchema = z.object({ value: z.string() }).passthrough();

/** `TaskStatus` (mesos/v1/mesos.proto): the reason, source and message of a state change. */
export const MesosV1TaskStatusSchema = z
  .object({
    task_id: IdSchema,
    state: z.string(),
    message: z.string().optional(),
    source: z.string().optional(),
    reason: z.string().optional(),
    agent_id: IdSchema.optional(),
    executor_id: IdSchema.optional(),
    /** Seconds since the epoch, with a fraction. */
    timestamp: z.number().optional(),
    container_status: z.object({ container_id: IdSchema.optional() }).passthrough().optional(),
  })
  .passthrough();
export type MesosV1TaskStatus = z.infer<typeof MesosV1TaskStatusSchema>;

/** `Task` (mesos/v1/mesos.proto) as GET_TASKS and the SUBSCRIBED snapshot list it. */
export const MesosV1TaskSchema = z
  .object({
    name: z.string(),
    task_id: IdSchema,
    framework_id: IdSchema.optional(),
    agent_id: IdSchema.optional(),
    executor_id: IdSchema.optional(),
    state: z.string().optional(),
    statuses: z.array(MesosV1TaskStatusSchema).default([]),
  })
  .passthrough();
export type MesosV1Task = z.infer<typeof MesosV1TaskSchema>;

export const MesosV1AgentSchema = z
  .object({ agent_info: z.object({ hostname: z.string(), id: IdSchema.optional() }).passthrough() })
  .passthrough();

export const MesosV1GetTasksSchema = z
  .object({
    tasks: z.array(MesosV1TaskSchema).default([]),
    completed_tasks: z.array(MesosV1TaskSchema).default([]),
    unreachable_tasks: z.array(MesosV1TaskSchema).default([]),
  })
  .passthrough();
export type MesosV1GetTasks = z.infer<typeof MesosV1GetTasksSchema>;

export const MesosV1GetAgentsSchema = z.object({ agents: z.array(MesosV1AgentSchema).default([]) }).passthrough();
export type MesosV1GetAgents = z.infer<typeof MesosV1GetAgentsSchema>;

/** One event of the master's SUBSCRIBE stream (`mesos.v1.master.Event`). */
export const MesosV1EventSchema = z
  .object({
    type: z.string(),
    subscribed: z
      .object({
        get_state: z
          .object({ get_tasks: MesosV1GetTasksSchema.optional(), get_agents: MesosV1GetAgentsSchema.optional() })
          .passthrough()
          .optional(),
        heartbeat_interval_seconds: z.number().optional(),
      })
      .passthrough()
      .optional(),
    task_added: z.object({ task: MesosV1TaskSchema }).passthrough().optional(),
    /** `TaskUpdated`: the framework, the status last acknowledged, and the latest state. */
    task_updated: z
      .object({
        framework_id: IdSchema.optional(),
        status: MesosV1TaskStatusSchema.optional(),
        state: z.string(),
        // the operator docs' older example puts these at the top level
        task_id: IdSchema.optional(),
        agent_id: IdSchema.optional(),
        executor_id: IdSchema.optional(),
      })
      .passthrough()
      .optional(),
    agent_added: z.object({ agent: MesosV1AgentSchema }).passthrough().optional(),
  })
  .passthrough();
export type MesosV1Event = z.infer<typeof MesosV1EventSchema>;

/** A synchronous call's response: `{ "type": "GET_TASKS", "get_tasks": {...} }`. */
export const MesosV1ResponseSchema = z
  .object({ type: z.string(), get_tasks: MesosV1GetTasksSchema.optional(), get_agents: MesosV1GetAgentsSchema.optional() })
  .passthrough();
