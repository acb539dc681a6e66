/**
 * node:http request handler for alert managers: `POST /alerts/alertmanager` (Prometheus Alertmanager
 * webhook v4) and `POST /alerts/failed-task` (the small JSON form in docs/alerts.md). Authenticated by a
 * bearer shared secret or an HMAC-SHA256 signature of a timestamp and the body
 * (`X-Sickbay-Timestamp: <unix s>`, `X-Sickbay-Signature: sha256=<hex of HMAC(secret, "<timestamp>.<body>")>`),
 * compared in constant time; an old timestamp or a signature seen before is refused. Malformed bodies
 * get a 400 with the reason; only an intake that cannot store (Redis) answers 5xx, so that Alertmanager
 * retries exactly what can succeed later. Nothing here throws.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../domain/index.js';
import { AlertAuthError, AlertBodyTooLargeError, AlertPayloadError } from './alerts-errors.js';
import type { IntakeSummary } from './intake.js';
import type { Redis } from 'ioredis';
import { DEFAULT_ALERT_LABELS, fromAlertmanager, fromSimpleWebhook, type AlertLabelNames, type NormalisedBatch } from './normalise.js';
import { silentLogger, type AlertLogger } from './ports.js';

export const SIGNATURE_HEADER = 'x-sickbay-signature';
export const TIMESTAMP_HEADER = 'x-sickbay-timestamp';
/** How far a signed timestamp may be from the intake's clock, either way. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 300_000;
/** Deeper JSON is refused before parsing: an Alertmanager payload is 4 levels deep. */
export const MAX_JSON_DEPTH = 32;

export interface WebhookAuth {
  /** Accepted as `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Key for `X-Sickbay-Signature: sha256=<hex of HMAC-SHA256(key, "<X-Sickbay-Timestamp>.<body>")>`. */
  hmacSecret?: string;
}

/** Remembers signatures already accepted, so that a captured request cannot be sent again. */
export interface ReplayGuard {
  /** True the first time a signature is seen within `ttlMs`, false after. */
  firstUse(signature: string, ttlMs: number): Promise<boolean>;
}

