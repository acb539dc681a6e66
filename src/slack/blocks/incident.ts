import type { IncidentView } from '../../domain/index.js';
import { context, escapeMrkdwn, message, section } from './common.js';
import type { SlackMessage } from './types.js';

/** Hosts shown by name in an incident digest; the rest are counted. */
export const INCIDENT_HOSTS_SHOWN = 8;

function hostsText(hosts: readonly string[]): string {
  const shown = hosts.slice(0, INCIDENT_HOSTS_SHOWN).join(', ');
  const more = hosts.length - INCIDENT_HOSTS_SHOWN;
  return more > 0 ? `${shown} (+${more} more)` : shown;
}

function exitsText(exitCodes: Readonly<Record<string, number>>): string {
  return Object.entries(exitCodes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code === 'none' ? 'no exit status' : code} ×${n}`)
    .join(', ');
}

function clockText(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** The parent of an alert thread: the headline, then the digest (count, hosts, exit codes, times). */
export function incidentMessage(view: IncidentView): SlackMessage {
  const icon = view.kind === 'rate' ? ':chart_with_upwards_trend:' : ':rotating_light:';
  const facts = [`app \`${escapeMrkdwn(view.appId)}\``, `${view.count} failed task${view.count === 1 ? '' : 's'}`];
  if (view.hosts.length) facts.push(`${view.hosts.length === 1 ? 'host' : `${view.hosts.length} hosts`}: ${escapeMrkdwn(hostsText(view.hosts))}`);
  const exits = exitsText(view.exitCodes);
  if (exits) facts.push(`exit ${exits}`);
  const span = view.firstAt === view.lastAt ? clockText(view.lastAt) : `${clockText(view.firstAt)} → ${clockText(view.lastAt)}`;
  const latest = view.latestTaskId ? `latest task \`${escapeMrkdwn(view.latestTaskId)}\`${view.source ? ` (${view.source})` : ''}` : undefined;
  const follow = view.kind === 'rate' ? 'Failed-task rate over the threshold: look at the app’s deploys and hosts.' : 'Diagnoses and findings follow in this thread.';
  return message(view.headline, [
    section(`${icon} *${escapeMrkdwn(view.headline)}*`),
    context([facts.join(' · '), span, ...(latest ? [latest] : [])].join('\n')),
    context(follow),
  ]);
}
