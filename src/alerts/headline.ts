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

/**
 * "my-app task failed on test-a3-60-17 (exit 137)" for one failure;
 * "my-app: 270 tasks failed in 5 min on 10 hosts (exit 137 ×260, 143 ×10)" for a storm.
 */
export function groupHeadline(group: Pick<IncidentView, 'appId' | 'count' | 'hosts' | 'exitCodes' | 'firstAt' | 'lastAt'>): string {
  const app = displayAppId(group.appId);
  const exits = exitText(group.exitCodes);
  const exitSuffix = exits ? ` (exit ${exits})` : '';
  if (group.count === 1) return `${app} task failed on ${group.hosts[0] ?? 'an unknown host'}${exitSuffix}`;
  const span = Date.parse(group.lastAt) - Date.parse(group.firstAt);
  const where = group.hosts.length === 1 ? `on ${group.hosts[0]}` : `on ${group.hosts.length} hosts`;
  return `${app}: ${group.count} tasks failed in ${minutes(span)} ${where}${exitSuffix}`;
}

export function rateHeadline(appId: string, count: number, windowMs: number, threshold: number): string {
  return `${displayAppId(appId)}: ${count} failed tasks in the last ${minutes(windowMs)} (threshold ${threshold}): something is wrong`;
}
