import type { Command } from 'commander';
import { InputError, isBotError, jsonText, printable, systemClock } from '../../domain/index.js';
import { EnvSchema } from '../../config/index.js';
import { auditStreamKey, readAuditFile, readAuditStream, type AuditEvent, type AuditFilter } from '../../remediation/index.js';
import type { CliIo } from '../io.js';
import { redisLabel, withRedis } from '../redis.js';

const RELATIVE = /^(\d+)([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO time (2024-05-01T10:00:00Z) or an age (90m, 2h, 7d). */
export function parseSince(value: string, now: Date): Date {
  const relative = RELATIVE.exec(value);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * (UNIT_MS[relative[2] ?? 's'] ?? 1000));
  const at = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(at)) return new Date(at);
  throw new InputError('audit_since_invalid', `--since "${value}" is neither a time nor an age; try 2h, 7d or 2024-05-01T10:00:00Z`);
}

function detail(event: AuditEvent): string {
  switch (event.event) {
    case 'requested':
      return `${event.risk} risk: ${event.commands.join(' ; ')}`;
    case 'approved':
      return `${event.approvals}/${event.required}${event.complete ? ' (complete)' : ''}`;
    case 'refused':
      return `${event.action}: ${event.code}: ${event.reason}`;
    case 'executed':
      return event.commands.map((c) => `[${c.timedOut ? 'timeout' : String(c.exit)}] ${c.command}`).join(' ; ');
    case 'verified':
      return [event.status.replace('_', ' '), ...event.remaining.map((r) => r.code), ...event.problems].join('; ');
    default:
      return '';
  }
}

/** One line per event, columns padded to the widest cell. */
export function renderAuditTable(events: readonly AuditEvent[]): string {
  if (events.length === 0) return 'no audit events\n';
  const rows = [
    ['TIME', 'EVENT', 'HOST', 'REMEDIATION', 'ACTOR', 'REQUEST', 'DETAIL'],
    // commands, reasons and problems come from hosts: shown, never obeyed by the terminal
    ...events.map((e) => [e.ts, e.event, e.host ?? '-', e.remediation ?? '-', e.actor ?? '-', e.requestId ?? '-', detail(e)].map((cell) => printable(cell))),
  ];
  const last = rows[0]!.length - 1;
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
  return rows.map((r) => r.map((cell, col) => (col === last ? cell : cell.padEnd(widths[col] ?? 0))).join('  ')).join('\n') + '\n';
}

async function readFromRedis(url: string, stream: string, filter: AuditFilter): Promise<AuditEvent[]> {
  return withRedis(url, (redis) => readAuditStream(redis, stream, filter));
}

interface AuditOptions {
  host?: string;
  since?: string;
  json?: boolean;
  file?: string;
  redis?: string;
  stream?: string;
}

/**
 * Where the bot and workers of this environment write: the stream under QUEUE_PREFIX in REDIS_URL,
 * and SICKBAY_AUDIT_FILE (read with the same rules as the bot's own configuration).
 */
function deploymentDefaults(env: NodeJS.ProcessEnv): { redis?: string; file?: string; stream: string } {
  const prefix = EnvSchema.shape.QUEUE_PREFIX.safeParse(env.QUEUE_PREFIX);
  if (!prefix.success) throw new InputError('audit_source_invalid', `QUEUE_PREFIX "${String(env.QUEUE_PREFIX).slice(0, 40)}" is not a queue prefix (letters, digits, "_" and "-")`);
  return { redis: env.REDIS_URL, file: env.SICKBAY_AUDIT_FILE, stream: auditStreamKey(prefix.data) };
}

export function registerAudit(program: Command, io: CliIo): void {
  program
    .command('audit')
    .description('print the remediation audit log: requests, approvals, refusals, executions, verifications')
    .option('--host <host>', 'only events about this host')
    .option('--since <time>', 'only events since this time (ISO) or age (90m, 2h, 7d)')
    .option('--json', 'print JSON lines instead of a table')
    .option('--file <path>', 'the JSON-lines audit file, read when Redis is not given or not reachable (default: $SICKBAY_AUDIT_FILE)')
    .option('--redis <url>', 'Redis holding the audit stream (default: $REDIS_URL)')
    .option('--stream <key>', 'the audit stream key (default: QUEUE_PREFIX:audit, as the bot writes it)')
    .action(async (opts: AuditOptions) => {
      const defaults = deploymentDefaults(process.env);
      const stream = opts.stream ?? defaults.stream;
      const file = opts.file ?? defaults.file;
      const filter: AuditFilter = {
        ...(opts.host ? { host: opts.host } : {}),
        ...(opts.since ? { since: parseSince(opts.since, systemClock.now()) } : {}),
      };
      const url = opts.redis ?? defaults.redis;
      if (!url && !file) {
        throw new InputError('audit_source_missing', 'say where the audit log is: --redis redis://127.0.0.1:6379 or --file /var/lib/sickbay/audit.jsonl (or set REDIS_URL / SICKBAY_AUDIT_FILE as for the bot)');
      }
      let events: AuditEvent[] | undefined;
      let source = '';
      if (url) {
        try {
          events = await readFromRedis(url, stream, filter);
          source = `stream ${stream} in ${redisLabel(url)}`;
        } catch (err) {
          if (isBotError(err) || !file) throw new InputError('audit_redis_unreachable', `cannot read the audit stream from ${redisLabel(url)}; pass --file to read the file instead`, { cause: err });
          io.err(`sickbay: Redis at ${redisLabel(url)} is not reachable; reading ${file}\n`);
        }
      }
      if (!events) {
        events = await readAuditFile(file ?? '', filter);
        source = `file ${file ?? ''}`;
      }
      // say where it read, so that "0 events" from the wrong place is not mistaken for a quiet log
      io.err(`sickbay: ${events.length} audit event${events.length === 1 ? '' : 's'} from ${source}\n`);
      io.out(opts.json ? events.map((e) => jsonText(e) + '\n').join('') : renderAuditTable(events));
    });
}
