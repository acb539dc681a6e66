import cronParser from 'cron-parser';
import { z } from 'zod';
import { HOST_NAME, PlaybookNameSchema, SlackChannelIdSchema, TAG_NAME, ZONE_NAME } from '../domain/index.js';

/** `*\/15 * * * *`: five fields (or six, seconds first), what BullMQ's job schedulers read (cron-parser). */
const CronSchema = z
  .string()
  .min(9)
  .max(120)
  .refine((text) => {
    if (text.trim().split(/\s+/).length < 5) return false;
    try {
      cronParser.parseExpression(text);
      return true;
    } catch {
      return false;
    }
  }, 'a cron expression of five fields, like "*/15 * * * *" (every 15 minutes)');

/** What a sweep samples: every host with a tag, every host of a zone, or one host. */
const TargetSchema = z
  .string()
  .refine(
    (t) => (t.startsWith('tag:') ? TAG_NAME.pattern.test(t.slice(4)) : t.startsWith('zone:') ? ZONE_NAME.pattern.test(t.slice(5)) : HOST_NAME.pattern.test(t)),
    'a target is tag:NAME, zone:NAME or a host name',
  );

const SweepNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a sweep name is lower-case letters, digits and "-", like mesos-capacity');

/**
 * The sweeps file (SICKBAY_SWEEPS_FILE, docs/forecast.md): which hosts are sampled on which
 * schedule, and where the quiet channel speaks. Defaults suit a 15-minute cadence.
 *
 * - max_hosts_per_zone: hosts sampled at once in a zone, whatever the number of workers and sweeps
 *   (BullMQ's global concurrency on the zone's sweep queue).
 * - jitter_seconds: each host starts at a fixed offset within this window after the tick (a hash
 *   of its name), so a fleet is not hit at once and a host's samples stay evenly spaced.
 * - retention_days: samples kept per host and resource; older days expire in Redis.
 * - horizons_hours: the channel speaks when a resource's time to full crosses one of these.
 */
export const SweepsFileSchema = z
  .object({
    defaults: z
      .object({
        channel: SlackChannelIdSchema.optional(),
        playbook: PlaybookNameSchema.default('capacity'),
        jitter_seconds: z.number().int().min(0).max(3600).default(60),
        max_hosts_per_zone: z.number().int().min(1).max(1000).default(20),
        retention_days: z.number().int().min(1).max(90).default(14),
        horizons_hours: z.array(z.number().positive().max(24 * 365)).min(1).max(4).default([48, 6]),
        timezone: z.string().min(1).max(64).optional(),
      })
      .strict()
      .default({ playbook: 'capacity', jitter_seconds: 60, max_hosts_per_zone: 20, retention_days: 14, horizons_hours: [48, 6] }),
    sweeps: z
      .array(
        z
          .object({
            name: SweepNameSchema,
            target: TargetSchema,
            cron: CronSchema,
            channel: SlackChannelIdSchema.optional(),
            playbook: PlaybookNameSchema.optional(),
          })
          .strict(),
      )
      .max(200),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.sweeps.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['sweeps', i, 'name'], message: `a second sweep named ${s.name}` });
      seen.add(s.name);
      if (!s.channel && !file.defaults.channel) ctx.addIssue({ code: 'custom', path: ['sweeps', i, 'channel'], message: 'no channel here and none in defaults' });
    });
  });
export type SweepsFile = z.infer<typeof SweepsFileSchema>;

/** One sweep with its defaults applied: what the scheduler and the job data carry. */
export const SweepSchema = z.object({
  name: SweepNameSchema,
  target: TargetSchema,
  cron: z.string(),
  timezone: z.string().optional(),
  channel: SlackChannelIdSchema,
  playbook: PlaybookNameSchema,
  jitterSeconds: z.number().int().nonnegative(),
  retentionDays: z.number().int().positive(),
  horizonsSeconds: z.array(z.number().int().positive()).min(1),
});
export type Sweep = z.infer<typeof SweepSchema>;

export interface SweepsConfig {
  sweeps: readonly Sweep[];
  maxHostsPerZone: number;
}

export function resolveSweeps(file: SweepsFile): SweepsConfig {
  const d = file.defaults;
  return {
    maxHostsPerZone: d.max_hosts_per_zone,
    sweeps: file.sweeps.map((s) =>
      SweepSchema.parse({
        name: s.name,
        target: s.target,
        cron: s.cron,
        ...(d.timezone ? { timezone: d.timezone } : {}),
        channel: s.channel ?? d.channel,
        playbook: s.playbook ?? d.playbook,
        jitterSeconds: d.jitter_seconds,
        retentionDays: d.retention_days,
        horizonsSeconds: [...new Set(d.horizons_hours.map((h) => Math.round(h * 3600)))].sort((a, b) => b - a),
      }),
    ),
  };
}
