import { readFile } from 'node:fs/promises';
import { issuesFromZod, parseYamlSource, SourceFileError, type SourceIssue } from '../playbooks/index.js';
import { resolveSweeps, SweepsFileSchema, type SweepsConfig } from './sweeps.schema.js';

/** A sweeps file that cannot be used; `issues` hold every `file:line:col: path: what` found. */
export class SweepsFileError extends SourceFileError {
  constructor(file: string, issues: readonly SourceIssue[], options: { cause?: unknown } = {}) {
    super('sweeps_file_invalid', 'sweeps file', file, issues, options);
  }
}

/** Reads and checks SICKBAY_SWEEPS_FILE; throws SweepsFileError with every problem and its line. */
export async function loadSweeps(file: string): Promise<SweepsConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new SweepsFileError(file, [{ file, line: 1, col: 1, path: '', message: `cannot be read (${code})` }], { cause: err });
  }
  return parseSweeps(text, file);
}

export function parseSweeps(text: string, file: string): SweepsConfig {
  const source = parseYamlSource(text, file);
  if (source.issues.length) throw new SweepsFileError(file, source.issues);
  const parsed = SweepsFileSchema.safeParse(source.value);
  if (!parsed.success) throw new SweepsFileError(file, issuesFromZod(source, parsed.error, source.value));
  return resolveSweeps(parsed.data);
}
