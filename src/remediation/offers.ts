import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FindingCodeSchema, HostNameSchema, type Finding, type MessageRef, type RemediationOfferView } from '../domain/index.js';
import { describeValue, findPlaybook, MAX_PARAM_LENGTH, ParamError, PlaybookNotFoundError, type LoadedPlaybooks } from '../playbooks/index.js';
import { isRequestId, newRequestId, REQUEST_ID_PATTERN } from './approval-store.js';
import { sameSubject } from './executor.js';
import type { AuditLog } from './audit.js';
import { planFromPlaybook, remediationsFor } from './plan-from-playbook.js';
import type { RemediationPlan } from './plan.schema.js';
import { refuse, type Decision } from './policy.js';
import { RemediationPlanError } from './remediation-errors.js';
import type { RemediationService, RequestOutcome } from './remediation-service.js';

/** How long a remediation button under a finding keeps working. @defaultValue 24 hours */
export const DEFAULT_OFFER_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * What a remediation button stands for, kept in Redis: the button itself carries only `id`. The
 * params are those the finding implied; they are checked against the playbook's patterns again on
 * every click, so an offer can never carry anything to a shell line that the playbook refuses.
 */
export const OfferSchema = z.object({
  id: z.string().regex(REQUEST_ID_PATTERN),
  host: HostNameSchema,
  playbook: z.string().min(1).max(64),
  remediation: z.string().min(1).max(64),
  params: z.record(z.string(), z.string().max(MAX_PARAM_LENGTH)),
  finding: FindingCodeSchema,
  createdAt: z.number().int(),
});
export type Offer = z.infer<typeof OfferSchema>;

export interface OfferStoreOptions {
  redis: Redis;
  /** Key prefix, e.g. `sickbay:remediation`. */
  prefix: string;
  /** @defaultValue DEFAULT_OFFER_TTL_MS */
  ttlMs?: number;
  now?: () => number;
}

/** Offers and approval-message locations in Redis, each under an opaque random id with a TTL. */
export class OfferStore {
  constructor(private readonly options: OfferStoreOptions) {}

  private key(kind: 'offer' | 'msg', id: string): string {
    return `${this.options.prefix}:${kind}:${id}`;
  }

  async create(input: Omit<Offer, 'id' | 'createdAt'>): Promise<Offer> {
    const offer = OfferSchema.parse({ ...input, id: newRequestId(), createdAt: (this.options.now ?? Date.now)() });
    await this.options.redis.set(this.key('offer', offer.id), JSON.stringify(offer), 'PX', this.options.ttlMs ?? DEFAULT_OFFER_TTL_MS);
    return offer;
  }

  /** The offer, or null when the id is malformed, unknown or expired. */
  async get(id: string): Promise<Offer | null> {
    if (!isRequestId(id)) return null;
    const raw = await this.options.redis.get(this.key('offer', id));
    if (raw === null) return null;
    const parsed = OfferSchema.safeParse(JSON.parse(raw) as unknown);
    return parsed.success ? parsed.data : null;
  }

  /** Where a request's approval message is, so that a sweep or a worker can update it later. */
  async rememberMessage(requestId: string, ref: { message: MessageRef; thread: MessageRef }, ttlMs: number): Promise<void> {
    await this.options.redis.set(this.key('msg', requestId), JSON.stringify(ref), 'PX', ttlMs);
  }

  async messageOf(requestId: string): Promise<{ message: MessageRef; thread: MessageRef } | null> {
    if (!isRequestId(requestId)) return null;
    const raw = await this.options.redis.get(this.key('msg', requestId));
    return raw === null ? null : (JSON.parse(raw) as { message: MessageRef; thread: MessageRef });
  }
}

export interface RemediationDeskDeps {
  offers: OfferStore;
  service: RemediationService;
  audit: AuditLog;
  /** The playbooks as they are now: read again for every offer and click. */
  playbooks: () => Promise<LoadedPlaybooks>;
}

export interface OfferRequestOutcome extends RequestOutcome {
  offer?: Offer;
}

/**
 * Between the buttons and the service: makes the offers shown under a finding, and turns a click on
 * one into an approval request, re-rendering the plan from the playbook as it is now.
 */
export class RemediationDesk {
  constructor(private readonly deps: RemediationDeskDeps) {}

  /**
   * One offer per remediation that answers the finding and renders with the params it implies.
   * `containers` (an alert's failed task): a fix that acts on a container is offered only for these.
   */
  async offersFor(host: string, finding: Finding, scope: { containers?: readonly string[] } = {}): Promise<RemediationOfferView[]> {
    const playbooks = await this.deps.playbooks();
    const views: RemediationOfferView[] = [];
    for (const candidate of remediationsFor(finding, playbooks)) {
      if (candidate.container !== undefined && scope.containers && !scope.containers.some((id) => sameSubject(id, candidate.container as string))) continue;
      let plan: RemediationPlan;
      try {
        const playbook = findPlaybook(playbooks, candidate.playbook);
        plan = planFromPlaybook(playbook, candidate.remediation.id, { host, params: candidate.params, requestedBy: 'offer', finding });
      } catch (err) {
        if (err instanceof ParamError || err instanceof RemediationPlanError) continue;
        throw err;
      }
      const offer = await this.deps.offers.create({ host, playbook: candidate.playbook, remediation: plan.id, params: candidate.params, finding: finding.code });
      views.push({ offerId: offer.id, title: plan.title, host, risk: plan.risk, commands: plan.commands });
    }
    return views;
  }

  /** A click on an offer button by `userId`: checked, rendered afresh, then requested (policy applies). */
  async request(offerId: string, userId: string): Promise<OfferRequestOutcome> {
    const offer = await this.deps.offers.get(offerId);
    if (!offer) {
      return this.refused(
        refuse('unknown_request', 'This button does not point at a remediation I offered: it is malformed, tampered with, or older than a day. Diagnose the host again.'),
        { actor: userId },
      );
    }
    const where = { actor: userId, remediation: offer.remediation, host: offer.host };
    let plan: RemediationPlan;
    try {
      const playbook = findPlaybook(await this.deps.playbooks(), offer.playbook);
      plan = planFromPlaybook(playbook, offer.remediation, { host: offer.host, params: offer.params, requestedBy: userId });
    } catch (err) {
      if (err instanceof ParamError) {
        return this.refused(refuse('param_invalid', `Refused before anything ran on ${offer.host}: ${err.userMessage}`), where, offer);
      }
      if (err instanceof RemediationPlanError || err instanceof PlaybookNotFoundError) {
        return this.refused(
          refuse('remediation_unavailable', `"${offer.remediation}" can no longer be offered for ${offer.host}: ${err.userMessage}`),
          where,
          offer,
        );
      }
      throw err;
    }
    if (!plan.answers.includes(offer.finding)) {
      const reason = `"${plan.title}" no longer answers ${offer.finding} in playbook ${describeValue(offer.playbook)}; diagnose the host again.`;
      return this.refused(refuse('remediation_unavailable', reason), where, offer);
    }
    return { ...(await this.deps.service.request(plan)), offer };
  }

  private async refused(decision: Decision, where: { actor: string; remediation?: string; host?: string }, offer?: Offer): Promise<OfferRequestOutcome> {
    if (!decision.allowed) await this.deps.audit.append({ event: 'refused', action: 'request', code: decision.code, reason: decision.reason, ...where });
    return { decision, ...(offer ? { offer } : {}) };
  }
}
