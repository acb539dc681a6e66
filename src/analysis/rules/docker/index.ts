import type { Rule } from '../rule.js';

/** Rules over docker and disk facts. */
export const dockerRules: readonly Rule[] = [];
