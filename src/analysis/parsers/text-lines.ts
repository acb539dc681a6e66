import type { SpecName } from '../../domain/index.js';
import type { LogLine } from './log-line.js';

/** A spec file cut into lines, each quotable as evidence with its 1-based number. */
export function specLines(spec: SpecName, text: string): LogLine[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => ({ spec, line: i + 1, text: line }));
}

/**
 * Finds the line that holds a character offset, for files parsed as a whole (JSON) whose
 * evidence still has to name a line. Built once per file; each lookup is a binary search.
 */
export function lineLocator(spec: SpecName, text: string): (offset: number) => LogLine {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    const start = starts[lo] ?? 0;
    const end = text.indexOf('\n', start);
    return { spec, line: lo + 1, text: text.slice(start, end === -1 ? undefined : end).replace(/\r$/, '') };
  };
}
