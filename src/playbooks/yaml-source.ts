import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';

/** One problem in a YAML file, placed at a line and column (both 1-based). */
export interface SourceIssue {
  file: string;
  line: number;
  col: number;
  /** `steps[3].timeout`, or '' for the document itself. */
  path: string;
  message: string;
}

/** `playbooks/bad.yml:12:14: steps[3].timeout: expected a duration like "10s"` */
export function formatIssue(issue: SourceIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

export type YamlPath = readonly PropertyKey[];

export function formatPath(path: YamlPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** A parsed YAML document that can say where any path in it is. */
export interface YamlSource {
  file: string;
  /** Plain data; undefined when the document could not be parsed. */
  value: unknown;
  /** Syntax errors, refused tags and aliases: if any, `value` must not be trusted. */
  issues: SourceIssue[];
  /** Where `path` is (its deepest existing part), for error messages. */
  locate(path: YamlPath): { line: number; col: number };
  /** An issue at `path`, placed in the file (at the key itself when `atKey`: for unknown fields). */
  issueAt(path: YamlPath, message: string, atKey?: boolean): SourceIssue;
}

/** Largest YAML file read: playbooks and inventories are small; anything bigger is a mistake or an attack. */
export const MAX_YAML_BYTES = 1024 * 1024;

/**
 * Parses YAML keeping line numbers. Safe by construction: only the YAML 1.2 core schema, any
 * custom or language tag (`!!js/function`, `!custom`) is refused, anchors and aliases are refused
 * (no billion-laughs), and duplicate keys are an error.
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  if (text.length > MAX_YAML_BYTES) {
    const issue = { file, line: 1, col: 1, path: '', message: `file is larger than ${MAX_YAML_BYTES} bytes` };
    return { file, value: undefined, issues: [issue], locate: () => ({ line: 1, col: 1 }), issueAt: (p, m) => ({ ...issue, path: formatPath(p), message: m }) };
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, schema: 'core', merge: false, uniqueKeys: true, strict: true });
  const issues: SourceIssue[] = [];
  for (const problem of [...doc.errors, ...doc.warnings]) {
    const at = pos(problem.pos[0]);
    const message = problem.code === 'TAG_RESOLVE_FAILED' ? `${firstLine(problem.message)} (custom YAML tags are refused)` : firstLine(problem.message);
    issues.push({ file, ...at, path: '', message });
  }
  visit(doc, {
    Alias(_key, node) {
      const at = pos(node.range?.[0] ?? 0);
      issues.push({ file, ...at, path: '', message: `alias *${node.source} refused: anchors and aliases are not allowed` });
    },
    Node(_key, node) {
      if (node.anchor) {
        const at = pos(node.range?.[0] ?? 0);
        issues.push({ file, ...at, path: '', message: `anchor &${node.anchor} refused: anchors and aliases are not allowed` });
      }
    },
  });
  const value = issues.length ? undefined : (doc.toJS({ maxAliasCount: 0 }) as unknown);
  const locate = (path: YamlPath, atKey = false) => {
    const node = deepestNode(doc, path, atKey);
    return pos(node?.range?.[0] ?? 0);
  };
  return { file, value, issues, locate, issueAt: (path, message, atKey) => ({ file, ...locate(path, atKey), path: formatPath(path), message }) };
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}

/** The node at `path`, or the deepest ancestor that exists (a missing field points at its parent). */
function deepestNode(doc: Document, path: YamlPath, atKey: boolean): Node | undefined {
  let node: unknown = doc.contents;
  for (const [i, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      const last = i === path.length - 1;
      if (!pair || !isPair(pair) || pair.value === null || (atKey && last)) return (pair?.key as Node | undefined) ?? (node as Node);
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
    } else {
      break;
    }
  }
  return node as Node | undefined;
}

/** Zod issues placed in the file; an unknown field points at its key, a missing one at its parent. */
export function issuesFromZod(source: YamlSource, error: z.ZodError, raw: unknown): SourceIssue[] {
  const out: SourceIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(source.issueAt([...issue.path, key], `unknown field "${key}"`, true));
      continue;
    }
    if (issue.code === 'invalid_key') {
      const key = issue.path[issue.path.length - 1];
      out.push(source.issueAt(issue.path, `key ${JSON.stringify(String(key))} refused: ${issue.issues[0]?.message ?? issue.message}`, true));
      continue;
    }
    const missing = issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined;
    const message = missing ? `required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})` : issue.message;
    out.push(source.issueAt(issue.path, message));
  }
  return out;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Turns a file's issues into the error of the kind of file it is (PlaybookError, InventoryError, ...). */
export type SourceFailure = (issues: SourceIssue[], options?: { cause?: unknown }) => Error;

/** A YAML file's text; a file that cannot be read is one issue at 1:1, reported like any other. */
export async function readSourceText(file: string, fail: SourceFailure): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw fail([{ file, line: 1, col: 1, path: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` }], { cause: err });
  }
}

/** YAML text checked against `schema`: the value and its source (for later issues at a path), or every problem with its line. */
export function parseSourceWith<T>(text: string, file: string, schema: z.ZodType<T>, fail: SourceFailure): { source: YamlSource; value: T } {
  const source = parseYamlSource(text, file);
  if (source.issues.length) throw fail([...source.issues]);
  const parsed = schema.safeParse(source.value);
  if (!parsed.success) throw fail(issuesFromZod(source, parsed.error, source.value));
  return { source, value: parsed.data };
}
