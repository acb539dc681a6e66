import { describe, expect, it } from 'vitest';
import { createStatusLine } from '../../src/report/index.js';

describe('the status line', () => {
  it('redraws in place and cuts long text so that it never wraps', () => {
    const written: string[] = [];
    const line = createStatusLine((t) => written.push(t));
    line.draw('1/3 hosts done');
    line.draw('x'.repeat(400));
    line.clear();
    expect(written[0]).toBe('\r\x1b[2K1/3 hosts done');
    expect(written[1]).toHaveLength('\r\x1b[2K'.length + 150);
    expect(written[1]?.endsWith('…')).toBe(true);
    expect(written[2]).toBe('\r\x1b[2K');
  });

  it('draws nothing when there is no terminal to draw on', () => {
    const line = createStatusLine(undefined);
    expect(() => {
      line.draw('quiet');
      line.clear();
    }).not.toThrow();
  });
});
