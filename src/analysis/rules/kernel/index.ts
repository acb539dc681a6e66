import type { Rule } from '../rule.js';

/** Rules over kernel, dockerd-log and process facts. */
export const kernelRules: readonly Rule[] = [];
