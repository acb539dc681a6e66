import type { Finding, FindingCode } from '../../domain/index.js';
import type { Facts } from '../facts/index.js';
import type { Thresholds } from '../thresholds.js';

/** What a rule may know besides the facts: the clock and thresholds come in, never from globals. */
export interface RuleContext {
  now: Date;
  thresholds: Thresholds;
}

/** A rule: pure, one file per finding code (or a tight family), named after what it detects. */
export interface Rule {
  /** The codes this rule can raise. */
  codes: readonly FindingCode[];
  run(facts: Facts, ctx: RuleContext): Finding[];
}
