import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AccessPolicySchema, type AccessPolicy } from './access.schema.js';
import { ConfigError } from './config-errors.js';
import { EnvSchema, type Env } from './env.schema.js';

export type Role = 'bot' | 'worker' | 'intake';

export interface Config {
  readonly env: Readonly<Env>;
  /** null: no access file, everyone may diagnose every host. */
  readonly access: Readonly<AccessPolicy> | null;
}

function problemsOf(error: z.ZodError, source: Readonly<Record<string, string | undefined>>): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.');
    if (source[name] === undefined) return `${name} is not set`;
    return `${name} is malformed: ${issue.message}`;
  });
}

/** Parses the environment once, for a role; reports every missing or malformed variable by name. */
export function loadConfig(source: Readonly<Record<string, string | undefined>>, role: Role): Config {
  // Empty strings count as unset (compose files often pass VAR= through).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  const problems = parsed.success ? [] : problemsOf(parsed.error, cleaned);
  if (parsed.success && role === 'bot' && !parsed.data.SLACK_APP_TOKEN && !parsed.data.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_APP_TOKEN is not set: the app manifest uses Socket Mode, which needs the app-level token (xapp-...); for the HTTP receiver set SLACK_SIGNING_SECRET instead');
  }
  if (parsed.success && role === 'intake') problems.push(...intakeProblems(parsed.data));
  let access: AccessPolicy | null = null;
  const file = parsed.success ? parsed.data.SICKBAY_ACCESS_FILE : undefined;
  if (file) {
    try {
      const result = AccessPolicySchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
      if (result.success) access = result.data;
      else problems.push(`SICKBAY_ACCESS_FILE ${file}: ${z.prettifyError(result.error).replace(/\n/g, ' ')}`);
    } catch (err) {
      problems.push(`SICKBAY_ACCESS_FILE ${file} cannot be read: ${(err as Error).message}`);
    }
  }
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return Object.freeze({ env: Object.freeze(parsed.data), access: access ? Object.freeze(access) : null });
}

/** `sickbay intake` needs a channel and at least one source; webhooks need a credential. */
function intakeProblems(env: Env): string[] {
  const problems: string[] = [];
  if (!env.SICKBAY_ALERTS_CHANNEL) problems.push('SICKBAY_ALERTS_CHANNEL is not set (the channel id where incident threads go)');
  const webhooks = Boolean(env.ALERT_WEBHOOK_TOKEN || env.ALERT_WEBHOOK_HMAC_SECRET);
  if (!env.MARATHON_URL && !env.MESOS_MASTER_URL && !webhooks) {
    problems.push('no alert source: set MARATHON_URL, MESOS_MASTER_URL, or ALERT_WEBHOOK_TOKEN / ALERT_WEBHOOK_HMAC_SECRET for the webhooks');
  }
  return problems;
}
