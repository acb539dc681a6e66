import { describe, expect, it } from 'vitest';
import { parseContainerLogTails } from '../../../src/analysis/parsers/container-log-tail.js';

describe('parseContainerLogTails', () => {
  it("reads the step's header and docker logs --timestamps lines, Docker's time apart from the text", () => {
    const text = [
      '# container f448235c7ef1',
      '2026-12-04T16:58:01.120453210Z flapper: cannot reach its database',
      '2026-12-04T16:58:02.533107443Z flapper: cannot reach its database',
      '    at Connection.connect (/app/db.js:12:9)',
      '',
    ].join('\n');
    const [tail, ...more] = parseContainerLogTails(text);
    expect(more).toEqual([]);
    expect(tail?.container).toBe('f448235c7ef1');
    expect(tail?.lines.map((l) => [l.time, l.text])).toEqual([
      ['2026-12-04T16:58:01.120453210Z', 'flapper: cannot reach its database'],
      ['2026-12-04T16:58:02.533107443Z', 'flapper: cannot reach its database'],
      [undefined, '    at Connection.connect (/app/db.js:12:9)'],
    ]);
    expect(tail?.lines[0]?.line).toEqual({ spec: 'container_log_tail', line: 2, text: '2026-12-04T16:58:01.120453210Z flapper: cannot reach its database' });
  });

  it("reads a section per container, as docker-host collects each restart loop's, one with nothing to say", () => {
    const text = ['# container f448235c7ef1', '2026-12-04T16:58:02.533107443Z flapper: cannot reach its database', '# container 009c188f5ea7', '# container 5dbba3557aed', '2026-12-04T16:59:00.000000000Z Exception in thread "main" java.lang.OutOfMemoryError: Java heap space', ''].join('\n');
    expect(parseContainerLogTails(text).map((t) => [t.container, t.lines.length])).toEqual([
      ['f448235c7ef1', 1],
      ['009c188f5ea7', 0],
      ['5dbba3557aed', 1],
    ]);
  });

  it('takes a capture without header or times as one section of its own', () => {
    const tails = parseContainerLogTails('Error: ENOENT: no such file or directory, open /etc/app.conf\n');
    expect(tails).toHaveLength(1);
    expect(tails[0]?.container).toBeUndefined();
    expect(tails[0]?.lines.map((l) => l.text)).toEqual(['Error: ENOENT: no such file or directory, open /etc/app.conf']);
  });
});
