import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SickbayMetrics } from './metrics.js';

/** What is wrong with the process right now, one short line each; empty when it is healthy. */
export type HealthCheck = () => readonly string[];

/** A Redis connection's problem, if any (ioredis `status` is "ready" once commands can run). */
export function redisProblem(name: string, connection: { readonly status: string }): string[] {
  return connection.status === 'ready' ? [] : [`${name}: Redis connection ${connection.status}`];
}

/** GET /healthz: 200 "ok" when the check finds nothing, 503 with its problems otherwise (compose healthchecks). */
export function healthHandler(check: HealthCheck): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const problems = check();
    res.writeHead(problems.length === 0 ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(problems.length === 0 ? 'ok\n' : `${problems.join('\n')}\n`);
  };
}

/** The paths a process's own HTTP server answers besides its work: /metrics and /healthz. */
export const METRICS_PATH = '/metrics';
export const HEALTH_PATH = '/healthz';

/** Answers /metrics and /healthz and returns true; returns false for any other path (the caller answers it). */
export function opsRoute(metrics: SickbayMetrics, check: HealthCheck): (req: IncomingMessage, res: ServerResponse) => boolean {
  const health = healthHandler(check);
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === METRICS_PATH) metrics.handler(req, res);
    else if (path === HEALTH_PATH) health(req, res);
    else return false;
    return true;
  };
}

/** A handler serving only /metrics and /healthz (404 elsewhere), for a worker's or a Socket Mode bot's server. */
export function opsHandler(metrics: SickbayMetrics, check: HealthCheck): (req: IncomingMessage, res: ServerResponse) => void {
  const route = opsRoute(metrics, check);
  return (req, res) => {
    if (route(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  };
}
