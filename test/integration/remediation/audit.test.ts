import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { parseSince } from '../../../src/cli/commands/audit.js';
import { createRedactor } from '../../../src/redaction/index.js';
import { AuditLog, auditStreamKey, readAuditFile, readAuditStream } from '../../../src/remediation/index.js';
import { manualClock } from '../../helpers/local-shell-runner.js';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), colour: false }, out, err };
}

describe('audit log', () => {
  let dir: string;
  let redis: Redis;
  let streamKey: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sickbay-audit-'));
    redis = new Redis('redis://127.0.0.1:6379');
    streamKey = `test-audit-${randomUUID()}`;
  });

  afterEach(async () => {
    await redis.del(streamKey);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeSample(file: string): Promise<void> {
    const clock = manualClock(new Date('2024-05-01T10:00:00Z'));
    const log = new AuditLog({ redis, streamKey, filePath: file, clock });
    await log.append({ event: 'requested', requestId: 'r1', remediation: 'restart-docker', host: 'host-a', actor: 'U1', title: 'Restart Docker', risk: 'high', commands: ['systemctl restart docker'], digest: 'd', expiresAt: '2024-05-01T10:15:00.000Z' });
    clock.advance(60 * 60 * 1000);
    await log.append({ event: 'refused', action: 'approve', code: 'self_approval', reason: 'You requested it yourself', requestId: 'r2', host: 'host-b', actor: 'U2' });
    clock.advance(60 * 60 * 1000);
    await log.append({ event: 'executed', requestId: 'r1', host: 'host-a', ok: true, commands: [{ command: 'systemctl restart docker', exit: 0, timedOut: false, durationMs: 5, outputSha256: 'ab' }] });
    await log.close();
  }

  it('appends one JSON line per event to a 0600 file and the same events to the stream, never rewriting', async () => {
    const file = join(dir, 'nested', 'audit.jsonl');
    await writeSample(file);
    await writeSample(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(await readAuditStream(redis, streamKey)).toEqual(await readAuditFile(file));
  });

  it('filters by host and by time', async () => {
    const file = join(dir, 'audit.jsonl');
    await writeSample(file);
    expect((await readAuditFile(file, { host: 'host-a' })).map((e) => e.event)).toEqual(['requested', 'executed']);
    const since = new Date('2024-05-01T11:00:00Z');
    expect((await readAuditStream(redis, streamKey, { since })).map((e) => e.event)).toEqual(['refused', 'executed']);
  });

  it('prints the stream as a table with `sickbay audit --host`', async () => {
    await writeSample(join(dir, 'audit.jsonl'));
    const { io, out } = captureIo();
    const code = await runCli(['audit', '--redis', 'redis://127.0.0.1:6379', '--stream', streamKey, '--host', 'host-a'], io);
    expect(code).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^TIME\s+EVENT\s+HOST/);
    expect(text).toContain('[0] systemctl restart docker');
    expect(text).not.toContain('host-b');
  });

  it('reads the file when Redis is not reachable, and prints JSON lines with --json', async () => {
    const file = join(dir, 'audit.jsonl');
    await writeSample(file);
    const { io, out, err } = captureIo();
    const code = await runCli(['audit', '--redis', 'redis://127.0.0.1:1', '--file', file, '--since', '2024-05-01T10:30:00Z', '--json'], io);
    expect(code).toBe(0);
    expect(err.join('')).toContain('not reachable');
    expect(out.join('').trimEnd().split('\n').map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['refused', 'executed']);
  });

  it('reads where the bot writes, the stream under QUEUE_PREFIX or SICKBAY_AUDIT_FILE, and says where it read', async () => {
    // given: a deployment with its own queue prefix and audit file, as the bot's environment sets them
    const prefix = `audit-${randomUUID().slice(0, 8)}`;
    const saved = { ...process.env };
    const file = join(dir, 'bot-audit.jsonl');
    streamKey = auditStreamKey(prefix);
    await writeSample(file);
    Object.assign(process.env, { QUEUE_PREFIX: prefix, SICKBAY_AUDIT_FILE: file, REDIS_URL: 'redis://127.0.0.1:6379' });
    try {
      // when: no --stream, no --file
      const fromStream = captureIo();
      expect(await runCli(['audit'], fromStream.io)).toBe(0);
      const fromFile = captureIo();
      expect(await runCli(['audit', '--redis', 'redis://127.0.0.1:1'], fromFile.io)).toBe(0);
      // then: all three events, each time saying where they came from
      expect(fromStream.out.join('').trimEnd().split('\n')).toHaveLength(4);
      expect(fromStream.err.join('')).toContain(`3 audit events from stream ${prefix}:audit in redis://127.0.0.1:6379`);
      expect(fromFile.out.join('').trimEnd().split('\n')).toHaveLength(4);
      expect(fromFile.err.join('')).toContain(`3 audit events from file ${file}`);
    } finally {
      process.env = saved;
    }
  });

  it('says what is missing when given neither Redis nor a file, or a bad --since', async () => {
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      const { io, err } = captureIo();
      expect(await runCli(['audit'], io)).toBe(2);
      expect(err.join('')).toContain('--redis');
    } finally {
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
    expect(() => parseSince('yesterday', new Date())).toThrow(/try 2h/);
    expect(parseSince('2h', new Date('2024-05-01T12:00:00Z')).toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });

  it('redacts every event before writing it, in the file and in the stream, with the redactor it is given', async () => {
    // given: host output in a verified event, and a worker whose own secret shows up in a problem
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog({ redis, streamKey, filePath: file, clock: manualClock(), redactor: createRedactor({ SICKBAY_DB_PASSWORD: 'worker-own-secret-value' }) });
    const token = `ghp_${'R8tKq2LmZ4xV7nB1cW9yH3jF6dS0aP5eU2iO'}`;
    // when
    const written = await log.append({
      event: 'verified',
      requestId: 'r1',
      host: 'host-a',
      status: 'still_present',
      remaining: [{ code: 'CONTAINER_STOP_TIMEOUT', title: 'still listed', evidence: [`docker_inspect: "DB_PASSWORD=hunter2hunter2", "GH=${token}"`] }],
      problems: ['verify step env printed worker-own-secret-value'],
    });
    await log.close();
    // then
    const texts = [await readFile(file, 'utf8'), JSON.stringify(await redis.xrange(streamKey, '-', '+'))];
    for (const text of texts) {
      expect(text).toContain('DB_PASSWORD=[REDACTED]');
      for (const secret of ['hunter2hunter2', token.slice(4), 'worker-own-secret-value']) expect(text).not.toContain(secret);
    }
    expect(await readAuditStream(redis, streamKey)).toEqual([written]);
    expect(written).toMatchObject({ event: 'verified', status: 'still_present', problems: ['verify step env printed [REDACTED]'] });
  });

  it('refuses a file line that is not an audit event, naming the line', async () => {
    const file = join(dir, 'audit.jsonl');
    await writeFile(file, '{"event":"approved","ts":"2024-05-01T10:00:00Z"}\n');
    await expect(readAuditFile(file)).rejects.toThrow(/audit\.jsonl:1 is not an audit event/);
  });
});
