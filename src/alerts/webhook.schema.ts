import { z } from 'zod';

/**
 * Prometheus Alertmanager's webhook payload (version "4").
 * @see https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
export const AlertmanagerAlertSchema = z
  .object({
    status: z.enum(['firing', 'resolved']),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()).default({}),
    startsAt: z.string(),
    endsAt: z.string().optional(),
    generatorURL: z.string().optional(),
    fingerprint: z.string().optional(),
  })
  .passthrough();
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlertSchema>;

export const AlertmanagerWebhookSchema = z
  .object({
    version: z.literal('4'),
    groupKey: z.string(),
    truncatedAlerts: z.number().int().optional(),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string(),
    groupLabels: z.record(z.string(), z.string()).default({}),
    commonLabels: z.record(z.string(), z.string()).default({}),
    commonAnnotations: z.record(z.string(), z.string()).default({}),
    externalURL: z.string().optional(),
    alerts: z.array(AlertmanagerAlertSchema).max(1000),
  })
  .passthrough();
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhookSchema>;

/** The small JSON form documented in docs/alerts.md: one failed task, or `{ "tasks": [...] }`. */
export const SimpleFailedTaskSchema = z.strictObject({
  app: z.string(),
  task: z.string(),
  host: z.string(),
  status: z.string().optional(),
  exitStatus: z.number().int().optional(),
  message: z.string().optional(),
  mesosContainerId: z.string().optional(),
  at: z.string().optional(),
});
export type SimpleFailedTask = z.infer<typeof SimpleFailedTaskSchema>;

export const SimpleWebhookSchema = z.union([
  SimpleFailedTaskSchema,
  z.strictObject({ tasks: z.array(SimpleFailedTaskSchema).min(1).max(1000) }),
]);
export type SimpleWebhook = z.infer<typeof SimpleWebhookSchema>;
