/**
 * node:http request handler for alert managers: `POST /alerts/alertmanager` (Prometheus Alertmanager
 * webhook v4) and `POST /alerts/failed-task` (the small JSON form in docs/alerts.md). Authenticated by a
 * bearer shared secret or an HMAC-SHA256 signature of the body (`X-Sickbay-Signature: sha256=<hex>`),
 * both compared in constant time. Malformed bodies get a 400 with the reason; nothing here throws.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../domain/index.js';
import { AlertAuthError, AlertBodyTooLargeError, AlertPayloadError } from './alerts-errors.js';
import type { IntakeSummary } from './intake.js';
import { fromAlertmanager, fromSimpleWebhook, type NormalisedBatch } from './normalise.js';
import { silentLogger, type AlertLogger } from './ports.js';

export const SIGNATURE_HEADER = 'x-sickbay-signature';

export interface WebhookAuth {
  /** Accepted as `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Key for `X-Sickbay-Signature: sha256=<hex of HMAC-SHA256(body)>`. */
  hmacSecret?: string;
}

export interface WebhookDeps {
  auth: WebhookAuth;
  /** @defaultValue 1048576 (1 MiB) */
  maxBodyBytes?: number;
  clock: Clock;
  /** Handles the tasks of one call (the intake's `acceptBatch`). */
  onBatch(batch: NormalisedBatch): Promise<IntakeSummary>;
  logger?: AlertLogger;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

const ROUTES: Readonly<Record<string, (payload: unknown, now: Date) => NormalisedBatch>> = {
  '/alerts/alertmanager': (payload) => fromAlertmanager(payload),
  '/alerts/failed-task': fromSimpleWebhook,
};

function sameSecret(given: string, expected: string): boolean {
  // hash first so that the comparison takes the same time whatever the lengths
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Throws AlertAuthError unless the call carries the bearer token or a valid body signature. */
export function checkWebhookAuth(auth: WebhookAuth, headers: IncomingMessage['headers'], body: Buffer): void {
  const authorization = headers.authorization;
  if (auth.bearerToken && typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
    if (sameSecret(authorization.slice('Bearer '.length), auth.bearerToken)) return;
    throw new AlertAuthError('the bearer token is not the configured alert webhook secret');
  }
  const signature = headers[SIGNATURE_HEADER];
  if (auth.hmacSecret && typeof signature === 'string') {
    const expected = `sha256=${createHmac('sha256', auth.hmacSecret).update(body).digest('hex')}`;
    if (sameSecret(signature, expected)) return;
    throw new AlertAuthError(`the ${SIGNATURE_HEADER} header does not match the body (expected sha256=<hex HMAC-SHA256 of the raw body>)`);
  }
  throw new AlertAuthError(`send "Authorization: Bearer <secret>" or "${SIGNATURE_HEADER}: sha256=<hmac>"`);
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
  const logger = deps.logger ?? silentLogger;
  const limit = deps.maxBodyBytes ?? 1024 * 1024;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const normalise = ROUTES[path];
    if (!normalise) return send(res, 404, { error: `no alert endpoint at ${path}; use ${Object.keys(ROUTES).join(' or ')}` });
    if (req.method !== 'POST') return send(res, 405, { error: `${req.method ?? '?'} is not allowed; POST the alert as JSON` });
    const body = await readBody(req, limit);
    checkWebhookAuth(deps.auth, req.headers, body);
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
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
