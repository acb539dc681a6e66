import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isBotError, printable } from '../domain/index.js';

/**
 * The one place that decides what an error shows in the channel: a BotError's userMessage, or
 * "internal error, ref <id>" with the full error in the log under that ref.
 */
export function userTextForError(err: unknown, logger: Logger, context: Record<string, unknown> = {}): string {
  if (isBotError(err)) {
    logger.info({ ...context, code: err.code }, err.message);
    return printable(err.userMessage, { newlines: true });
  }
  const ref = randomUUID().slice(0, 8);
  logger.error({ ...context, ref, err }, 'internal error while handling a Slack request');
  return `Something went wrong on sickbay's side (internal error, ref \`${ref}\`). The details are in its log.`;
}
