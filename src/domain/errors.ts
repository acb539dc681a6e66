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

/** A message fit to show a user for any thrown value; internal details stay in the logs. */
export function userMessageOf(err: unknown, ref?: string): string {
  if (err instanceof BotError) return err.userMessage;
  return ref ? `internal error, ref ${ref}` : 'internal error';
}
