/**
 * What a host can print that a terminal or chat client would act on: an OSC that retitles the
 * terminal, CSI colours and a screen clear (7-bit and the C1 CSI U+009B), backspaces and a carriage
 * return that overwrite, NUL, DEL, a bidi override (Trojan Source) and a newline that fakes a line.
 */
export const HOSTILE_TEXT =
  'pwn \x1b]0;owned\x07 \x1b[31mred\x1b[0m \u009b2J clear \x1b[2K back\b\b\bspace nul\x00 del\x7f cr\rover \u202eevil\u202c iso\u2066x\u2069 tab\tkept' +
  '\nRoot cause: fake line';

/** Any control character a renderer must not pass through (tab and line feed are checked by the caller). */
export const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/** Every string in plain data: the texts a Block Kit message or a report holds. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}
