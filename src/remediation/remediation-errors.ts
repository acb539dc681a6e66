import { BotError, InputError } from '../domain/index.js';

/** A remediation plan that does not hold together (bad host, empty command list, unknown spec). */
export class RemediationPlanError extends InputError {}

/**
 * The audit log could not be written. Retryable: nothing may run while its record cannot be
 * kept, and trying again once Redis or the disk is back is the right move.
 */
export class AuditWriteError extends BotError {
  constructor(userMessage: string, options: { cause?: unknown; detail?: string } = {}) {
    super('audit_write_failed', userMessage, { ...options, retryable: true });
  }
}

/** The audit log could not be read (no Redis and no file, or a line that is not an audit event). */
export class AuditReadError extends InputError {}
