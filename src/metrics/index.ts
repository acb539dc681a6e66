export { createMetrics, type SickbayMetrics, type MetricsOptions, type JobCounts } from './metrics.js';
