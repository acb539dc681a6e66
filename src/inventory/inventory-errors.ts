import { InputError } from '../domain/index.js';
import { describeValue, SourceFileError, type SourceIssue } from '../playbooks/index.js';

/** An inventory file that cannot be used; `issues` hold every `file:line:col: path: what` found. */
export class InventoryError extends SourceFileError {
  constructor(file: string, issues: readonly SourceIssue[], options: { cause?: unknown } = {}) {
    super('inventory_invalid', 'inventory', file, issues, options);
  }
}

/** What was typed is not even shaped like a host name or `tag:NAME`: refused before any lookup. */
export class InvalidTargetError extends InputError {}

/** A well-formed host name or tag that the inventory does not hold. */
export class UnknownHostError extends InputError {
  readonly suggestions: readonly string[];

  constructor(code: string, message: string, suggestions: readonly string[]) {
    super(code, message);
    this.suggestions = suggestions;
  }
}

export function invalidTarget(target: string): InvalidTargetError {
  return new InvalidTargetError(
    'target_invalid',
    `${describeValue(target)} is not a host name or tag: expected a name like host-a3-60-17 (letters, digits, ".", "_", "-"), or tag:NAME, or zone:NAME`,
  );
}

function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : '';
}

export function unknownHost(name: string, suggestions: readonly string[]): UnknownHostError {
  return new UnknownHostError('host_unknown', `no host ${name} in the inventory${didYouMean(suggestions)}`, suggestions);
}

export function unknownTag(kind: 'tag' | 'zone', name: string, suggestions: readonly string[]): UnknownHostError {
  // Spelled out so that every code stands in the source as written (docs/errors.md is checked against it).
  return new UnknownHostError(kind === 'tag' ? 'tag_unknown' : 'zone_unknown', `no host has ${kind} ${name}${didYouMean(suggestions.map((s) => `${kind}:${s}`))}`, suggestions);
}
