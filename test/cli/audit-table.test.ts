import { describe, expect, it } from 'vitest';
import { renderAuditTable } from '../../src/cli/commands/audit.js';
import type { AuditEvent } from '../../src/remediation/index.js';
import { HOSTILE_TEXT, RAW_CONTROL } from '../helpers/hostile-text.js';

describe('sickbay audit table', () => {
  it('shows commands and problems from hosts visibly, one line per event', () => {
    const events: AuditEvent[] = [
      { ts: '2026-01-01T00:00:00.000Z', event: 'verified', host: 'h1', requestId: 'r1', status: 'unverified', remaining: [], problems: [HOSTILE_TEXT] },
      {
        ts: '2026-01-01T00:00:01.000Z',
        event: 'executed',
        host: 'h1',
        requestId: 'r1',
        ok: false,
        commands: [{ command: `du -sh ${HOSTILE_TEXT}`, exit: 1, timedOut: false, durationMs: 3, outputSha256: 'a'.repeat(64) }],
      },
    ];
    const out = renderAuditTable(events);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => RAW_CONTROL.test(l))).toEqual([]);
    expect(lines[1]).toContain('unverified; pwn ␛]0;owned␇ ␛[31mred');
  });
});
