import { BotError } from '../domain/index.js';

/** The lab could not start or replay a bundle: a bad bundle directory, no free port, a missing tool. */
export class LabError extends BotError {
  constructor(code: string, userMessage: string, cause?: unknown) {
    super(code, userMessage, { cause, retryable: false });
  }
}
