import { createHash } from 'node:crypto';

/** Queue and job naming. BullMQ rejects custom ids that are integers or contain ":"; host names hold neither. */

export const DIAGNOSE_JOB = 'diagnose';
export const FLEET_JOB = 'fleet';
/** Fleet summaries need no host access: any worker takes them. */
export const FLEET_QUEUE = 'diagnose-fleet';

/** Jobs for hosts of a zone go to that zone's queue, so that a worker runs where it can reach the host. */
export function diagnoseQueueName(zone: string): string {
  return `diagnose-${zone}`;
}

/**
 * One job per host, playbook and params at a time: a second request joins the first. Params (a
 * container id...) are folded into a short digest, so that the id holds no ":" and stays short.
 */
export function diagnoseJobId(host: string, playbook: string, params?: Readonly<Record<string, string>>): string {
  const entries = Object.entries(params ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return `diag-${host}-${playbook}`;
  return `diag-${host}-${playbook}-${createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 12)}`;
}

export function fleetJobId(tag: string, playbook: string): string {
  return `fleet-${tag}-${playbook}`;
}
