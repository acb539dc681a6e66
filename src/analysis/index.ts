export { analyze, type AnalyzeOptions } from './analyze.js';
export { buildFacts, type Facts } from './facts/index.js';
export { ALL_RULES, type Rule, type RuleContext } from './rules/index.js';
export * from './thresholds.js';
