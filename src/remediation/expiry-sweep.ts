import type { Notifier } from '../domain/index.js';
import { resolvePolicy } from './policy.js';
import type { RemediationStack } from './remediation-stack.js';
import { requestView } from './views.js';

/** The one log call the sweep makes; pino's Logger satisfies it. */
export interface SweepLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * Expires approval requests whose time is up, every `intervalMs`, and relabels their messages so
 * that the buttons say "Expired". Returns the function that stops it.
 */
export function startExpirySweep(stack: RemediationStack, notifier: Notifier, logger: SweepLogger, intervalMs: number): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const sweep = async (): Promise<void> => {
    for (const request of await stack.service.expireDue()) {
      const where = await stack.offers.messageOf(request.id);
      if (!where) continue;
      const required = resolvePolicy(stack.policy, request.plan).approvalsRequired;
      await notifier.update(where.message, { kind: 'remediation-request', view: requestView(request, required) });
    }
  };
  const timer = setInterval(() => {
    running = running.then(sweep).catch((err: unknown) => logger.warn({ err }, 'remediation expiry sweep failed; trying again next time'));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}

