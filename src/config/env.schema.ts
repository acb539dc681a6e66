import { z } from 'zod';
import { PlaybookNameSchema, SlackChannelIdSchema, ZoneNameSchema } from '../domain/index.js';

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list of Prometheus label names, in order of preference. */
const labelList = (fallback: string) =>
  z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,127}(?:,[a-zA-Z_][a-zA-Z0-9_]{0,127}){0,15}$/, 'a comma-separated list of label names like instance,host')
    .default(fallback)
    .transform((list) => list.split(','));
const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * Every environment variable sickbay reads (docs/deploy.md). Parsed once at start-up by loadConfig();
 * an unknown variable is ignored, a malformed one stops the start with its name.
 */
export const EnvSchema = z.object({
  /** Bot token (xoxb-...). Needed by the bot and the workers (they post the results). */
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, 'a bot token starts with xoxb-'),
  /** Signing secret of the Slack app: checks that requests come from Slack (HTTP mode). */
  SLACK_SIGNING_SECRET: z.string().min(8, 'the signing secret is on the app\'s Basic Information page').optional(),
  /** App-level token (xapp-...): when set, the bot uses Socket Mode and needs no public URL. */
  SLACK_APP_TOKEN: z.string().regex(/^xapp-[A-Za-z0-9-]+$/, 'an app-level token starts with xapp-').optional(),
  /** Slack Web API base URL. @defaultValue https://slack.com/api/ */
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
  /** HTTP port of the bot (Slack requests on /slack/events, metrics on /metrics). @defaultValue 3000 */
  PORT: intFromEnv(0, 65535).default(3000),
  /** Redis for the job queue. @defaultValue redis://127.0.0.1:6379 */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Prefix of every BullMQ key in Redis. @defaultValue sickbay */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('sickbay'),
  /** The zone a worker serves (queue diagnose-ZONE). @defaultValue default */
  SICKBAY_ZONE: ZoneNameSchema.default('default'),
  /** Jobs one worker process runs at once. @defaultValue 4 */
  WORKER_CONCURRENCY: intFromEnv(1, 256).default(4),
  /** How long a job's lock lasts without renewal before another worker may take it over (ms). @defaultValue 30000 */
  JOB_LOCK_MS: intFromEnv(1000, 600_000).default(30_000),
  /** How often workers look for stalled jobs (ms). @defaultValue 15000 */
  STALLED_CHECK_MS: intFromEnv(500, 600_000).default(15_000),
  /** Port for /metrics on a worker; 0 picks a free one, unset serves none. */
  METRICS_PORT: intFromEnv(0, 65535).optional(),
  /** YAML file: who may run /diag on which hosts (docs/deploy.md). Unset: everyone, everywhere. */
  SICKBAY_ACCESS_FILE: z.string().min(1).optional(),
  /** Playbook used when /diag names none. @defaultValue docker-host */
  SICKBAY_DEFAULT_PLAYBOOK: PlaybookNameSchema.default('docker-host'),
  /** pino level. @defaultValue info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The append-only JSON-lines mirror of the remediation audit stream (created 0600). @defaultValue sickbay-audit.jsonl */
  SICKBAY_AUDIT_FILE: z.string().min(1).default('sickbay-audit.jsonl'),
  /** YAML/JSON remediation policy: who may request and approve which fix (docs/remediations.md). Unset: nobody may approve. */
  SICKBAY_REMEDIATION_POLICY_FILE: z.string().min(1).optional(),
  /** How often the bot expires approval requests whose time is up and relabels their buttons (ms). @defaultValue 30000 */
  SICKBAY_REMEDIATION_SWEEP_MS: intFromEnv(100, 3_600_000).default(30_000),
  /**
   * inventory.yml (docs/deploy.md): the hosts /diag may name, and how workers reach them over SSH.
   * Set in production; unset, the bot and workers need `--replay-bundles DIR` (demo and tests).
   */
  SICKBAY_INVENTORY: z.string().min(1).optional(),
  /** Directory of playbook YAML files. @defaultValue the playbooks/ directory shipped with sickbay */
  SICKBAY_PLAYBOOKS_DIR: z.string().min(1).optional(),
  /** Where workers keep evidence bundles (one directory per host and run). Unset: bundles are not kept. */
  SICKBAY_BUNDLES_DIR: z.string().min(1).optional(),
  /** Kept bundles older than this are deleted when a new one is written (days). @defaultValue 14 */
  SICKBAY_BUNDLE_RETENTION_DAYS: intFromEnv(1, 3650).default(14),
  /** YAML file of capacity sweeps (docs/forecast.md): the bot keeps one BullMQ job scheduler per sweep and zone. Unset: no sweeps. */
  SICKBAY_SWEEPS_FILE: z.string().min(1).optional(),
  /** Capacity samples one worker process takes at once (the sweeps file caps each zone as a whole). @defaultValue 50 */
  SICKBAY_SWEEP_CONCURRENCY: intFromEnv(1, 1000).default(50),
  /** SSH agent socket, for inventory hosts with `agent: true` (no identity file). */
  SSH_AUTH_SOCK: z.string().min(1).optional(),
  // --- alerts (`sickbay intake`, docs/alerts.md) ---
  /** Slack channel id where Mesos/Marathon incident threads are posted; `sickbay intake` needs it. */
  SICKBAY_ALERTS_CHANNEL: SlackChannelIdSchema.optional(),
  /** Marathon base URL: the intake subscribes to its /v2/events stream. */
  MARATHON_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Marathon's event stream silent (not even a heartbeat) this long is dropped and made again (ms). @defaultValue 60000 */
  MARATHON_IDLE_TIMEOUT_MS: intFromEnv(1000, 3_600_000).default(60_000),
  /** An event (or a line) of Marathon's stream longer than this drops the connection (bytes). @defaultValue 8388608 */
  MARATHON_MAX_EVENT_BYTES: intFromEnv(64 * 1024, 256 * 1024 * 1024).default(8 * 1024 * 1024),
  /**
   * Mesos masters, comma-separated (one is enough: any master redirects to the leader). The intake
   * subscribes to the leader's v1 operator API (SUBSCRIBE), or polls /master/state of a master without it.
   */
  MESOS_MASTER_URL: z
    .string()
    .transform((list, ctx) => {
      const urls = list.split(',').map((u) => u.trim()).filter(Boolean);
      for (const url of urls) {
        if (!httpUrl.safeParse(url).success) ctx.addIssue({ code: 'custom', message: `not an http(s) URL: ${url.slice(0, 80)}` });
      }
      if (urls.length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one master URL' });
      return urls;
    })
    .optional(),
  /** Mesos API to use: auto (v1 SUBSCRIBE when the master has it, else /master/state polling), v1, or state. @defaultValue auto */
  MESOS_API: z.enum(['auto', 'v1', 'state']).default('auto'),
  /** A v1 event stream silent this long (no event, no heartbeat) is dropped and subscribed again (ms). @defaultValue 75000 */
  MESOS_IDLE_TIMEOUT_MS: intFromEnv(1000, 3_600_000).default(75_000),
  /** Marathon web UI base URL: the thread links to the app (e.g. http://marathon.example:8080). */
  ALERT_MARATHON_UI_URL: httpUrl.optional(),
  /** Mesos web UI base URL (a master): the thread links to the task's sandbox on its agent. */
  ALERT_MESOS_UI_URL: httpUrl.optional(),
  /** Alertmanager labels that name the host, first that is an inventory host (by name or address) wins. */
  ALERT_HOST_LABELS: labelList('instance,host,hostname,node'),
  /** Alertmanager labels that name the Docker container (a cgroup path such as cAdvisor's id, a container id, or a name). */
  ALERT_CONTAINER_LABELS: labelList('id,container_id,name'),
  /** Alertmanager labels that name the Mesos task (its container is the one whose sandbox is the task's). */
  ALERT_TASK_LABELS: labelList('container_label_MESOS_TASK_ID,task_id,task'),
  /** Alertmanager labels that name the app; `job` (the scrape job) only when nothing else does. */
  ALERT_APP_LABELS: labelList('app,marathon_app,container_label_MARATHON_APP_ID,app_id,marathon_app_id,job'),
  /** Task states that count as failures, comma-separated. @defaultValue TASK_FAILED */
  ALERT_TASK_STATES: z.string().regex(/^TASK_[A-Z_]+(?:,TASK_[A-Z_]+)*$/, 'a comma-separated list like TASK_FAILED,TASK_LOST').default('TASK_FAILED'),
  /** Shared secret for the alert webhooks (Authorization: Bearer ...). */
  ALERT_WEBHOOK_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  /** HMAC-SHA256 key for the alert webhooks (X-Sickbay-Timestamp and X-Sickbay-Signature, docs/alerts.md). */
  ALERT_WEBHOOK_HMAC_SECRET: z.string().min(16, 'use at least 16 characters').optional(),
  /** HTTP port of the alert webhooks (/alerts/...) and the intake's /metrics; 0 picks a free one. @defaultValue 3100 */
  ALERT_PORT: intFromEnv(0, 65535).default(3100),
  /** Failures of one app less than this apart share one thread (ms). @defaultValue 600000 */
  ALERT_WINDOW_MS: intFromEnv(10_000, 86_400_000).default(600_000),
  /** Digest edits of one thread per minute, at most. @defaultValue 20 */
  ALERT_MAX_UPDATES_PER_MINUTE: intFromEnv(1, 60).default(20),
  /** Diagnoses started by alerts per minute, all apps and hosts. @defaultValue 30 */
  ALERT_MAX_DIAGNOSES_PER_MINUTE: intFromEnv(1, 10_000).default(30),
  /** Failed tasks of one app within the window that raise a rate alert. @defaultValue 20 */
  ALERT_RATE_THRESHOLD: intFromEnv(1, 1_000_000).default(20),
  /** How long a signed webhook timestamp is accepted either side of the intake's clock (ms). @defaultValue 300000 */
  ALERT_SIGNATURE_TOLERANCE_MS: intFromEnv(10_000, 3_600_000).default(300_000),
  /** How often the Mesos master is polled, when it is polled (ms). @defaultValue 15000 */
  MESOS_POLL_MS: intFromEnv(1000, 3_600_000).default(15_000),
});
export type Env = z.infer<typeof EnvSchema>;
