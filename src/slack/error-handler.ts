import type { Logger } from 'pino';
import { errorText, presentError, printable } from '../domain/index.js';

/**
 * What an error shows in the channel when a Slack request fails: presentError's words (domain/errors.ts),
 * logged under a reference when it is not a BotError. Every listener answers errors through this.
 */
export function userTextForError(err: unknown, logger: Logger, context: Record<string, unknown> = {}): string {
  return printable(errorText(presentError(err, logger, context, 'internal error while handling a Slack request')), { newlines: true });
}
