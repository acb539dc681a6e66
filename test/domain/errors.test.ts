import { describe, expect, it } from 'vitest';
import { BotError, errorText, InputError, presentError, type ErrorLog } from '../../src/domain/index.js';

/** An ErrorLog that keeps every line: level, fields and message. */
function recordingLog(): ErrorLog & { lines: { level: string; obj: Record<string, unknown>; msg?: string | undefined }[] } {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string | undefined }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('presentError, what a person is told about an error', () => {
  it('tells a BotError\'s own message and logs its code, at warn when trying again may help', () => {
    const log = recordingLog();
    const typed = presentError(new InputError('playbook_unknown', 'There is no playbook `x`.'), log, { user: 'U0ALICE' });
    const retryable = presentError(new BotError('queue_down', 'The queue is down.', { retryable: true }), log);
    expect(errorText(typed)).toBe('There is no playbook `x`.');
    expect(errorText(retryable)).toBe('The queue is down.');
    expect(log.lines.map((l) => [l.level, l.obj['code']])).toEqual([
      ['info', 'playbook_unknown'],
      ['warn', 'queue_down'],
    ]);
    expect(log.lines[0]?.obj['user']).toBe('U0ALICE');
  });

  it('tells anything else only as a short reference, which the error-level log line with the whole error carries', () => {
    const log = recordingLog();
    const report = presentError(new Error('ECONNRESET talking to 10.0.0.7 with password hunter2'), log, { host: 'db-1' }, 'could not queue');
    const text = errorText(report);
    const ref = /ref ([0-9a-f]{8})\)/.exec(text)?.[1];
    expect(ref).toBeDefined();
    expect(text).not.toContain('hunter2');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'error', msg: 'could not queue', obj: { ref, host: 'db-1' } });
    expect((log.lines[0]?.obj['err'] as Error).message).toContain('ECONNRESET');
  });

  it('gives two internal errors two references', () => {
    const log = recordingLog();
    const refs = [presentError(new Error('a'), log), presentError(new Error('b'), log)].map((r) => ('ref' in r ? r.ref : ''));
    expect(new Set(refs).size).toBe(2);
  });
});
