import { InputError } from '../domain/index.js';
import { formatIssue, type SourceIssue } from './yaml-source.js';

/** Issues as one message: the first five `file:line:col: path: what` lines, then how many more. */
export function issuesMessage(file: string, what: string, issues: readonly SourceIssue[]): string {
  if (!issues.length) return `${file}: invalid ${what}`;
  const lines = issues.map(formatIssue);
  const more = lines.length > 5 ? `\n(${lines.length - 5} more)` : '';
  return `${lines.slice(0, 5).join('\n')}${more}`;
}

/** A YAML file (playbook, inventory) that cannot be used; `issues` hold every problem found. */
export class SourceFileError extends InputError {
  readonly file: string;
  readonly issues: readonly SourceIssue[];

  constructor(code: string, what: string, file: string, issues: readonly SourceIssue[], options: { cause?: unknown } = {}) {
    super(code, issuesMessage(file, what, issues), options);
    this.file = file;
    this.issues = issues;
  }
}
