/**
 * Marathon event-stream client over node:http(s): subscribes to `/v2/events`, keeps the
 * `status_update_event`s whose status is configured, and reconnects with exponential backoff and full
 * jitter when the stream drops. Events replayed after a reconnect are not handled twice: the storm's
 * seen-task key (Redis SET NX with TTL) answers `duplicate` for them.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FailedTask, TaskState } from './failed-task.schema.js';
import { fromMarathonEvent } from './normalise.js';
import { silentLogger, type AlertLogger } from './ports.js';
import { SseParser, type SseEvent } from './sse-parser.js';

export interface BackoffOptions {
  /** First reconnect delay ceiling. @defaultValue 500 */
  initialMs?: number;
  /** Largest reconnect delay ceiling. @defaultValue 30000 */
  maxMs?: number;
}

export interface MarathonStreamDeps {
  /** Marathon's base URL, e.g. `http://marathon.test.local:8080`. */
  url: string;
  /** Task statuses that count as failures. @defaultValue ['TASK_FAILED'] */
  statuses?: readonly TaskState[];
  /** Handles one failed task (the intake's `accept`); called in stream order, one at a time. */
  onTask(task: FailedTask): Promise<unknown>;
  /** Called with the reason for each event refused by validation. */
  onRefused?(reason: string): void;
  /** Extra request headers (e.g. `Authorization` for Marathon's HTTP auth). */
  headers?: Readonly<Record<string, string>>;
  backoff?: BackoffOptions;
  /** For jitter; tests may fix it. @defaultValue Math.random */
  random?: () => number;
  logger?: AlertLogger;
}

export interface MarathonStreamStats {
  connects: number;
  events: number;
  refused: number;
  drops: number;
}

export interface MarathonEventStream {
  start(): void;
  /** Closes the stream and waits for the task being handled. */
  stop(): Promise<void>;
  readonly stats: Readonly<MarathonStreamStats>;
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, initial × 2^attempt)). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs ?? 30_000, (options.initialMs ?? 500) * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

const PAUSE_ABOVE = 500;

export function createMarathonEventStream(deps: MarathonStreamDeps): MarathonEventStream {
  const logger = deps.logger ?? silentLogger;
  const statuses = new Set<string>(deps.statuses ?? ['TASK_FAILED']);
  const random = deps.random ?? Math.random;
  const stats: MarathonStreamStats = { connects: 0, events: 0, refused: 0, drops: 0 };
  const url = new URL('/v2/events?event_type=status_update_event', deps.url);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;

  let stopped = true;
  let attempt = 0;
  let lastEventId: string | undefined;
  let current: ClientRequest | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;

  function refuse(reason: string): void {
    stats.refused += 1;
    logger.warn({ reason }, 'Marathon event refused');
    deps.onRefused?.(reason);
  }

  function handle(event: SseEvent): void {
    if (event.id !== undefined) lastEventId = event.id;
    if (event.event !== 'status_update_event' && event.event !== 'message') return;
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      refuse(`event data is not JSON: ${event.data.slice(0, 60)}`);
      return;
    }
    const status = (payload as { taskStatus?: unknown } | null)?.taskStatus;
    if (typeof status === 'string' && !statuses.has(status)) return;
    const result = fromMarathonEvent(payload);
    if (!result.ok) {
      refuse(result.reason);
      return;
    }
    stats.events += 1;
    pending += 1;
    chain = chain
      .then(() => deps.onTask(result.task))
      .then(
        () => undefined,
        (err: unknown) => logger.error({ err, taskId: result.task.taskId }, 'failed task could not be handled'),
      )
      .finally(() => {
        pending -= 1;
      });
  }

  function scheduleReconnect(req: ClientRequest, why: string): void {
    // a late error or close from a connection already replaced must not start a second one
    if (req !== current) return;
    current = undefined;
    if (stopped) return;
    stats.drops += 1;
    const delay = backoffDelay(attempt, deps.backoff ?? {}, random);
    attempt += 1;
    logger.warn({ why, delayMs: delay, attempt }, 'Marathon event stream dropped; reconnecting');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delay);
  }

  function onResponse(req: ClientRequest, res: IncomingMessage): void {
    if (res.statusCode !== 200) {
      res.resume();
      scheduleReconnect(req, `HTTP ${res.statusCode ?? '?'} from ${url.origin}`);
      return;
    }
    stats.connects += 1;
    const parser = new SseParser();
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const events = parser.push(chunk);
      if (events.length > 0) attempt = 0;
      for (const event of events) handle(event);
      if (pending > PAUSE_ABOVE && !res.isPaused()) {
        res.pause();
        void chain.then(() => res.resume());
      }
    });
    res.on('close', () => scheduleReconnect(req, 'stream closed'));
    res.on('error', () => undefined);
  }

  function connect(): void {
    if (stopped) return;
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...deps.headers };
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    const req = request(url, { headers });
    current = req;
    req.on('socket', (socket) => socket.setKeepAlive(true, 30_000));
    req.on('response', (res) => onResponse(req, res));
    req.on('error', (err) => scheduleReconnect(req, err.message));
    req.end();
  }

  return {
    stats,
    start() {
      if (!stopped) return;
      stopped = false;
      connect();
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      current?.destroy();
      current = undefined;
      await chain;
    },
  };
}
