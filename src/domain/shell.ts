/**
 * Quotes a value for POSIX sh: single quotes, with any `'` written as `'\''`. Every value that
 * reaches a shell line (a playbook param, a path read from a host and shown in a fix) goes through it.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Words that need no quoting in sh: what a reader copies stays readable (`/var/lib/docker`, not `'/var/lib/docker'`). */
const PLAIN_WORD = /^[A-Za-z0-9._/+@:=,%^-]+$/;

/** A value as one shell word: as it is when that is safe, else single-quoted. For fix commands shown to people. */
export function shellArg(value: string): string {
  return PLAIN_WORD.test(value) && !value.startsWith('-') ? value : shellQuote(value);
}
