/** Queue and job naming. BullMQ rejects custom ids that are integers or contain ":"; host names hold neither. */

export const DIAGNOSE_JOB = 'diagnose';
export const FLEET_JOB = 'fleet';
/** Fleet summaries need no host access: any worker takes them. */
export const FLEET_QUEUE = 'diagnose-fleet';

/** Jobs for hosts of a zone go to that zone's queue, so that a worker runs where it can reach the host. */
export function diagnoseQueueName(zone: string): string {
  return `diagnose-${zone}`;
}

/** One job per host and playbook at a time: a second request joins the first. */
export function diagnoseJobId(host: string, playbook: string): string {
  return `diag-${host}-${playbook}`;
}

export function fleetJobId(tag: string, playbook: string): string {
  return `fleet-${tag}-${playbook}`;
}
