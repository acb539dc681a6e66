import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Clock } from '../domain/index.js';
import { RedisScript } from '../shared/index.js';
import { planDigest, RemediationPlanSchema, type RemediationPlan } from './plan.schema.js';

/** 16 random bytes, base64url: what a Slack button carries, and nothing else. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export const REQUEST_STATES = ['pending', 'approved', 'running', 'done', 'rejected', 'expired', 'void'] as const;
export const RequestStateSchema = z.enum(REQUEST_STATES);
export type RequestState = z.infer<typeof RequestStateSchema>;

/** How long a closed request is kept, so that a late click can be told what happened. @defaultValue 7 days */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export const ApprovalRequestSchema = z.object({
  id: z.string().regex(REQUEST_ID_PATTERN),
  plan: RemediationPlanSchema,
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  state: RequestStateSchema,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  approvals: z.array(z.object({ userId: z.string(), at: z.number().int() })),
  rejectedBy: z.string().optional(),
  /** The executor's outcome, once done (fixed, still_present, unverified, failed). */
  outcome: z.string().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** Whether a string can be a request id at all: a tampered button value fails here, before Redis. */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value);
}

export function newRequestId(): string {
  return randomBytes(16).toString('base64url');
}

// Every state change is one Lua script, so that two clicks, two approvers or a replayed job
// see one consistent order of events (as BullMQ moves jobs between states).

/*
 * approve: KEYS[1] request hash, KEYS[2] pending index.
 * ARGV: user id, now ms, current plan digest, allow self approval ('1'/'0'), approvals required, request id.
 * Returns {status, approvalCount}. status: unknown | not_pending:<state> | expired | plan_changed |
 * self_approval | duplicate | recorded | approved. `expired` and `plan_changed` are returned once,
 * on the transition; later clicks see not_pending:expired / not_pending:void.
 */
const APPROVE = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown', 0} end
local state = redis.call('HGET', KEYS[1], 'state')
local count = tonumber(redis.call('HGET', KEYS[1], 'approvalCount') or '0')
if state ~= 'pending' then return {'not_pending:' .. state, count} end
if tonumber(ARGV[2]) >= tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then
  redis.call('HSET', KEYS[1], 'state', 'expired')
  redis.call('ZREM', KEYS[2], ARGV[6])
  return {'expired', count}
end
if redis.call('HGET', KEYS[1], 'digest') ~= ARGV[3] then
  redis.call('HSET', KEYS[1], 'state', 'void')
  redis.call('ZREM', KEYS[2], ARGV[6])
  return {'plan_changed', count}
end
if ARGV[4] ~= '1' and redis.call('HGET', KEYS[1], 'requester') == ARGV[1] then return {'self_approval', count} end
if redis.call('HSETNX', KEYS[1], 'approval:' .. ARGV[1], ARGV[2]) == 0 then return {'duplicate', count} end
count = redis.call('HINCRBY', KEYS[1], 'approvalCount', 1)
if count >= tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'state', 'approved', 'approvedAt', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[6])
  return {'approved', count}
end
return {'recorded', count}
`);

/*
 * reject: KEYS[1] request hash, KEYS[2] pending index. ARGV: user id, now ms, request id.
 * Returns unknown | not_pending:<state> | expired | rejected.
 */
const REJECT = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'pending' then return 'not_pending:' .. state end
redis.call('ZREM', KEYS[2], ARGV[3])
if tonumber(ARGV[2]) >= tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then
  redis.call('HSET', KEYS[1], 'state', 'expired')
  return 'expired'
end
redis.call('HSET', KEYS[1], 'state', 'rejected', 'rejectedBy', ARGV[1], 'rejectedAt', ARGV[2])
return 'rejected'
`);

/*
 * claim: KEYS[1] request hash. ARGV: now ms, current plan digest, claim token.
 * Moves approved -> running exactly once. Returns unknown | not_claimable:<state> | expired | plan_changed | claimed.
 */
const CLAIM = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'approved' then return 'not_claimable:' .. state end
if tonumber(ARGV[1]) >= tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) then
  redis.call('HSET', KEYS[1], 'state', 'expired')
  return 'expired'
end
if redis.call('HGET', KEYS[1], 'digest') ~= ARGV[2] then
  redis.call('HSET', KEYS[1], 'state', 'void')
  return 'plan_changed'
end
redis.call('HSET', KEYS[1], 'state', 'running', 'claimedAt', ARGV[1], 'claimToken', ARGV[3])
return 'claimed'
`);

/*
 * finish: KEYS[1] request hash. ARGV: claim token, outcome, now ms, retention ms.
 * running -> done, only for the holder of the claim. Returns unknown | not_running | done.
 */
const FINISH = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
if redis.call('HGET', KEYS[1], 'state') ~= 'running' or redis.call('HGET', KEYS[1], 'claimToken') ~= ARGV[1] then
  return 'not_running'
end
redis.call('HSET', KEYS[1], 'state', 'done', 'outcome', ARGV[2], 'finishedAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 'done'
`);

/*
 * expire due: KEYS[1] pending index. ARGV: now ms, request key prefix, max ids.
 * Moves every pending request whose time is up to expired; returns their ids (each once).
 */
const EXPIRE_DUE = new RedisScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local expired = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[2] .. id
  if redis.call('HGET', key, 'state') == 'pending' then
    redis.call('HSET', key, 'state', 'expired')
    table.insert(expired, id)
  end
