import { BotError } from '../domain/index.js';

/** Redis cannot be reached: nothing can be queued until it is back. Retryable. */
export class QueueDownError extends BotError {
  constructor(cause?: unknown) {
    super('queue_down', 'The job queue (Redis) is down, so nothing can be diagnosed right now. sickbay reconnects by itself; try again in a minute.', {
      cause,
      retryable: true,
    });
  }
}

/** Job data in Redis that does not match its schema (a job from another version, or tampered with). */
export class BadJobDataError extends BotError {
  constructor(detail: string) {
    super('job_data_invalid', 'This job\'s data is not valid, so it was dropped.', { detail, retryable: false });
  }
}
