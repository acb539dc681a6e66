import { BotError, InputError } from '../domain/index.js';

/** A payload from Marathon, Mesos or an alert manager that is not what sickbay accepts. */
export class AlertPayloadError extends InputError {
  constructor(userMessage: string, options: { cause?: unknown; detail?: string } = {}) {
    super('alert_payload_invalid', userMessage, options);
  }
}

/** A webhook call without a valid shared secret or HMAC signature. */
export class AlertAuthError extends InputError {
  constructor(userMessage: string) {
    super('alert_auth_failed', userMessage);
  }
}

/** A webhook body larger than the configured limit. */
export class AlertBodyTooLargeError extends InputError {
  constructor(limitBytes: number) {
    super('alert_body_too_large', `alert body is larger than ${limitBytes} bytes; send fewer alerts per call`);
  }
}

/** The Marathon event stream or the Mesos master could not be read; trying again can help. */
export class AlertSourceError extends BotError {
  constructor(userMessage: string, options: { cause?: unknown; detail?: string } = {}) {
    super('alert_source_unavailable', userMessage, { ...options, retryable: true });
  }
}

/**
 * The Marathon event stream misbehaved: an event or line past the size cap, or no bytes at all
 * (not even a heartbeat) for the idle timeout. The connection is dropped and made again with backoff.
 */
export class AlertStreamError extends BotError {
  constructor(code: 'alert_stream_event_too_large' | 'alert_stream_idle', userMessage: string) {
    super(code, userMessage, { retryable: true });
  }
}
