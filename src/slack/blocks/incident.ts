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

/** A Slack link to a configured UI; a URL Slack would misread (or not http) is shown as text. */
function linkText(link: { label: string; url: string }): string {
  return /^https?:\/\/[^\s<>|]+$/.test(link.url) ? `<${link.url.replace(/&/g, '&amp;')}|${escapeMrkdwn(link.label)}>` : `${escapeMrkdwn(link.label)}: ${escapeMrkdwn(link.url)}`;
}

const code = (text: string): string => `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;

/** The latest task (or alert) in detail: task, agent, state and reason, message, exit, the event's time. */
function detailLines(view: IncidentView): string[] {
  const d = view.latest;
  if (!d) return [];
  const lines: string[] = [];
  if (d.alertName) lines.push(`alert ${code(d.alertName)}${d.severity ? ` (${escapeMrkdwn(d.severity)})` : ''}`);
  if (d.taskId) lines.push(`task ${code(d.taskId)}`);
  if (d.host || d.agentId) lines.push(`agent ${[d.host ? escapeMrkdwn(d.host) : undefined, d.agentId ? code(d.agentId) : undefined].filter(Boolean).join(' ')}`);
  if (d.container) lines.push(`container ${code(d.container)}`);
  const state = [d.state, d.reason, d.statusSource].filter((v): v is string => v !== undefined).map(escapeMrkdwn);
  if (state.length) lines.push(state.join(' · '));
  if (d.message || d.exitStatus !== undefined) {
    const exit = d.exitStatus !== undefined ? `exit ${d.exitStatus}` : undefined;
    lines.push([exit, d.message ? `“${escapeMrkdwn(d.message)}”` : undefined].filter(Boolean).join(': '));
  }
  lines.push(`at ${clockText(d.at)}`);
  return [lines.join('\n')];
}

/** The parent of an alert thread: the headline, the latest task in detail, then the digest (count, hosts, exit codes, times). */
export function incidentMessage(view: IncidentView): SlackMessage {
  const icon = view.kind === 'rate' ? ':chart_with_upwards_trend:' : view.resolved && view.resolved.count >= view.count ? ':white_check_mark:' : ':rotating_light:';
  const noun = view.kind === 'alert' ? 'alert' : 'failed task';
  const facts = [...(view.appId ? [`app \`${escapeMrkdwn(view.appId)}\``] : []), `${view.count} ${noun}${view.count === 1 ? '' : 's'}`];
  if (view.hosts.length) facts.push(`${view.hosts.length === 1 ? 'host' : `${view.hosts.length} hosts`}: ${escapeMrkdwn(hostsText(view.hosts))}`);
  const exits = exitsText(view.exitCodes);
  if (exits && view.kind !== 'alert') facts.push(`exit ${exits}`);
  const span = view.firstAt === view.lastAt ? clockText(view.lastAt) : `${clockText(view.firstAt)} → ${clockText(view.lastAt)}`;
  const latest = !view.latest && view.latestTaskId ? `latest task \`${escapeMrkdwn(view.latestTaskId)}\`${view.source ? ` (${view.source})` : ''}` : undefined;
  const blocks = [section(`${icon} *${escapeMrkdwn(view.headline)}*`), context([facts.join(' · '), span, ...(latest ? [latest] : [])].join('\n'))];
  for (const text of detailLines(view)) blocks.push(context(text));
  if (view.missing?.length) {
    blocks.push(context(`:grey_question: Not mapped, so not diagnosed:\n${view.missing.map((m) => `• ${escapeMrkdwn(m)}`).join('\n')}`));
  }
  if (view.resolved) blocks.push(context(`:white_check_mark: ${view.resolved.count} of ${view.count} resolved, last at ${clockText(view.resolved.at)}`));
  if (view.links?.length) blocks.push(context(view.links.map(linkText).join(' · ')));
  const follow = view.kind === 'rate' ? 'Failed-task rate over the threshold: look at the app’s deploys and hosts.' : 'Diagnoses and findings follow in this thread.';
  blocks.push(context(follow));
  return message(view.headline, blocks);
}
