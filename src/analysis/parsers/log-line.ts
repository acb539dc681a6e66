import type { Evidence, SpecName } from '../../domain/index.js';

/** A line quoted from a bundle file: the proof behind a fact. `line` is 1-based; 0 for text kept in meta.json (stderr). */
export interface LogLine {
  spec: SpecName;
  line: number;
  text: string;
}

export function toEvidence(line: LogLine): Evidence {
  return line.line > 0 ? { spec: line.spec, text: line.text, line: line.line } : { spec: line.spec, text: line.text };
}

/** Each quoted line once, in first order: one line may prove several facts (compact JSON holds a container on one line). */
export function distinctEvidence(evidence: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = e.line !== undefined ? `${e.spec}:${e.line}` : `${e.spec}:${e.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
