import type { FileHandle } from 'node:fs/promises';
import type { LogLineFilter } from '../domain/index.js';

/**
 * Reading a big log for the analysis without holding it: the file goes through a small buffer,
 * and only the lines the analysis reads (those its patterns match, with the lines around them
 * that it looks at, and the first lines) keep their text. Every other line is read as an empty
 * line, so line numbers, and with them every quoted line and count, are those of the whole file.
 * A 100 MB log becomes a string of about its line count in bytes, and no buffer or string of the
 * file's size is ever made (on hosts where touching fresh memory is slow, that is most of the cost).
 */

/** Bytes per read: few reads, each a trip through libuv's thread pool. */
const READ_BYTES = 1024 * 1024;
/** Bytes scanned at a time: the latin1 copy of a slice stays a small string, which V8 makes cheaply. */
const SCAN_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

interface CompiledRule {
  test: RegExp;
  before: number;
  after: number;
}

/** One regex finding every line that any rule may keep, and each rule alone to say how much around it. */
function compile(filter: LogLineFilter): { any: RegExp; rules: CompiledRule[] } {
  for (const rule of filter.rules) {
    if (rule.before > 1) throw new RangeError('a log line filter keeps at most one line before a match');
    // the union runs in multiline mode: a rule without it must not depend on ^ or $
    if (!rule.pattern.flags.includes('m') && /(?:^|[^\\])[$^]/.test(rule.pattern.source.replace(/\[[^\]]*\]/g, ''))) {
      throw new RangeError(`a log line filter pattern with ^ or $ needs the m flag: /${rule.pattern.source}/`);
    }
  }
  const any = new RegExp(filter.rules.map((r) => `(?:${r.pattern.source})`).join('|'), 'gm');
  const rules = filter.rules.map((r) => ({ test: new RegExp(r.pattern.source, r.pattern.flags.replace(/[gy]/g, '')), before: r.before, after: r.after }));
  return { any, rules };
}

/** Builds the filtered text line by line; blank runs are counted, not stored. */
class FilteredText {
  private readonly parts: string[] = [];
  /** Lines read so far. */
  lines = 0;
  /** Lines with numbers up to this one keep their text. */
  keepThrough: number;
  /** Lines counted as empty since the last kept one. */
  private blanks = 0;
  /** The text of the last line read when it was emptied (a match on the next one may keep it). */
  private lastEmptied: string | undefined;

  constructor(headLines: number) {
    this.keepThrough = headLines;
  }

  keep(text: string): void {
    if (this.blanks) this.parts.push('\n'.repeat(this.blanks));
    this.blanks = 0;
    this.parts.push(text, '\n');
    this.lines++;
    this.lastEmptied = undefined;
  }

  /** `count` lines emptied; `last` is the text of the last of them. */
  empty(count: number, last: string): void {
    this.blanks += count;
    this.lines += count;
    this.lastEmptied = last;
  }

  /** Gives the last line read its text back, when it was emptied. */
  keepPrevious(): void {
    if (this.lastEmptied === undefined || this.blanks === 0) return;
    this.blanks--;
    const text = this.lastEmptied;
    this.lines--;
    this.keep(text);
  }

  finish(endsWithNewline: boolean): string {
    if (this.blanks) this.parts.push('\n'.repeat(this.blanks));
    const text = this.parts.join('');
    return endsWithNewline || text.length === 0 ? text : text.slice(0, -1);
  }
}

/**
 * Scans `bytes` (whole lines, each ending in a newline, except a file's unterminated last line)
 * and adds them to `out`. Offsets in the latin1 string are byte offsets, so kept lines are cut
 * from the bytes and decoded as UTF-8, exactly as a whole-file read decodes them.
 */
function scanLines(bytes: Buffer, compiled: { any: RegExp; rules: CompiledRule[] }, out: FilteredText): void {
  const s = bytes.toString('latin1');
  const lineEnd = (from: number) => {
    const end = s.indexOf('\n', from);
    return end === -1 ? s.length : end;
  };
  let pos = 0;
  // lines from `pos` up to `until` (a line start) that no match of their own keeps
  const advance = (until: number) => {
    while (pos < until && out.lines + 1 <= out.keepThrough) {
      const end = lineEnd(pos);
      out.keep(bytes.toString('utf8', pos, end));
      pos = end + 1;
    }
    if (pos >= until) return;
    let count = 0;
    let lastStart = pos;
    for (let p = pos; p < until; ) {
      const end = lineEnd(p);
      count++;
      lastStart = p;
      p = end + 1;
    }
    out.empty(count, bytes.toString('utf8', lastStart, lineEnd(lastStart)));
    pos = until;
  };
  const { any, rules } = compiled;
  any.lastIndex = 0;
  for (;;) {
    const m = any.exec(s);
    if (!m) break;
    const start = s.lastIndexOf('\n', m.index - 1) + 1;
    advance(start);
    const end = lineEnd(start);
    const latin = s.slice(start, end);
    let before = 0;
    let after = 0;
    for (const rule of rules) {
      if (!rule.test.test(latin)) continue;
      before = Math.max(before, rule.before);
      after = Math.max(after, rule.after);
    }
    if (before > 0) out.keepPrevious();
    out.keep(bytes.toString('utf8', start, end));
    out.keepThrough = Math.max(out.keepThrough, out.lines + after);
    pos = end + 1;
    any.lastIndex = pos;
    if (pos >= s.length) break;
  }
  advance(s.length);
}

/**
 * The filtered text of bytes [start, end) of an open file, with `start` at a line start. Reads
 * READ_BYTES at a time into one buffer and scans it SCAN_BYTES of whole lines at a time; the
 * unfinished last line moves to the front for the next read (the buffer grows for a longer line).
 */
export async function readFilteredLog(handle: FileHandle, start: number, end: number, filter: LogLineFilter): Promise<string> {
  const compiled = compile(filter);
  const out = new FilteredText(filter.headLines);
  let buffer = Buffer.allocUnsafe(READ_BYTES);
  let carry = 0;
  let position = start;
  let lastByte = -1;
  while (position < end) {
    if (carry === buffer.length) {
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, carry);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, carry, Math.min(buffer.length - carry, end - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const filled = carry + bytesRead;
    lastByte = buffer[filled - 1] ?? -1;
    const cut = buffer.lastIndexOf(NEWLINE, filled - 1);
    // the carry holds no newline: none here means the line goes on into the next read
    if (cut === -1) {
      carry = filled;
      continue;
    }
    for (let from = 0; from <= cut; ) {
      let to = cut + 1;
      if (to - from > SCAN_BYTES) {
        const split = buffer.lastIndexOf(NEWLINE, from + SCAN_BYTES - 1);
        to = split >= from ? split + 1 : buffer.indexOf(NEWLINE, from + SCAN_BYTES) + 1;
      }
      scanLines(buffer.subarray(from, to), compiled, out);
      from = to;
    }
    carry = filled - (cut + 1);
    buffer.copy(buffer, 0, cut + 1, filled);
  }
  if (carry) scanLines(buffer.subarray(0, carry), compiled, out);
  return out.finish(lastByte === NEWLINE);
}
