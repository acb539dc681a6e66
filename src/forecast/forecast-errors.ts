import { BotError } from '../domain/index.js';

/**
 * Capacity history that cannot be read or written as it stands: a sample out of the encodable
 * range, a stored series that is not a whole number of records, a sweep without a time.
 * Never retryable: the same input fails the same way.
 */
export class ForecastError extends BotError {
  constructor(code: string, userMessage: string, options: { cause?: unknown; detail?: string } = {}) {
    super(code, userMessage, { ...options, retryable: false });
  }
}
