import { dockerRules } from './docker/index.js';
import { kernelRules } from './kernel/index.js';
import type { Rule } from './rule.js';

export type { Rule, RuleContext } from './rule.js';

export const ALL_RULES: readonly Rule[] = [...kernelRules, ...dockerRules];
