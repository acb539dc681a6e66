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
