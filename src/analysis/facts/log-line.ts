import type { Evidence, SpecName } from '../../domain/index.js';

/** A line quoted from a bundle file: the proof behind a fact. `line` is 1-based. */
export interface LogLine {
  spec: SpecName;
  line: number;
  text: string;
}

export function toEvidence(line: LogLine): Evidence {
  return { spec: line.spec, text: line.text, line: line.line };
}
