/**
 * Scanning huge logs without splitting them into arrays of lines: one global regex finds the few
 * interesting places, line numbers are counted incrementally between matches, and only the matched
 * lines (plus a short look-ahead where a block follows) are ever turned into strings.
 */

/** One line of a text, by position. `number` is 1-based. */
export interface TextLine {
  number: number;
  start: number;
  /** Index of the terminating newline (or text.length). */
  end: number;
  text: string;
}

/** Counts newlines incrementally so that successive lookups cost only the distance travelled. */
export class LineCounter {
  private pos = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  /** 1-based line number of the character at `offset`; offsets must not go backwards. */
  lineAt(offset: number): number {
    const { text } = this;
    let p = text.indexOf('\n', this.pos);
    while (p !== -1 && p < offset) {
      this.line++;
      p = text.indexOf('\n', p + 1);
    }
    this.pos = offset;
    return this.line;
  }
}

export function lineAround(text: string, offset: number, number: number): TextLine {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end === -1) end = text.length;
  return { number, start, end, text: stripCr(text.slice(start, end)) };
}

/**
 * Calls `visit` once per line that holds at least one match of `pattern` (which must be global),
 * in order. Never throws on any input; a zero-length match cannot loop.
 */
export function scanMatchingLines(text: string, pattern: RegExp, visit: (line: TextLine) => void): void {
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const counter = new LineCounter(text);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const start = text.lastIndexOf('\n', m.index - 1) + 1;
    const line = lineAround(text, m.index, counter.lineAt(start));
    visit(line);
    // One visit per line, and always move forward.
    re.lastIndex = Math.max(line.end + 1, m.index + 1);
  }
}

/** The lines that follow `line`, lazily, at most `max` of them. */
export function* linesAfter(text: string, line: TextLine, max: number): Generator<TextLine> {
  let start = line.end + 1;
  let number = line.number + 1;
  for (let i = 0; i < max && start <= text.length; i++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (start === text.length) return;
    yield { number, start, end, text: stripCr(text.slice(start, end)) };
    start = end + 1;
    number++;
  }
}

/** The line before `line`, or null at the top. */
export function lineBefore(text: string, line: TextLine): TextLine | null {
  if (line.start === 0) return null;
  const end = line.start - 1;
  const start = text.lastIndexOf('\n', end - 1) + 1;
  return { number: line.number - 1, start, end, text: stripCr(text.slice(start, end)) };
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
