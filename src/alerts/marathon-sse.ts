/**
 * Marathon event-stream client over node:http(s): subscribes to `/v2/events`, keeps the
 * `status_update_event`s whose status is configured, and reconnects with exponential backoff and full
 * jitter when the stream drops. Events replayed after a reconnect are not handled twice: the storm's
 * seen-task key (Redis SET NX with TTL) answers `duplicate` for them.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AlertStreamError } from './alerts-errors.js';
import type { FailedTask, TaskState } from './failed-task.schema.js';
import { fromMarathonEvent } from './normalise.js';
import { silentLogger, type AlertLogger } from './ports.js';
import { SseParser, type SseEvent, type SseParserOptions } from './sse-parser.js';

export interface BackoffOptions {
  /** First reconnect delay ceiling. @defaultValue 500 */
  initialMs?: number;
  /** Largest reconnect delay ceiling. @defaultValue 30000 */
  maxMs?: number;
}

/**
 * 60 s. Marathon's event stream (Jetty's EventSource) writes a heartbeat every 10 s, so a stream
 * silent for six of them is dead (a half-open TCP connection, a proxy that stopped forwarding).
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export interface MarathonStreamDeps extends SseParserOptions {
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
  /** No bytes at all (not even a heartbeat) for this long, from the request on: drop and reconnect. @defaultValue DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number;
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
  let idleTimer: NodeJS.Timeout | undefined;
  const idleMs = deps.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;

  /** (Re)starts the idle clock of `req`; with `paused`, stops it (we are not reading, so silence is ours). */
  function idle(req: ClientRequest, paused = false): void {
    clearTimeout(idleTimer);
    idleTimer = paused
      ? undefined
      : setTimeout(() => {
          const err = new AlertStreamError('alert_stream_idle', `no bytes from ${url.origin} for ${idleMs / 1000} s, not even a heartbeat; dropped the connection`);
          drop(req, err.userMessage);
        }, idleMs);
  }

  /** Ends a connection that misbehaves: the reason is logged by scheduleReconnect, before the close events it causes. */
  function drop(req: ClientRequest, why: string): void {
    scheduleReconnect(req, why);
    req.destroy();
  }

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
    clearTimeout(idleTimer);
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
    const parser = new SseParser(deps.maxEventBytes === undefined ? {} : { maxEventBytes: deps.maxEventBytes });
    res.setEncoding('utf8');
    idle(req);
    res.on('data', (chunk: string) => {
      if (req !== current) return;
      idle(req);
      const events = parser.push(chunk);
      if (events.length > 0) attempt = 0;
      for (const event of events) handle(event);
      if (parser.failure) {
        drop(req, parser.failure.userMessage);
        return;
      }
      if (pending > PAUSE_ABOVE && !res.isPaused()) {
        res.pause();
        idle(req, true);
        void chain.then(() => {
          if (req !== current) return;
          idle(req);
          res.resume();
        });
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
    // from the request on: a server that accepts and never answers is as dead as a silent stream
    idle(req);
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
      clearTimeout(idleTimer);
      current?.destroy();
      current = undefined;
      await chain;
    },
  };
}
