/**
 * The one place where secrets are taken out of text before it leaves a worker: Slack messages,
 * uploaded files, job data and return values in Redis, logs. Pure: the environment to look for
 * comes in as an argument.
 */

/** Variable names that mark a value as secret: `DB_PASSWORD`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `API_KEY`. */
export const SECRET_NAME_PATTERN = /PASSWORD|PASSWD|TOKEN|SECRET|KEY|CREDENTIAL/i;

export const REDACTED = '[REDACTED]';

/** Values shorter than this are not hunted for literally: "1" or "yes" would blank half a log. */
const MIN_LITERAL_LENGTH = 6;

const PATTERNS: readonly { re: RegExp; replace: string | ((...m: string[]) => string) }[] = [
  // PEM private keys (RSA, EC, OPENSSH, ENCRYPTED ...), whole block; also a block cut short by a cap.
  {
    re: /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    replace: `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`,
  },
  // Slack tokens: bot, user, app-level, config, refresh.
  { re: /\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{8,}/g, replace: REDACTED },
  // AWS access key ids.
  { re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, replace: REDACTED },
  // URLs with credentials: keep scheme, user and host, drop the password.
  { re: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"'`]+):([^\s@/"'`]+)@/gi, replace: (_m, scheme, user) => `${scheme}${user}:${REDACTED}@` },
  // NAME=value and "NAME": "value" where NAME marks a secret (env dumps, docker inspect, compose files).
  {
    re: /\b([A-Za-z_][A-Za-z0-9_.-]*)(=|"\s*:\s*"|:\s+)([^\s"',}\\]+)/g,
    replace: (m, name, sep, value) => (SECRET_NAME_PATTERN.test(name) && value !== REDACTED ? `${name}${sep}${REDACTED}` : m),
  },
  // Bare AWS secret access keys after a label that the rule above did not catch (aws_secret_access_key = x).
  { re: /(aws_secret_access_key\s*=\s*)[A-Za-z0-9/+=]{40}/gi, replace: `$1${REDACTED}` },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Secret values from an environment (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `*KEY*`), to hunt for literally. */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME_PATTERN.test(name) && typeof value === 'string' && value.length >= MIN_LITERAL_LENGTH)
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
}

export interface Redactor {
  /** Text with every secret replaced by `[REDACTED]`. */
  text(input: string): string;
  /** A deep copy of plain data (JSON-like) with every string redacted; keys that name secrets lose their values. */
  deep<T>(value: T): T;
}

/** Builds a redactor that also hunts for the literal secret values of `env` (the worker's own environment). */
export function createRedactor(env: Readonly<Record<string, string | undefined>> = {}): Redactor {
  const literals = secretValuesOf(env);
  const literalRe = literals.length ? new RegExp(literals.map(escapeRegExp).join('|'), 'g') : undefined;

  const text = (input: string): string => {
    let out = input;
    for (const { re, replace } of PATTERNS) {
      out = typeof replace === 'string' ? out.replace(re, replace) : out.replace(re, replace as (...m: string[]) => string);
    }
    return literalRe ? out.replace(literalRe, REDACTED) : out;
  };

  const deep = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T;
    if (value instanceof Error) return { name: value.name, message: text(value.message), stack: value.stack ? text(value.stack) : undefined } as T;
    if (Array.isArray(value)) return value.map((v: unknown) => deep(v)) as T;
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        out[key] = typeof v === 'string' && SECRET_NAME_PATTERN.test(key) && v !== '' ? REDACTED : deep(v);
      }
      return out as T;
    }
    return value;
  };

  return { text, deep };
}

/** Redacts with patterns only (no environment values). */
export function redact(input: string): string {
  return defaultRedactor.text(input);
}

const defaultRedactor = createRedactor();
