import { CONTAINER_ID } from '../domain/index.js';
import { describeValue, paramInvalid, paramMissing, paramUnknown } from './playbook-errors.js';

/** `record[key]` when the record itself holds the key: never Object.prototype's `constructor` or `__proto__`. */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Built-in param types, each an anchored pattern. */
export const PARAM_TYPES = {
  /** A Docker container id, short (12) or full (64) hex. */
  container_id: CONTAINER_ID.pattern,
  /** A systemd unit or process name. */
  unit_name: /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/,
  /** A non-negative integer of at most 9 digits. */
  count: /^[0-9]{1,9}$/,
} as const satisfies Record<string, RegExp>;
export type ParamType = keyof typeof PARAM_TYPES;

/** No value longer than this is even matched against a pattern (no ReDoS, no 10 kB lines). */
export const MAX_PARAM_LENGTH = 256;

/** What every value must be, whatever its pattern: printable ASCII, not an option (`-x`). */
const BASELINE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Why a custom pattern is refused, or undefined when it is anchored and compiles. */
export function checkPattern(source: string): string | undefined {
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$') || source.length < 3) {
    return `pattern must be anchored as ^...$ (got ${JSON.stringify(source)})`;
  }
  try {
    new RegExp(source, 'u');
  } catch (err) {
    return `pattern does not compile: ${(err as Error).message}`;
  }
  return undefined;
}

/** The declared shape of a param, as checkParams needs it. */
export interface ParamDecl {
  type?: ParamType | undefined;
  pattern?: string | undefined;
  required?: boolean | undefined;
}

/**
 * Checks values from chat or alerts against the declared params: unknown names, missing required
 * ones and any value that does not match its anchored pattern(s) are refused with an InputError.
 * Returns the values to substitute. Nothing here ever reaches a shell.
 */
export function checkParams(
  declared: Readonly<Record<string, ParamDecl>>,
  given: Readonly<Record<string, string>>,
  context: string,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const decl = ownValue(declared, name);
    if (!decl) throw paramUnknown(context, name, Object.keys(declared));
    if (typeof value !== 'string' || !valueMatches(decl, value)) throw paramInvalid(context, name, describeValue(String(value)), describeDecl(decl));
    values[name] = value;
  }
  for (const [name, decl] of Object.entries(declared)) {
    if (decl.required && values[name] === undefined) throw paramMissing(context, name, describeDecl(decl));
  }
  return values;
}

function valueMatches(decl: ParamDecl, value: string): boolean {
  if (value.length > MAX_PARAM_LENGTH || !BASELINE.test(value) || value.startsWith('-')) return false;
  if (decl.type && !PARAM_TYPES[decl.type].test(value)) return false;
  // Wrapped once more so that an alternation (`^a|b$`) cannot leave one side unanchored.
  if (decl.pattern && !new RegExp(`^(?:${decl.pattern})$`, 'u').test(value)) return false;
  return true;
}

function describeDecl(decl: ParamDecl): string {
  const parts = [decl.type ? `a ${decl.type} (${PARAM_TYPES[decl.type].source})` : '', decl.pattern ? `matching ${decl.pattern}` : ''];
  return parts.filter(Boolean).join(', ');
}
