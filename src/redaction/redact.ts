/**
 * The one place where secrets are taken out of text before it leaves a worker: Slack messages,
 * uploaded files, job data and return values in Redis, the audit log, logs. Pure: the environment
 * to look for comes in as an argument.
 *
 * What is recognised, and what is deliberately left alone, is in docs/redaction.md; the corpus
 * under test/fixtures/secrets/ holds an example of each.
 */
import { isSecretName, isSecretValue, classifyName, REDACTED } from './names.js';
import { escapeRegExp } from '../domain/text.js';
import { applySpans, findSecrets } from './scan.js';

export { REDACTED, isSecretName };

/** Values shorter than this are not hunted for literally: "1" or "yes" would blank half a log. */
const MIN_LITERAL_LENGTH = 6;

/** Whether `value` under `name` is a secret by the same rules as in text: `PWD=/home/x` and `KEY_FILE=/x.pem` are not. */
function isSecretEntry(name: string, value: string): boolean {
  const kind = isSecretName(name) ? classifyName(name) : undefined;
  return kind !== undefined && isSecretValue(kind, value);
}

/** Secret values from an environment (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `API_KEY`, ...), to hunt for literally. */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length >= MIN_LITERAL_LENGTH && isSecretEntry(entry[0], entry[1]))
    .map(([, value]) => value)
    .sort((a, b) => b.length - a.length);
}

export interface Redactor {
  /** Text with every secret replaced by `[REDACTED]`. */
  text(input: string): string;
  /** A deep copy of plain data (JSON-like) with every string redacted; keys that name secrets lose their values. */
  deep<T>(value: T): T;
}

/** Text with the secrets the scanner recognises replaced; no environment values. */
function redactPatterns(input: string): string {
  return applySpans(input, findSecrets(input));
}

/** Builds a redactor that also hunts for the literal secret values of `env` (the worker's own environment). */
export function createRedactor(env: Readonly<Record<string, string | undefined>> = {}): Redactor {
  // Each value also as it reads inside a JSON string (a quote or backslash in it is escaped there).
  const literals = [...new Set(secretValuesOf(env).flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]))].sort((a, b) => b.length - a.length);
  const literalRe = literals.length ? new RegExp(literals.map(escapeRegExp).join('|'), 'g') : undefined;

  // Literal values first: a pattern that hid only part of one would leave the rest to be found by nobody.
  const text = (input: string): string => redactPatterns(literalRe ? input.replace(literalRe, REDACTED) : input);

  const deep = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T;
    if (value instanceof Error) return { name: value.name, message: text(value.message), stack: value.stack ? text(value.stack) : undefined } as T;
    if (Array.isArray(value)) return value.map((v: unknown) => deep(v)) as T;
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        out[key] = typeof v === 'string' && isSecretEntry(key, v) ? REDACTED : deep(v);
      }
      return out as T;
    }
    return value;
  };

  return { text, deep };
}

const defaultRedactor = createRedactor();

/** Redacts with patterns only (no environment values). */
export function redact(input: string): string {
  return defaultRedactor.text(input);
}
