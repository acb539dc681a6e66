/**
 * Text from a host, an alert or a file is shown to people by terminals and chat clients that act
 * on control characters: `ESC ]0;…BEL` retitles a terminal, `ESC [31m` or the C1 CSI (U+009B)
 * repaints it, a backspace or carriage return overwrites what was printed before, and bidi
 * overrides (U+202E...) make a line read differently from what it holds ("Trojan Source",
 * CVE-2021-42574). Every renderer passes such text through `printable` (terminal, Slack) or
 * `jsonText` (JSON), so that it is shown, never obeyed.
 *
 * Each unsafe character becomes one visible character, so the reader still sees that something
 * was there and lengths (and the limits cut to them) stay the same: C0 controls and DEL become
 * their Unicode Control Pictures (ESC is shown as ␛, BEL as ␇, NUL as ␀), C1 controls and bidi
 * embeddings, overrides and isolates become U+FFFD. A tab is kept (harmless, and it separates
 * columns in `du` and `docker ps` output); a line feed is kept only where the renderer lays out
 * several lines itself (`newlines: true`), else shown as ␊ so that one field cannot fake another line.
 */
const UNSAFE_LINE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw although a terminal acts on it: DEL, C1, bidi controls (C0 it escapes itself). */
const UNSAFE_IN_JSON = /[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

export interface PrintableOptions {
  /** Keep line feeds (the renderer lays out several lines). @defaultValue false */
  newlines?: boolean;
}

/** Text safe to show on a terminal or in chat: every control character made visible (see above). */
export function printable(text: string, options: PrintableOptions = {}): string {
  return text.replace(options.newlines ? UNSAFE_LINES : UNSAFE_LINE, visible);
}

/** `printable` over every string in plain data (a report, a message): same shape, safe text. */
export function printableDeep<T>(value: T, options: PrintableOptions = {}): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return printable(v, options);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * JSON.stringify, with what it leaves raw but a terminal obeys written as \u escapes: the same
 * JSON value, lossless (a parser reads back the exact text), and safe to print.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `text` cut to at most `max` characters, ending in `mark` when it was cut ("…", or "..." in plain ASCII). */
export function clip(text: string, max: number, mark = '…'): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - mark.length))}${mark}` : text;
}

/** "1 CPU", "4 CPUs", "2 processes": a count with its noun in the right number. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A literal text as a regular expression that matches it alone. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
