import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import { ConfigError, PLAYBOOKS_DIR, type Env } from '../config/index.js';
import { staticGroupResolver, systemClock, type Clock, type GroupResolver } from '../domain/index.js';
import { loadPlaybooks } from '../playbooks/index.js';
import type { Redactor } from '../redaction/index.js';
import { ApprovalStore } from './approval-store.js';
import { AuditLog, auditStreamKey } from './audit.js';
import { OfferStore, RemediationDesk } from './offers.js';
import { PlaybookPlanSource } from './plan-from-playbook.js';
import { parsePolicyConfig, type PolicyConfig } from './policy.js';
import { RemediationService } from './remediation-service.js';

/** How long the playbooks read for offers are reused. */
const OFFER_PLAYBOOKS_TTL_MS = 5_000;

/** `load`, called again only when its last answer is older than `ttlMs` (a failed read is not kept). */
function readAtMostEvery<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > ttlMs) {
      const value = load();
      last = { at: now, value };
      value.catch(() => {
        last = undefined;
      });
    }
    return last.value;
  };
}

export interface RemediationStack {
  service: RemediationService;
  desk: RemediationDesk;
  offers: OfferStore;
  audit: AuditLog;
  policy: PolicyConfig;
  close(): Promise<void>;
}

/** Reads SICKBAY_REMEDIATION_POLICY_FILE; unset means the default policy, under which nobody may approve. */
export function loadRemediationPolicy(file: string | undefined): PolicyConfig {
  if (!file) return parsePolicyConfig({});
  try {
    return parsePolicyConfig(parseYaml(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new ConfigError([`SICKBAY_REMEDIATION_POLICY_FILE ${file}: ${(err as Error).message.replace(/\n/g, ' ')}`], { cause: err });
  }
}

/** The remediation parts both the bot and the worker build, on one Redis connection and the queue prefix. */
export function createRemediationStack(options: {
  env: Readonly<Env>;
  redis: Redis;
  /** Redacts audit events (command lines, evidence from hosts); the process's own, which knows its secret values. */
  redactor: Pick<Redactor, 'deep'>;
  clock?: Clock;
  groups?: GroupResolver;
  policy?: PolicyConfig;
}): RemediationStack {
  const { env, redis } = options;
  const clock = options.clock ?? systemClock;
  const prefix = `${env.QUEUE_PREFIX}:remediation`;
  const playbooksDir = env.SICKBAY_PLAYBOOKS_DIR ?? PLAYBOOKS_DIR;
  const playbooks = () => loadPlaybooks(playbooksDir);
  const policy = options.policy ?? loadRemediationPolicy(env.SICKBAY_REMEDIATION_POLICY_FILE);
  const audit = new AuditLog({ redis, streamKey: auditStreamKey(env.QUEUE_PREFIX), filePath: env.SICKBAY_AUDIT_FILE, clock, redactor: options.redactor });
  const service = new RemediationService({
    store: new ApprovalStore({ redis, prefix, clock }),
    audit,
    policy,
    groups: options.groups ?? staticGroupResolver({}),
    plans: new PlaybookPlanSource(playbooks),
    clock,
  });
  const offers = new OfferStore({ redis, prefix, now: () => clock.now().getTime() });
  // Offers are made for every finding of every diagnosis: read the playbooks at most every few
  // seconds for them. Approval and execution still re-render from the files as they are then
  // (PlaybookPlanSource above), so an edit made meanwhile voids the approval all the same.
  const desk = new RemediationDesk({ offers, service, audit, playbooks: readAtMostEvery(OFFER_PLAYBOOKS_TTL_MS, playbooks) });
  return { service, desk, offers, audit, policy, close: () => audit.close() };
}

