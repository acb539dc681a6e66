import { randomUUID } from 'node:crypto';

/**
 * The base of every error sickbay shows to a person. `code` is stable (snake_case, listed in
 * docs/errors.md), `userMessage` is written for a tired on-call engineer, and `retryable` tells
 * the queue whether trying again can help.
 */
export class BotError extends Error {
  readonly code: string;
  readonly userMessage: string;
  readonly retryable: boolean;

  constructor(code: string, userMessage: string, options: { cause?: unknown; retryable?: boolean; detail?: string } = {}) {
    super(options.detail ? `${userMessage} (${options.detail})` : userMessage, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.userMessage = userMessage;
    this.retryable = options.retryable ?? false;
  }
}

/** Bad input from a person or a file: what was wrong, what was expected. Never retryable. */
export class InputError extends BotError {
  constructor(code: string, userMessage: string, options: { cause?: unknown; detail?: string } = {}) {
    super(code, userMessage, { ...options, retryable: false });
  }
}

/** A bundle directory that cannot be read as one (missing, unreadable, malformed meta.json). */
export class BundleError extends InputError {}

export function isBotError(err: unknown): err is BotError {
  return err instanceof BotError;
}

/**
 * What a person is told about a failure, as data: a BotError's code and userMessage, or, for
 * anything else, a short reference under which the whole error is in the log.
 */
export type ErrorReport = { code: string; userMessage: string } | { code: 'internal_error'; ref: string };

/** The log calls presentError makes; pino's Logger satisfies it. */
export interface ErrorLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** PURE but for the random reference: the report of an error, before anything is logged. */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof BotError) return { code: err.code, userMessage: err.userMessage };
  return { code: 'internal_error', ref: randomUUID().slice(0, 8) };
}

/**
 * The one place that decides what a person learns of an error, for every process: a BotError's
 * userMessage (logged with its code: at info, or at warn when trying again may help), or
 * "internal error, ref <ref>" with the whole error logged at error level under that ref, so that
 * the ref in the channel finds the log line.
 */
export function presentError(err: unknown, log: ErrorLog, context: Record<string, unknown> = {}, what = 'internal error'): ErrorReport {
  const report = describeError(err);
  if ('ref' in report) log.error({ ...context, ref: report.ref, err }, what);
  else log[(err as BotError).retryable ? 'warn' : 'info']({ ...context, code: report.code }, (err as Error).message);
  return report;
}

/** The words of a report, the same in Slack, the terminal and a job's failure reason. */
export function errorText(report: ErrorReport): string {
  if ('ref' in report) return `Something went wrong on sickbay's side (internal error, ref ${report.ref}). The details are in its log.`;
  return report.userMessage;
}
