import { InputError } from '../domain/index.js';
import { SourceFileError } from './source-error.js';
import type { SourceIssue } from './yaml-source.js';

/** A playbook file that cannot be used; `issues` hold every `file:line:col: path: what` found. */
export class PlaybookError extends SourceFileError {
  constructor(file: string, issues: readonly SourceIssue[], options: { cause?: unknown } = {}) {
    super('playbook_invalid', 'playbook', file, issues, options);
  }
}

/** A playbook name nobody shipped. */
export class PlaybookNotFoundError extends InputError {}

/** A param value (from chat or an alert) that is unknown, missing or fails its anchored pattern. */
export class ParamError extends InputError {}

/** Shows a hostile or huge value safely: escaped, cut at 40 characters. */
export function describeValue(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  const escaped = JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return value.length > 40 ? `${escaped} (${value.length} characters)` : escaped;
}

export function paramUnknown(context: string, name: string, known: readonly string[]): ParamError {
  const list = known.length ? `it takes ${known.join(', ')}` : 'it takes no params';
  return new ParamError('param_unknown', `${context} has no param ${describeValue(name)}: ${list}`);
}

export function paramInvalid(context: string, name: string, shown: string, expected: string): ParamError {
  return new ParamError('param_invalid', `${context}: ${name} ${shown} refused: expected ${expected}`);
}

export function paramMissing(context: string, name: string, expected: string): ParamError {
  return new ParamError('param_missing', `${context} needs ${name}: ${expected}`);
}

export function playbookNotFound(name: string, known: readonly string[]): PlaybookNotFoundError {
  return new PlaybookNotFoundError('playbook_not_found', `no playbook named ${describeValue(name)}; there are: ${known.join(', ') || 'none'}`);
}
