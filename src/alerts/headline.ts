/** PURE: the one-line texts a thread starts with, platform-neutral. */
import type { IncidentView } from '../domain/index.js';
import { displayAppId } from './normalise.js';

function exitText(exitCodes: Readonly<Record<string, number>>): string {
  const known = Object.entries(exitCodes)
    .filter(([code]) => code !== 'none')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return known.map(([code, n]) => (n > 1 ? `${code} ×${n}` : code)).join(', ');
}

function minutes(ms: number): string {
  const m = Math.max(1, Math.round(ms / 60_000));
  return m === 1 ? '1 min' : `${m} min`;
}

type HeadlineInput = Pick<IncidentView, 'count' | 'hosts' | 'exitCodes' | 'firstAt' | 'lastAt'> & {
  appId?: string;
  alertName?: string;
  resolved?: number;
};

/**
 * "my-app task failed on test-a3-60-17 (exit 137)" for one failure;
 * "my-app: 270 tasks failed in 5 min on 10 hosts (exit 137 ×260, 143 ×10)" for a storm;
 * "ContainerOomKilled (my-app) firing on test-a3-60-17" for an Alertmanager group, "resolved: ..." once
 * every alert counted in it is.
 */
export function groupHeadline(group: HeadlineInput): string {
  const app = group.appId ? displayAppId(group.appId) : undefined;
  const exits = exitText(group.exitCodes);
  const exitSuffix = exits ? ` (exit ${exits})` : '';
  const span = Date.parse(group.lastAt) - Date.parse(group.firstAt);
  const where = group.hosts.length === 0 ? 'on a host sickbay could not map' : group.hosts.length === 1 ? `on ${group.hosts[0]}` : `on ${group.hosts.length} hosts`;
  if (group.alertName !== undefined) {
    const what = `${group.alertName}${app ? ` (${app})` : ''}`;
    const resolved = (group.resolved ?? 0) >= group.count;
    if (group.count > 1) return `${resolved ? 'resolved: ' : ''}${what}: ${group.count} alerts in ${minutes(span)} ${where}${exitSuffix}`;
    return resolved ? `resolved: ${what} ${where}${exitSuffix}` : `${what} firing ${where}${exitSuffix}`;
  }
  const name = app ?? 'a task';
  if (group.count === 1) return `${name} task failed ${group.hosts.length ? `on ${group.hosts[0]}` : 'on an unknown host'}${exitSuffix}`;
  return `${name}: ${group.count} tasks failed in ${minutes(span)} ${where}${exitSuffix}`;
}

export function rateHeadline(appId: string, count: number, windowMs: number, threshold: number): string {
  return `${displayAppId(appId)}: ${count} failed tasks in the last ${minutes(windowMs)} (threshold ${threshold}): something is wrong`;
}