end
return expired
`);

export type ApproveStatus =
  | 'unknown'
  | 'not_pending'
  | 'expired'
  | 'plan_changed'
  | 'self_approval'
  | 'duplicate'
  | 'recorded'
  | 'approved';

export interface ApproveResult {
  status: ApproveStatus;
  /** The state the request was in, for not_pending. */
  state?: RequestState;
  approvals: number;
}

export type RejectStatus = 'unknown' | 'not_pending' | 'expired' | 'rejected';
export type ClaimStatus = 'unknown' | 'not_claimable' | 'expired' | 'plan_changed' | 'claimed';

export interface ApprovalStoreOptions {
  redis: Redis;
  /** Key prefix, e.g. `sickbay:remediation`; tests use a unique one each. */
  prefix: string;
  clock: Clock;
  /** @defaultValue DEFAULT_RETENTION_MS */
  retentionMs?: number;
}

function splitStatus<S extends string>(raw: string): { status: S; state?: RequestState } {
  const [status, state] = raw.split(':');
  const parsedState = RequestStateSchema.safeParse(state);
  return { status: status as S, ...(parsedState.success ? { state: parsedState.data } : {}) };
}

/** Approval requests in Redis: opaque ids, a TTL, and atomic state transitions. */
export class ApprovalStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly retentionMs: number;

  constructor(options: ApprovalStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.clock = options.clock;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  private key(id: string): string {
    return `${this.prefix}:req:${id}`;
  }

  private get pendingKey(): string {
    return `${this.prefix}:pending`;
  }

  /** Stores a new pending request and returns it. */
  async create(plan: RemediationPlan, ttlMs: number): Promise<ApprovalRequest> {
    const id = newRequestId();
    const now = this.clock.now().getTime();
    const expiresAt = now + ttlMs;
    const digest = planDigest(plan);
    await this.redis
      .multi()
      .hset(this.key(id), {
        plan: JSON.stringify(plan),
        digest,
        requester: plan.requestedBy,
        state: 'pending',
        createdAt: String(now),
        expiresAt: String(expiresAt),
        approvalCount: '0',
      })
      .pexpire(this.key(id), ttlMs + this.retentionMs)
      .zadd(this.pendingKey, expiresAt, id)
      .exec();
    return { id, plan, digest, state: 'pending', createdAt: now, expiresAt, approvals: [] };
  }

  /** The request, or null when the id is malformed, unknown or long gone. */
  async get(id: string): Promise<ApprovalRequest | null> {
    if (!isRequestId(id)) return null;
    const raw = await this.redis.hgetall(this.key(id));
    if (!raw.plan) return null;
    const approvals = Object.entries(raw)
      .filter(([field]) => field.startsWith('approval:'))
      .map(([field, at]) => ({ userId: field.slice('approval:'.length), at: Number(at) }))
      .sort((a, b) => a.at - b.at);
    return ApprovalRequestSchema.parse({
      id,
      plan: JSON.parse(raw.plan) as unknown,
      digest: raw.digest,
      state: raw.state,
      createdAt: Number(raw.createdAt),
      expiresAt: Number(raw.expiresAt),
      approvals,
      ...(raw.rejectedBy ? { rejectedBy: raw.rejectedBy } : {}),
      ...(raw.outcome ? { outcome: raw.outcome } : {}),
    });
  }

  async approve(
    id: string,
    userId: string,
    check: { currentDigest: string; allowSelfApproval: boolean; approvalsRequired: number },
  ): Promise<ApproveResult> {
    if (!isRequestId(id)) return { status: 'unknown', approvals: 0 };
    const now = this.clock.now().getTime();
    const [raw, count] = (await APPROVE.run(
      this.redis,
      [this.key(id), this.pendingKey],
      [userId, String(now), check.currentDigest, check.allowSelfApproval ? '1' : '0', String(check.approvalsRequired), id],
    )) as [string, number];
    return { ...splitStatus<ApproveStatus>(raw), approvals: count };
  }

  async reject(id: string, userId: string): Promise<{ status: RejectStatus; state?: RequestState }> {
    if (!isRequestId(id)) return { status: 'unknown' };
    const now = this.clock.now().getTime();
    const raw = (await REJECT.run(this.redis, [this.key(id), this.pendingKey], [userId, String(now), id])) as string;
    return splitStatus<RejectStatus>(raw);
  }

  /**
   * Takes an approved request for execution. Exactly one caller ever gets `claimed` for a request,
   * whatever the number of clicks, approvers or replayed jobs; it must pass `token` to finish().
   */
  async claim(id: string, currentDigest: string, token: string): Promise<{ status: ClaimStatus; state?: RequestState }> {
    if (!isRequestId(id)) return { status: 'unknown' };
    const now = this.clock.now().getTime();
    const raw = (await CLAIM.run(this.redis, [this.key(id)], [String(now), currentDigest, token])) as string;
    return splitStatus<ClaimStatus>(raw);
  }

  /** Records the outcome of a claimed request; false when the claim is not (or no longer) this token's. */
  async finish(id: string, token: string, outcome: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const raw = (await FINISH.run(this.redis, [this.key(id)], [token, outcome, String(now), String(this.retentionMs)])) as string;
    return raw === 'done';
  }

  /** Expires every pending request whose time is up; returns their ids, each exactly once. */
  async expireDue(limit = 100): Promise<string[]> {
    const now = this.clock.now().getTime();
    return (await EXPIRE_DUE.run(this.redis, [this.pendingKey], [String(now), `${this.prefix}:req:`, String(limit)])) as string[];
  }
}
