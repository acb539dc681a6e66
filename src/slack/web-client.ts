import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from './bolt-logger.js';

/**
 * The Web API client of a process that posts results (worker, intake): 429s are waited out
 * (Retry-After) and retried, network errors retried with backoff, rate limits counted and logged.
 */
export function createSlackWebClient(
  token: string,
  apiUrl: string,
  logger: Logger,
  /** Called with the API method of every rate-limited call (metrics). */
  onRateLimited?: (method: string) => void,
): webApi.WebClient {
  const client = new webApi.WebClient(token, {
    slackApiUrl: apiUrl,
    logger: boltLogger(logger),
    rejectRateLimitedCalls: false,
    retryConfig: { retries: 10, factor: 1.6, minTimeout: 500, maxTimeout: 30_000 },
  });
  client.on(webApi.WebClientEvent.RATE_LIMITED, (retrySec: number, request: { url?: string }) => {
    const method = String(request.url ?? 'unknown').replace(/^.*\//, '');
    onRateLimited?.(method);
    logger.warn({ method, retrySec }, 'Slack rate-limited a call; retrying after Retry-After');
  });
  return client;
}
