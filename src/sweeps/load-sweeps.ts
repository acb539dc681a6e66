import { parseSourceWith, readSourceText, SourceFileError, type SourceFailure, type SourceIssue } from '../playbooks/index.js';
import { resolveSweeps, SweepsFileSchema, type SweepsConfig } from './sweeps.schema.js';

/** A sweeps file that cannot be used; `issues` hold every `file:line:col: path: what` found. */
export class SweepsFileError extends SourceFileError {
  constructor(file: string, issues: readonly SourceIssue[], options: { cause?: unknown } = {}) {
    super('sweeps_file_invalid', 'sweeps file', file, issues, options);
  }
}

/** Reads and checks SICKBAY_SWEEPS_FILE; throws SweepsFileError with every problem and its line. */
export async function loadSweeps(file: string): Promise<SweepsConfig> {
  return parseSweeps(await readSourceText(file, sweepsFailure(file)), file);
}

export function parseSweeps(text: string, file: string): SweepsConfig {
  return resolveSweeps(parseSourceWith(text, file, SweepsFileSchema, sweepsFailure(file)).value);
}

function sweepsFailure(file: string): SourceFailure {
  return (issues, options) => new SweepsFileError(file, issues, options);
}
