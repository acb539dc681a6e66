import { createHmac } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call as the stand-in received it. */
export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  /** HTTP status the stand-in answered with (429 when told to rate-limit). */
  status: number;
  at: number;
  /** What the stand-in answered (a posted message's ts is in result.ts). */
  result?: Record<string, unknown>;
}

/** A POST to a response_url or an upload URL. */
export interface RecordedPost {
  path: string;
  body: string;
  /** The body as sent (a PNG chart is binary). */
  bytes?: Buffer;
}

/**
 * A local stand-in for Slack: the Web API methods sickbay calls (chat.postMessage, chat.update,
 * chat.postEphemeral, files.getUploadURLExternal + upload URL + files.completeUploadExternal,
 * auth.test, usergroups.users.list), plus response_url endpoints. Records every call; can be told
 * to answer 429 with Retry-After.
 */
export class SlackStandIn {
  readonly calls: RecordedCall[] = [];
  readonly responses: RecordedPost[] = [];
  readonly uploads: RecordedPost[] = [];
  readonly groups = new Map<string, string[]>();
  private server: Server | undefined;
  private port = 0;
  private seq = 0;
  /** Socket Mode: the bot's WebSocket connections and every envelope it sent back (acks). */
  readonly socketAcks: { envelope_id?: string; payload?: Record<string, unknown> }[] = [];
  private sockets: WebSocket[] = [];
  private wss: WebSocketServer | undefined;
  private readonly rateLimits = new Map<string, { count: number; retryAfterSec: number; only?: (body: Record<string, unknown>) => boolean }>();

  /**
   * `listen`: the address to listen on (0.0.0.0 for containers of a Docker network to reach it);
   * `publicHost`: the address the URLs it hands out name (the API URL, upload and socket URLs).
   * Both 127.0.0.1 unless given; `port`: a fixed port (default: a free one).
   */
  constructor(private readonly options: { listen?: string; publicHost?: string; port?: number } = {}) {}

