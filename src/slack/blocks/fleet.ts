import { plural, type FleetView } from '../../domain/index.js';
import { context, mention, message, section, sectionsOf } from './common.js';
import type { SlackMessage } from './types.js';

/** "3 of 20 hosts: DM_POOL_DATA_FULL", one line per finding code, most widespread first. */
export function fleetLines(view: FleetView): string[] {
  const total = view.hosts.length;
  const byCode = new Map<string, string[]>();
  for (const h of view.hosts) {
    for (const code of new Set(h.report?.findings.map((f) => f.code) ?? [])) byCode.set(code, [...(byCode.get(code) ?? []), h.host]);
  }
  return [...byCode.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([code, hosts]) => `${hosts.length} of ${total} hosts: \`${code}\``);
}

export function fleetMessage(view: FleetView): SlackMessage {
  const lines = fleetLines(view);
  const failed = view.hosts.filter((h) => h.error);
  const clean = view.hosts.filter((h) => h.report && h.report.findings.length === 0).length;
  return message(`tag:${view.tag} · ${lines[0] ?? 'no findings'}`, [
    section(`:mag: Fleet *tag:${view.tag}* · ${view.playbook} · requested by ${mention(view.requestedBy)} · ${plural(view.hosts.length, 'host')}`),
    ...(lines.length ? sectionsOf(lines) : [section(':white_check_mark: No findings on any host.')]),
    context(`${clean} clean · ${failed.length} not diagnosed${failed.length ? `: ${failed.map((h) => `${h.host} (${h.error ?? '?'})`).join(', ')}` : ''}`),
  ]);
}
