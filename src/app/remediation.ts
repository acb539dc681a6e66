import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { App } from '@slack/bolt';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type Env } from '../config/index.js';
import { systemClock, type Clock, type CommandRunner, type HostDirectory, type HostRef, type Notifier } from '../domain/index.js';
import { loadPlaybooks } from '../playbooks/index.js';
import { sshConnector } from './host-access.js';
import { createRemediateProcessor, RemediateQueue, startRemediateWorker, type RedactPort } from '../queue/index.js';
import { createSlackNotifier, groupsInRemediationPolicy, registerRemediationActions, slackGroupResolver } from '../slack/index.js';
import {
  ApprovalStore,
  AuditLog,
  OfferStore,
  parsePolicyConfig,
  PlaybookPlanSource,
  RemediationDesk,
  RemediationService,
  requestView,
  resolvePolicy,
  staticGroupResolver,
  type GroupResolver,
  type PolicyConfig,
  auditStreamKey,
} from '../remediation/index.js';

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

/** The shipped playbooks, from dist/ or src/ alike. */
const SHIPPED_PLAYBOOKS = fileURLToPath(new URL('../../playbooks/', import.meta.url));

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
  redactor: RedactPort;
  clock?: Clock;
  groups?: GroupResolver;
  policy?: PolicyConfig;
}): RemediationStack {
  const { env, redis } = options;
  const clock = options.clock ?? systemClock;
  const prefix = `${env.QUEUE_PREFIX}:remediation`;
  const playbooksDir = env.SICKBAY_PLAYBOOKS_DIR ?? SHIPPED_PLAYBOOKS;
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

/**
 * Expires approval requests whose time is up, every `intervalMs`, and relabels their messages so
 * that the buttons say "Expired". Returns the function that stops it.
 */
export function startExpirySweep(stack: RemediationStack, notifier: Notifier, logger: Logger, intervalMs: number): () => Promise<void> {
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

/** The bot's share: the button listeners, the `remediate` producer and the expiry sweep. */
export function startBotRemediation(
  app: App,
  options: { env: Readonly<Env>; redis: Redis; logger: Logger; directory: HostDirectory; redactor: RedactPort; clock?: Clock; notifier?: Notifier },
): { stack: RemediationStack; stop(): Promise<void> } {
  const policy = loadRemediationPolicy(options.env.SICKBAY_REMEDIATION_POLICY_FILE);
  const stack = createRemediationStack({
    env: options.env,
    redis: options.redis,
    redactor: options.redactor,
    policy,
    groups: slackGroupResolver(app.client, groupsInRemediationPolicy(policy)),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const notifier = options.notifier ?? createSlackNotifier(app.client, { logger: options.logger });
  const queue = new RemediateQueue({ connection: options.redis, prefix: options.env.QUEUE_PREFIX });
  const zoneOf = (host: string) => options.directory.list().find((h) => h.name === host)?.zone;
  registerRemediationActions(app, { desk: stack.desk, service: stack.service, messages: stack.offers, policy, queue, zoneOf, notifier, logger: options.logger });
  const stopSweep = startExpirySweep(stack, notifier, options.logger, options.env.SICKBAY_REMEDIATION_SWEEP_MS);
  return {
    stack,
    async stop() {
      await stopSweep();
      await queue.close();
      await stack.close();
    },
  };
}

export interface WorkerRemediationOptions {
  /** Hosts a fix may run on. @defaultValue the worker's own directory */
  directory?: HostDirectory;
  /** Opens a runner on a host. @defaultValue an SSH runner on the host's inventory target (host keys verified) */
  connect?: (host: HostRef) => Promise<CommandRunner>;
  /** Run fixes through sudo -n. @defaultValue true */
  sudo?: boolean;
}

/** The worker's share: the offers under findings and the `remediate` worker. */
export function startWorkerRemediation(
  options: WorkerRemediationOptions & {
    env: Readonly<Env>;
    connection: Redis;
    /** The zone this worker serves: it takes the fixes of that zone's hosts. */
    zone: string;
    directory: HostDirectory;
    notifier: Notifier;
    redactor: RedactPort;
    logger: Logger;
    clock?: Clock;
  },
): { desk: RemediationDesk; worker: Worker; stop(): Promise<void> } {
  const stack = createRemediationStack({
    env: options.env,
    redis: options.connection,
    redactor: options.redactor,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const connectHost = sshConnector(options.env);
  const worker = startRemediateWorker(
    { connection: options.connection, prefix: options.env.QUEUE_PREFIX, zone: options.zone, name: `sickbay-remediate-${process.pid}` },
    createRemediateProcessor({
      service: stack.service,
      directory: options.directory,
      connect: options.connect ?? ((host) => connectHost(host.ssh)),
      notifier: options.notifier,
      redactor: options.redactor,
      logger: options.logger,
      ...(options.sudo !== undefined ? { sudo: options.sudo } : {}),
    }),
  );
  worker.on('error', (err) => options.logger.warn({ err }, 'remediate worker error'));
  return {
    desk: stack.desk,
    worker,
    async stop() {
      await worker.close();
      await stack.close();
    },
  };
}
