import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnalysisReport } from '../domain/index.js';

export type JobCounts = Record<string, Record<string, number>>;

export interface SickbayMetrics {
  readonly registry: Registry;
  diagnosisFinished(outcome: 'done' | 'failed' | 'retrying', durationMs: number, report?: AnalysisReport): void;
  stepTimedOut(step: string): void;
  slackApiError(method: string, code: string): void;
  /** A capacity forecast's time to 100 % (sickbay_time_to_full_seconds); null drops the series (not growing, gone). */
  timeToFull(host: string, resource: string, seconds: number | null): void;
  /** Serves the registry in Prometheus text format (GET /metrics). */
  handler(req: IncomingMessage, res: ServerResponse): void;
}

export interface MetricsOptions {
  /** Job counts by queue and state, read from Redis at scrape time. */
  jobCounts?: () => Promise<JobCounts>;
  /** Node process metrics (heap, event loop). @defaultValue true */
  processMetrics?: boolean;
}

/** Every metric sickbay exports, in its own registry (tests build several side by side). */
export function createMetrics(options: MetricsOptions = {}): SickbayMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'sickbay_' });
  const jobCounts = options.jobCounts;
  new Gauge({
    name: 'sickbay_jobs',
    help: 'Jobs in the queues, by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      if (!jobCounts) return;
      this.reset();
      try {
        for (const [queue, counts] of Object.entries(await jobCounts())) {
          for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
        }
      } catch {
        // Redis down: the gauge is empty for this scrape; sickbay_redis_up-like signals come from the logs.
      }
    },
  });
  const duration = new Histogram({
    name: 'sickbay_diagnosis_duration_seconds',
    help: 'Time from a worker taking a diagnose job to its end, by outcome',
    labelNames: ['outcome'],
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers: [registry],
  });
  const timeouts = new Counter({ name: 'sickbay_step_timeouts_total', help: 'Playbook steps that hit their timeout', labelNames: ['step'], registers: [registry] });
  const findings = new Counter({ name: 'sickbay_findings_total', help: 'Findings reported, by code and severity', labelNames: ['code', 'severity'], registers: [registry] });
  const slackErrors = new Counter({ name: 'sickbay_slack_api_errors_total', help: 'Failed Slack Web API calls, by method and error', labelNames: ['method', 'code'], registers: [registry] });

  const timeToFull = new Gauge({
    name: 'sickbay_time_to_full_seconds',
    help: 'Forecast time until a resource (filesystem, inodes, thin pool, container log) is 100 % full, from the capacity sweeps; absent when not growing',
    labelNames: ['host', 'resource'],
    registers: [registry],
  });

  return {
    registry,
    timeToFull(host, resource, seconds) {
      if (seconds === null) timeToFull.remove({ host, resource });
      else timeToFull.set({ host, resource }, seconds);
    },
    diagnosisFinished(outcome, durationMs, report) {
      duration.observe({ outcome }, durationMs / 1000);
      for (const f of report?.findings ?? []) findings.inc({ code: f.code, severity: f.severity });
    },
    stepTimedOut(step) {
      timeouts.inc({ step });
    },
    slackApiError(method, code) {
      slackErrors.inc({ method, code });
    },
    handler(_req, res) {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${(err as Error).message}`);
        });
    },
  };
}
