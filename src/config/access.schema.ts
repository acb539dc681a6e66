import { z } from 'zod';
import { SlackIdSchema } from '../domain/index.js';

/**
 * Who may run /diag on which hosts. A rule grants its users and user groups the hosts that carry
 * one of its tags (or the named hosts); `"*"` in tags means every host. Nothing granted: refused.
 * `alerts: true` grants the same hosts to alert-triggered diagnoses (Marathon, Mesos, Alertmanager):
 * with an access file, an alert diagnoses only hosts some such rule covers.
 */
export const AccessRuleSchema = z
  .object({
    name: z.string().min(1).optional(),
    tags: z.array(z.string().min(1)).default([]),
    hosts: z.array(z.string().min(1)).default([]),
    users: z.array(SlackIdSchema).default([]),
    groups: z.array(SlackIdSchema).default([]),
    alerts: z.boolean().default(false),
  })
  .refine((r) => r.tags.length + r.hosts.length > 0, 'a rule names tags or hosts')
  .refine((r) => r.users.length + r.groups.length > 0 || r.alerts, 'a rule names users or groups, or sets alerts: true');
export const AccessPolicySchema = z.object({ access: z.array(AccessRuleSchema).min(1) });
export type AccessRule = z.infer<typeof AccessRuleSchema>;
export type AccessPolicy = z.infer<typeof AccessPolicySchema>;
