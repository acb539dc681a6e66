import { describe, expect, it } from 'vitest';
import { parseContainerLogTail } from '../../../src/analysis/parsers/container-log-tail.js';

describe('parseContainerLogTail', () => {
  it("reads the step's header and docker logs --timestamps lines, Docker's time apart from the text", () => {
    const text = [
      '# container f448235c7ef1',
      '2026-12-04T16:58:01.120453210Z flapper: cannot reach its database',
      '2026-12-04T16:58:02.533107443Z flapper: cannot reach its database',
      '    at Connection.connect (/app/db.js:12:9)',
      '',
    ].join('\n');
    const tail = parseContainerLogTail(text);
    expect(tail.container).toBe('f448235c7ef1');
    expect(tail.lines.map((l) => [l.time, l.text])).toEqual([
      ['2026-12-04T16:58:01.120453210Z', 'flapper: cannot reach its database'],
      ['2026-12-04T16:58:02.533107443Z', 'flapper: cannot reach its database'],
      [undefined, '    at Connection.connect (/app/db.js:12:9)'],
    ]);
    expect(tail.lines[0]?.line).toEqual({ spec: 'container_log_tail', line: 2, text: '2026-12-04T16:58:01.120453210Z flapper: cannot reach its database' });
  });

  it('takes a capture without header or times as it is, and a header only at the top', () => {
    const tail = parseContainerLogTail('Error: ENOENT: no such file or directory, open /etc/app.conf\n# container f448235c7ef1\n');
    expect(tail.container).toBeUndefined();
    expect(tail.lines.map((l) => l.text)).toEqual(['Error: ENOENT: no such file or directory, open /etc/app.conf', '# container f448235c7ef1']);
  });
});
