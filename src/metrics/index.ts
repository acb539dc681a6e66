export { createMetrics, type SickbayMetrics, type MetricsOptions, type JobCounts } from './metrics.js';
export { HEALTH_PATH, METRICS_PATH, healthHandler, opsHandler, opsRoute, redisProblem, type HealthCheck } from './health.js';
