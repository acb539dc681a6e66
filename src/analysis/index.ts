export { analyze, type AnalyzeOptions } from './analyze.js';
export { buildFacts, type Facts } from './facts/index.js';
export { capacityFacts, type CapacityFacts, type FilesystemCapacity } from './capacity.js';
export { ALL_RULES, type Rule, type RuleContext } from './rules/index.js';
export * from './thresholds.js';
export { containerHealth, containerPresence, outputUnderstood } from './understood.js';
export { formatBytes } from './parsers/sizes.js';
export { ANALYSIS_LOG_FILTER } from './log-filter.js';