  private get base(): string {
    return `http://${this.options.publicHost ?? '127.0.0.1'}:${this.port}`;
  }

  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.base}/response/${id}`;
  }

  /** The next `count` calls of `method` (those `only` picks, when given) get HTTP 429 with Retry-After. */
  rateLimit(method: string, retryAfterSec: number, count = 1, only?: (body: Record<string, unknown>) => boolean): void {
    this.rateLimits.set(method, { count, retryAfterSec, ...(only ? { only } : {}) });
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.options.port ?? 0, this.options.listen ?? '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    // Socket Mode: apps.connections.open hands out this URL; the bot connects, hears "hello",
    // then receives envelopes and acks each by its envelope_id.
    this.wss = new WebSocketServer({ server, path: '/socket' });
    this.wss.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('message', (data) => {
        try {
          this.socketAcks.push(JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> });
        } catch {
          /* not JSON: ignored, as Slack would */
        }
      });
      ws.on('close', () => (this.sockets = this.sockets.filter((s) => s !== ws)));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'standin' }, connection_info: { app_id: 'A0STANDIN' } }));
    });
    return this;
  }

  /** Bot connections open over Socket Mode. */
  get socketConnections(): number {
    return this.sockets.length;
  }

  /** Sends a Socket Mode envelope (as Slack does for a slash command) to every connection; returns its id. */
  sendEnvelope(type: 'slash_commands' | 'interactive', payload: Record<string, unknown>): string {
    const envelopeId = `env-${++this.seq}`;
    const body = JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: true });
    for (const ws of this.sockets) ws.send(body);
    return envelopeId;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Whether the bot deleted this message later (chat.delete of its channel and ts). */
  deleted(call: RecordedCall): boolean {
    const ts = (call.result as { ts?: unknown } | undefined)?.ts;
    return this.ok('chat.delete').some((d) => d.body.channel === call.body.channel && d.body.ts === ts);
  }

  /** Calls that succeeded, for a method. */
  ok(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.status === 200);
  }

  /** Every text that reached Slack (messages, ephemerals, responses, uploads), for leak checks. */
  everything(): string {
    return JSON.stringify(this.calls) + JSON.stringify(this.responses) + JSON.stringify(this.uploads);
  }

  async waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`stand-in: timed out waiting for ${what}; calls: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/response/')) {
      this.responses.push({ path, body: raw });
      return this.send(res, 200, { ok: true });
    }
    if (path.startsWith('/upload/')) {
      this.uploads.push({ path, body: raw, bytes: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK - ' + raw.length);
      return;
    }
    if (!path.startsWith('/api/')) return this.send(res, 404, { ok: false, error: 'unknown_path' });
    const method = path.slice('/api/'.length);
    const body = parseBody(raw, String(req.headers['content-type'] ?? ''));
    const limit = this.rateLimits.get(method);
    if (limit && limit.count > 0 && (!limit.only || limit.only(body as Record<string, unknown>))) {
      limit.count -= 1;
      this.calls.push({ method, body, status: 429, at: Date.now() });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limit.retryAfterSec) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const result = this.answer(method, body);
    this.calls.push({ method, body, status: 200, at: Date.now(), result });
    this.send(res, 200, result);
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const ts = () => `${1_700_000_000 + ++this.seq}.000100`;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://standin.slack.test/', team: 'Stand-in', user: 'sickbay', team_id: 'T0STANDIN', user_id: 'U0SICKBAY', bot_id: 'B0SICKBAY' };
      case 'chat.postMessage': {
        const at = ts();
        return { ok: true, channel: body.channel, ts: at, message: { text: body.text, ts: at } };
      }
      case 'chat.update':
        return { ok: true, channel: body.channel, ts: body.ts, text: body.text };
      case 'apps.connections.open':
        return { ok: true, url: `${this.base.replace(/^http/, 'ws')}/socket` };
      case 'chat.delete':
        return { ok: true, channel: body.channel, ts: body.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: ts() };
      case 'files.getUploadURLExternal': {
        const id = `F${++this.seq}`;
        return { ok: true, upload_url: `${this.base}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: [{ id: 'F0', title: 'file' }] };
      case 'usergroups.users.list':
        return { ok: true, users: this.groups.get(String(body.usergroup)) ?? [] };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface SlashCommand {
  text: string;
  user?: string;
  channel?: string;
  responseUrl: string;
}

/** Sends a slash command the way Slack does: form body, v0 HMAC-SHA256 signature of `v0:ts:body`. */
export async function sendSlashCommand(
  botPort: number,
  signingSecret: string,
  cmd: SlashCommand,
  options: { timestamp?: number; signature?: string } = {},
): Promise<{ status: number; body: string; ms: number }> {
  const body = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0STANDIN',
    team_domain: 'standin',
    channel_id: cmd.channel ?? 'C0INCIDENT',
    channel_name: 'incidents',
    user_id: cmd.user ?? 'U0ONCALL',
    user_name: 'oncall',
    command: '/diag',
    text: cmd.text,
    api_app_id: 'A0SICKBAY',
    response_url: cmd.responseUrl,
    trigger_id: '1.2.3',
  }).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const started = performance.now();
  const res = await postToBot(botPort, body, timestamp, signature);
  return { ...res, ms: performance.now() - started };
}

/**
 * POSTs a signed form body to the bot's /slack/events on a connection of its own, as Slack does: a
 * pooled keep-alive connection races the server closing it when idle (Node's 5 s keepAliveTimeout),
 * which shows as "other side closed" once a test has paused longer than that (through docker-proxy).
 */
function postToBot(botPort: number, body: string, timestamp: number, signature: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: botPort,
        path: '/slack/events',
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': signature,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The environment of a bot and worker wired to this stand-in, a Redis and a queue prefix of the test's own. */
export function sickbayEnv(standin: SlackStandIn, options: { secret: string; redisUrl: string; prefix: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-0000-test-token',
    SLACK_SIGNING_SECRET: options.secret,
    SLACK_API_URL: standin.apiUrl,
    PORT: '0',
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.prefix,
    ...extra,
  };
}

/**
 * The environment of `sickbay intake` under test: the stand-in's Web API, a channel for the alert
 * threads, a free port, quiet logs; `extra` adds the sources and settings a test is about.
 */
export function intakeEnv(standin: SlackStandIn, options: { redisUrl: string; prefix: string; channel: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-0000-test-token',
    SLACK_API_URL: standin.apiUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.prefix,
    SICKBAY_ALERTS_CHANNEL: options.channel,
    ALERT_PORT: '0',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export interface BlockActionClick {
  actionId: string;
  /** The button's value, as Slack sends it back (a test may tamper with it). */
  value: string;
  user: string;
  channel: string;
  /** The message the button is on, and its thread. */
  messageTs: string;
  threadTs?: string;
  responseUrl?: string;
}

/** Sends a button click the way Slack does: `payload=<block_actions JSON>`, form-encoded, v0-signed. */
export async function sendBlockAction(botPort: number, signingSecret: string, click: BlockActionClick): Promise<{ status: number; body: string }> {
  const payload = {
    type: 'block_actions',
    token: 'legacy-verification-token',
    api_app_id: 'A0SICKBAY',
    trigger_id: '1.2.3',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: click.user, username: click.user.toLowerCase(), name: click.user.toLowerCase(), team_id: 'T0STANDIN' },
    container: {
      type: 'message',
      message_ts: click.messageTs,
      channel_id: click.channel,
      is_ephemeral: false,
      ...(click.threadTs ? { thread_ts: click.threadTs } : {}),
    },
    channel: { id: click.channel, name: 'incidents' },
    message: { type: 'message', ts: click.messageTs, ...(click.threadTs ? { thread_ts: click.threadTs } : {}), text: '' },
    response_url: click.responseUrl ?? 'http://127.0.0.1:9/response/none',
    actions: [
      { type: 'button', action_id: click.actionId, block_id: 'b', text: { type: 'plain_text', text: 'button' }, value: click.value, action_ts: `${Date.now() / 1000}` },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return postToBot(botPort, body, timestamp, signature);
}
