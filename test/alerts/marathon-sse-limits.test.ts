import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/alerts/index.js';

const KiB = 1024;

describe('the SSE parser bounds what it holds', () => {
  it('gives up on a line that never ends once it passes the cap, holding no more than that', () => {
    const parser = new SseParser({ maxEventBytes: 4 * KiB });
    expect(parser.push('data: ')).toEqual([]);
    for (let i = 0; i < 3; i++) expect(parser.push('x'.repeat(KiB))).toEqual([]);
    expect(parser.failure).toBeUndefined();
    expect(parser.push('x'.repeat(2 * KiB))).toEqual([]);
    expect(parser.failure?.code).toBe('alert_stream_event_too_large');
    expect(parser.failure?.userMessage).toMatch(/an event or line longer than 4 KiB/);
    // what follows is not parsed any more: the connection is to be dropped
    expect(parser.push('\n\nevent: x\ndata: 1\n\n')).toEqual([]);
  });

  it('gives up on an event of many short data lines past the cap, after returning the events before it', () => {
    const parser = new SseParser({ maxEventBytes: 4 * KiB });
    const line = `data: ${'y'.repeat(100)}\n`;
    const events = parser.push(`data: first\n\n${line.repeat(60)}`);
    expect(events).toEqual([{ event: 'message', data: 'first' }]);
    expect(parser.failure?.code).toBe('alert_stream_event_too_large');
  });

  it('takes events up to the cap', () => {
    const parser = new SseParser({ maxEventBytes: 4 * KiB });
    const data = 'z'.repeat(3 * KiB);
    expect(parser.push(`data: ${data}\n\n`)).toEqual([{ event: 'message', data }]);
    expect(parser.failure).toBeUndefined();
  });
});
