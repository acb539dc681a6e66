import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FindingCodeSchema, type Clock } from '../domain/index.js';
import { createRedactor, type Redactor } from '../redaction/index.js';
import { AuditReadError, AuditWriteError } from './remediation-errors.js';
import { REFUSAL_CODES } from './policy.js';
import { RiskSchema } from './plan.schema.js';

/** Default stream key and bound. */
export const DEFAULT_AUDIT_STREAM = 'sickbay:audit';

/** The audit stream of a deployment: under its QUEUE_PREFIX, where the bot writes and `sickbay audit` reads. */
export function auditStreamKey(queuePrefix: string): string {
  return `${queuePrefix}:audit`;
}
export const DEFAULT_AUDIT_MAXLEN = 100_000;

const common = {
  /** When it happened (the service clock), ISO 8601. */
  ts: z.iso.datetime(),
  /** The approval request it concerns; absent for a click whose id was not a request id at all. */
  requestId: z.string().optional(),
  remediation: z.string().optional(),
  host: z.string().optional(),
  /** Slack user id of who did it; absent for the system (expiry, execution). */
  actor: z.string().optional(),
};

export const AuditEventSchema = z.discriminatedUnion('event', [
  z.object({
    ...common,
    event: z.literal('requested'),
    title: z.string(),
    risk: RiskSchema,
    commands: z.array(z.string()),
    digest: z.string(),
    expiresAt: z.iso.datetime(),
  }),
  z.object({ ...common, event: z.literal('approved'), approvals: z.number().int(), required: z.number().int(), complete: z.boolean() }),
  z.object({ ...common, event: z.literal('rejected') }),
  z.object({ ...common, event: z.literal('expired') }),
  z.object({ ...common, event: z.literal('refused'), action: z.enum(['request', 'approve', 'reject', 'execute']), code: z.enum(REFUSAL_CODES), reason: z.string() }),
  z.object({
    ...common,
    event: z.literal('executed'),
    ok: z.boolean(),
    commands: z.array(
      z.object({
        command: z.string(),
        exit: z.number().int().nullable(),
        timedOut: z.boolean(),
        durationMs: z.number(),
        outputSha256: z.string(),
        error: z.string().optional(),
      }),
    ),
  }),
  z.object({
    ...common,
    event: z.literal('verified'),
    status: z.enum(['fixed', 'still_present', 'unverified']),
    remaining: z.array(z.object({ code: FindingCodeSchema, title: z.string(), evidence: z.array(z.string()) })),
    problems: z.array(z.string()),
  }),
]);
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** An event as callers write it: the log stamps `ts` itself. */
export type AuditEventInput = AuditEvent extends infer E ? (E extends AuditEvent ? Omit<E, 'ts'> : never) : never;

export interface AuditLogOptions {
  /** Omit to write the file only (the CLI and tests without Redis). */
  redis?: Redis;
  /** @defaultValue DEFAULT_AUDIT_STREAM */
  streamKey?: string;
  /** Approximate bound on the stream (XADD MAXLEN ~). @defaultValue DEFAULT_AUDIT_MAXLEN */
  maxLen?: number;
  /** The append-only JSON-lines mirror; created 0600 when absent. */
  filePath: string;
  clock: Clock;
  /**
   * Takes secrets out of every event before it is written (command lines, evidence and problems
   * come from hosts). A worker passes its own, which also hides its environment's secret values.
   * @defaultValue a redactor with patterns only
   */
  redactor?: Pick<Redactor, 'deep'>;
}

/** Appends every remediation event, redacted, to a Redis stream and to a JSON-lines file. */
export class AuditLog {
  private readonly options: AuditLogOptions;
  private readonly redactor: Pick<Redactor, 'deep'>;
  private file: Promise<FileHandle> | undefined;
  /** Appends are serialised so that file lines never interleave and keep the stream's order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: AuditLogOptions) {
    this.options = options;
    this.redactor = options.redactor ?? createRedactor();
  }

  get streamKey(): string {
    return this.options.streamKey ?? DEFAULT_AUDIT_STREAM;
  }

  private handle(): Promise<FileHandle> {
    this.file ??= (async () => {
      await mkdir(dirname(this.options.filePath), { recursive: true, mode: 0o700 });
      return open(this.options.filePath, 'a', 0o600);
    })();
    return this.file;
  }

  /**
   * Writes one event, redacted: first the file line (fsync'd), then the stream entry. Returns the
   * event as written. Throws AuditWriteError when either fails, so that the caller does not act
   * without a record.
   */
  append(input: AuditEventInput): Promise<AuditEvent> {
    const event = this.redactor.deep(AuditEventSchema.parse({ ...input, ts: this.options.clock.now().toISOString() }));
    const write = this.tail.then(() => this.write(event));
    this.tail = write.catch(() => undefined);
    return write;
  }

  private async write(event: AuditEvent): Promise<AuditEvent> {
    const line = JSON.stringify(event);
    try {
      const file = await this.handle();
      await file.appendFile(line + '\n', 'utf8');
      await file.sync();
    } catch (cause) {
      throw new AuditWriteError(`could not write the audit file ${this.options.filePath}`, { cause });
    }
    if (this.options.redis) {
      try {
        await this.options.redis.xadd(this.streamKey, 'MAXLEN', '~', String(this.options.maxLen ?? DEFAULT_AUDIT_MAXLEN), '*', 'event', line);
      } catch (cause) {
        throw new AuditWriteError(`could not write the audit stream ${this.streamKey} in Redis`, { cause });
      }
    }
    return event;
  }

  async close(): Promise<void> {
    await this.tail;
    const file = this.file;
    this.file = undefined;
    if (file) await (await file).close();
  }
}

export interface AuditFilter {
  host?: string;
  since?: Date;
}

function keep(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.host !== undefined && event.host !== filter.host) return false;
  if (filter.since && Date.parse(event.ts) < filter.since.getTime()) return false;
  return true;
}

function parseEvent(text: string, where: string): AuditEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AuditReadError('audit_entry_invalid', `${where} is not an audit event (not JSON)`, { cause, detail: text.slice(0, 120) });
  }
  const parsed = AuditEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new AuditReadError('audit_entry_invalid', `${where} is not an audit event`, { detail: z.prettifyError(parsed.error) });
  }
  return parsed.data;
}

/** Reads the audit stream, oldest first, page by page. */
export async function readAuditStream(redis: Redis, streamKey: string, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let start = '-';
  for (;;) {
    const page = await redis.xrange(streamKey, start, '+', 'COUNT', 1000);
    for (const [id, fields] of page) {
      const at = fields.indexOf('event');
      const text = at >= 0 ? fields[at + 1] : undefined;
      if (text === undefined) continue;
      const event = parseEvent(text, `stream entry ${id}`);
      if (keep(event, filter)) events.push(event);
    }
    const last = page.at(-1);
    if (!last || page.length < 1000) return events;
    start = `(${last[0]}`;
  }
}

/** Reads the JSON-lines mirror, oldest first. */
export async function readAuditFile(path: string, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AuditReadError('audit_file_unreadable', `cannot read the audit file ${path}`, { cause });
  }
  return text
    .split('\n')
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, index }) => parseEvent(line, `${path}:${index + 1}`))
    .filter((event) => keep(event, filter));
}