/** A ReplayGuard in Redis (SET NX PX), shared by every intake process behind one address. */
export function createRedisReplayGuard(redis: Redis, prefix: string): ReplayGuard {
  return {
    async firstUse(signature, ttlMs) {
      return (await redis.set(`${prefix}:signature:${signature}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
  };
}

/**
 * PURE: whether JSON text nests arrays and objects deeper than `max`, by one scan of the bytes
 * (strings skipped), before anything recursive (the parser, the schema, error messages) sees it.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return false;
}

export interface WebhookDeps {
  auth: WebhookAuth;
  /** @defaultValue 1048576 (1 MiB) */
  maxBodyBytes?: number;
  clock: Clock;
  /** Handles the tasks of one call (the intake's `acceptBatch`). */
  onBatch(batch: NormalisedBatch): Promise<IntakeSummary>;
  /** Which Alertmanager labels name the host, container, task and app. @defaultValue DEFAULT_ALERT_LABELS */
  alertLabels?: AlertLabelNames;
  /** Required with an HMAC secret: where accepted signatures are remembered. */
  replayGuard?: ReplayGuard;
  /** @defaultValue DEFAULT_SIGNATURE_TOLERANCE_MS */
  signatureToleranceMs?: number;
  logger?: AlertLogger;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

type Route = (payload: unknown, now: Date) => NormalisedBatch;

function routes(labels: AlertLabelNames): Readonly<Record<string, Route>> {
  return {
    '/alerts/alertmanager': (payload) => fromAlertmanager(payload, labels),
    '/alerts/failed-task': fromSimpleWebhook,
  };
}

function sameSecret(given: string, expected: string): boolean {
  // hash first so that the comparison takes the same time whatever the lengths
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** What a signed call must carry and what is checked, for the messages and docs/alerts.md. */
const SIGNATURE_FORMAT = `${TIMESTAMP_HEADER}: <unix seconds>, ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`;

export interface SignatureCheck {
  secret: string;
  now: Date;
  toleranceMs: number;
  replay: ReplayGuard;
}

/**
 * Throws AlertAuthError unless the call carries the bearer token, or a signature of a fresh timestamp
 * and the body that was not used before.
 */
export async function checkWebhookAuth(
  auth: WebhookAuth,
  headers: IncomingMessage['headers'],
  body: Buffer,
  signed?: Omit<SignatureCheck, 'secret'>,
): Promise<void> {
  const authorization = headers.authorization;
  if (auth.bearerToken && typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
    if (sameSecret(authorization.slice('Bearer '.length), auth.bearerToken)) return;
    throw new AlertAuthError('the bearer token is not the configured alert webhook secret');
  }
  const signature = headers[SIGNATURE_HEADER];
  if (auth.hmacSecret && signed && typeof signature === 'string') {
    const timestamp = headers[TIMESTAMP_HEADER];
    if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) {
      throw new AlertAuthError(`a signed call needs ${TIMESTAMP_HEADER} (unix seconds), signed with the body: ${SIGNATURE_FORMAT}`);
    }
    const expected = `sha256=${createHmac('sha256', auth.hmacSecret).update(`${timestamp}.`).update(body).digest('hex')}`;
    if (!sameSecret(signature, expected)) throw new AlertAuthError(`the ${SIGNATURE_HEADER} header does not match the timestamp and body (expected ${SIGNATURE_FORMAT})`);
    const skewMs = Math.abs(signed.now.getTime() - Number(timestamp) * 1000);
    if (skewMs > signed.toleranceMs) {
      throw new AlertAuthError(`the signed timestamp is ${Math.round(skewMs / 1000)} s away from this intake's clock (at most ${signed.toleranceMs / 1000} s); sign each call when it is sent`);
    }
    // Remembered for as long as its timestamp would be accepted: a replay later than that is too old anyway.
    if (!(await signed.replay.firstUse(expected.slice('sha256='.length), 2 * signed.toleranceMs))) {
      throw new AlertAuthError('this signature was already used: a signed call is accepted once');
    }
    return;
  }
  throw new AlertAuthError(`send "Authorization: Bearer <secret>" or a signature (${SIGNATURE_FORMAT})`);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new AlertBodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new AlertBodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, close = false): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (close) headers['Connection'] = 'close';
  res.writeHead(status, headers).end(`${JSON.stringify(body)}\n`);
}

function statusOf(err: unknown): number {
  if (err instanceof AlertAuthError) return 401;
  if (err instanceof AlertBodyTooLargeError) return 413;
  if (err instanceof AlertPayloadError) return 400;
  return 503;
}

export function createWebhookHandler(deps: WebhookDeps): WebhookHandler {
  if (!deps.auth.bearerToken && !deps.auth.hmacSecret) {
    throw new AlertAuthError('the alert webhook needs a bearer token or an HMAC secret; refusing to accept alerts unauthenticated');
  }
  const replay = deps.replayGuard;
  if (deps.auth.hmacSecret && !replay) {
    throw new AlertAuthError('an HMAC-signed alert webhook needs a replay guard (where used signatures are remembered)');
  }
  const logger = deps.logger ?? silentLogger;
  const limit = deps.maxBodyBytes ?? 1024 * 1024;
  const toleranceMs = deps.signatureToleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  const table = routes(deps.alertLabels ?? DEFAULT_ALERT_LABELS);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const normalise = table[path];
    if (!normalise) return send(res, 404, { error: `no alert endpoint at ${path}; use ${Object.keys(table).join(' or ')}` });
    if (req.method !== 'POST') return send(res, 405, { error: `${req.method ?? '?'} is not allowed; POST the alert as JSON` });
    const body = await readBody(req, limit);
    await checkWebhookAuth(deps.auth, req.headers, body, replay ? { now: deps.clock.now(), toleranceMs, replay } : undefined);
    const text = body.toString('utf8');
    if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
      throw new AlertPayloadError(`the alert body nests JSON deeper than ${MAX_JSON_DEPTH} levels; an alert is a few levels deep`);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (cause) {
      throw new AlertPayloadError('the alert body is not JSON', { cause, detail: body.toString('utf8', 0, 60) });
    }
    const batch = normalise(payload, deps.clock.now());
    if (batch.tasks.length === 0 && batch.refused.length > 0) {
      logger.warn({ path, refused: batch.refused }, 'alert webhook refused');
      return send(res, 400, { error: 'no failed task in this alert was accepted', refused: batch.refused });
    }
    const summary = await deps.onBatch(batch);
    send(res, 202, { ...summary });
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = statusOf(err);
      if (status === 503) logger.error({ err }, 'alert intake failed');
      else logger.warn({ err: (err as Error).message, status }, 'alert webhook call refused');
      const message = status === 503 ? 'alert intake is unavailable; retry later' : (err as Error).message;
      if (!res.headersSent) send(res, status, { error: message }, status === 413);
      if (status === 413) req.resume();
    });
  };
}
