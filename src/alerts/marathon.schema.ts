import { z } from 'zod';

/**
 * Marathon's `status_update_event` from `/v2/events` (server-sent events), as Marathon 1.x sends it.
 * Unknown fields pass through: Marathon adds fields between versions.
 * @see https://mesosphere.github.io/marathon/docs/event-bus.html
 */
export const MarathonStatusUpdateEventSchema = z
  .object({
    eventType: z.literal('status_update_event'),
    timestamp: z.string(),
    slaveId: z.string(),
    taskId: z.string(),
    taskStatus: z.string(),
    message: z.string().optional().default(''),
    appId: z.string(),
    host: z.string(),
    ipAddresses: z
      .array(z.object({ ipAddress: z.string(), protocol: z.string() }).passthrough())
      .nullable()
      .optional(),
    ports: z.array(z.number().int()).optional(),
    version: z.string(),
  })
  .passthrough();
export type MarathonStatusUpdateEvent = z.infer<typeof MarathonStatusUpdateEventSchema>;
