import type { Finding, RootCause } from '../domain/index.js';
import type { Facts } from './facts/index.js';

/** Picks the finding that explains the others, with the chain it explains. */
export function correlate(findings: readonly Finding[], _facts: Facts): RootCause | null {
  const first = findings[0];
  if (!first) return null;
  return { code: first.code, title: first.title, summary: first.title, explains: [first.code] };
}
