import { shellQuote } from '../domain/index.js';
import { ownValue } from './params.js';
import { expandSnippets } from './snippets.js';

export { shellQuote };

/**
 * Command templates. `{{name}}` (an identifier, spaces allowed inside the braces) is a placeholder;
 * `{{@name}}` alone on a line is a shell snippet (snippets.ts); anything else in double braces
 * (`{{json .}}`, `{{.State.OOMKilled}}`) is a Docker Go template and stays as written.
 */
const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g;

export interface Placeholder {
  name: string;
  /** Offset in the template. */
  index: number;
}

export function placeholders(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1] ?? '', index: m.index }));
}


/**
 * True when the offset is inside a quoted string of the shell line. A placeholder there would be
 * quoted twice (and `"..."` would let `$` through), so the linter refuses it.
 */
export function insideQuotes(template: string, index: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < index; i++) {
    const ch = template[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (quote === '"' && ch === '\\') i++;
    } else if (ch === '\\') {
      i++;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    }
  }
  return quote !== undefined;
}

/**
 * Fills placeholders with values that already passed their param's anchored pattern
 * (checkParams), single-quoted anyway, then snippet lines replaced by their text. A placeholder without a value is a programming error: the
 * linter refuses templates that name undeclared params, and `when` skips steps whose param is absent.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const filled = template.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = ownValue(values, name);
    if (value === undefined) throw new Error(`template needs param "${name}", which has no value`);
    return shellQuote(value);
  });
  // After the params: a quoted value on one line can never stand alone on a line as `{{@name}}`.
  return expandSnippets(filled);
}
