import { z } from 'zod';
import { AnalysisReportSchema, ChatIdSchema, ContainerIdSchema, HostNameSchema, IdentifierSchema, PlaybookNameSchema, TagNameSchema, ZoneNameSchema } from '../domain/index.js';

export const MessageRefSchema = z.object({ channel: ChatIdSchema, ts: z.string().regex(/^\d+\.\d+$/) });

/** One host and playbook to diagnose: the data of a `diagnose` job, as stored in Redis. */
export const DiagnoseJobDataSchema = z.object({
  /** Random id of the request that created the job: tells a creator from a joiner. */
  requestId: z.uuid(),
  host: HostNameSchema,
  zone: ZoneNameSchema,
  playbook: PlaybookNameSchema,
  requestedBy: ChatIdSchema,
  channel: ChatIdSchema,
  requestedAt: z.iso.datetime(),
  /** The parent message, once posted: a recovered job continues this thread. */
  parent: MessageRefSchema.optional(),
  /** The thread replies have been posted: a recovered job does not post them again. */
  threadPosted: z.boolean().optional(),
  /** Set on a host job of a fleet run: no message of its own, the fleet summary reports it. */
  fleetId: z.string().optional(),
  /** Playbook params (the `container` playbook's container id); the playbook checks them again. */
  params: z.record(IdentifierSchema, z.string().regex(/^[\x20-\x7e]{1,256}$/)).optional(),
  /** An existing thread (an alert incident): the job replies under it instead of posting a parent of its own. */
  thread: MessageRefSchema.optional(),
  /**
   * Set by alerts: container-level fixes are offered only for these Docker ids (the failed task's
   * container), none when empty, so that a host diagnosis never offers to restart someone else's container.
   */
  containerFixesFor: z.array(ContainerIdSchema).max(8).optional(),
});
export type DiagnoseJobData = z.infer<typeof DiagnoseJobDataSchema>;

export const DiagnoseJobResultSchema = z.object({
  host: z.string(),
  report: AnalysisReportSchema.optional(),
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
});
export type DiagnoseJobResult = z.infer<typeof DiagnoseJobResultSchema>;

/** A fleet run (`/diag tag:NAME`): its host jobs are children; it posts the one summary. */
export const FleetJobDataSchema = z.object({
  requestId: z.uuid(),
  tag: TagNameSchema,
  playbook: PlaybookNameSchema,
  requestedBy: ChatIdSchema,
  channel: ChatIdSchema,
  requestedAt: z.iso.datetime(),
  hosts: z.array(HostNameSchema).min(1),
  parent: MessageRefSchema.optional(),
  threadPosted: z.boolean().optional(),
});
export type FleetJobData = z.infer<typeof FleetJobDataSchema>;
