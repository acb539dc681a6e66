import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { FleetView, Notifier } from '../../domain/index.js';
import { DiagnoseJobResultSchema, FleetJobDataSchema, type FleetJobData } from '../jobs.schema.js';
import type { RedactPort } from './diagnose.processor.js';

export interface FleetProcessorDeps {
  notifier: Notifier;
  redactor: RedactPort;
  logger: Logger;
}

/**
 * Runs when every host job of a fleet run has finished: posts one summary of all hosts
 * ("3 of 20 hosts: DM_POOL_DATA_FULL") and a thread reply per host that has findings.
 */
export function createFleetProcessor(deps: FleetProcessorDeps) {
  return async function processFleet(job: Job): Promise<{ hosts: number; withFindings: number }> {
    const parsed = FleetJobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`fleet job data invalid: ${parsed.error.message}`);
    let data: FleetJobData = parsed.data;
    const values = await job.getChildrenValues();
    const failures = await job.getIgnoredChildrenFailures();
    const byHost = new Map<string, FleetView['hosts'][number]>();
    for (const raw of Object.values(values)) {
      const result = DiagnoseJobResultSchema.safeParse(raw);
      if (!result.success) continue;
      const r = result.data;
      byHost.set(r.host, r.report ? { host: r.host, report: r.report } : { host: r.host, error: r.error ?? 'no result' });
    }
    const failedReasons = Object.entries(failures);
    for (const host of data.hosts) {
      if (byHost.has(host)) continue;
      // Ignored failures are keyed by the child's job key, which ends with the host name.
      const reason = failedReasons.find(([key]) => key.endsWith(`-${host}`))?.[1];
      byHost.set(host, { host, error: deps.redactor.text(reason ?? 'not diagnosed') });
    }
    const view: FleetView = {
      tag: data.tag,
      playbook: data.playbook,
      requestedBy: data.requestedBy,
      hosts: data.hosts.map((h) => byHost.get(h) ?? { host: h, error: 'not diagnosed' }),
    };
    let parent = data.parent;
    if (!parent) {
      parent = await deps.notifier.post(data.channel, { kind: 'fleet', view });
      data = { ...data, parent };
      await job.updateData(data);
    } else {
      await deps.notifier.update(parent, { kind: 'fleet', view });
    }
    const withFindings = view.hosts.filter((h) => h.report && h.report.findings.length > 0);
    if (!data.threadPosted) {
      for (const h of withFindings) {
        if (h.report) await deps.notifier.reply(parent, { kind: 'host-findings', host: h.host, report: h.report });
      }
      await job.updateData({ ...data, threadPosted: true });
    }
    deps.logger.info({ jobId: job.id, tag: data.tag, hosts: view.hosts.length, withFindings: withFindings.length }, 'fleet summary posted');
    return { hosts: view.hosts.length, withFindings: withFindings.length };
  };
}
