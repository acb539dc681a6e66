import type { CapacityEvent, CapacityThreadView, ForecastTableView } from '../../domain/index.js';
import { bandText, forecastTableLines, formatSpan, timeToFullText } from '../../forecast/index.js';
import { context, escapeMrkdwn, message, section, SEVERITY_ICON } from './common.js';
import { clip, MAX_SECTION_TEXT } from './limits.js';
import type { Block, SlackMessage } from './types.js';

const BAND_ICON = (band: CapacityThreadView['band']): string => (band === 'full' ? ':red_circle:' : band === 'none' ? ':white_check_mark:' : band <= 6 * 3600 ? ':red_circle:' : ':large_orange_circle:');

function eventLine(e: CapacityEvent): string {
  switch (e.kind) {
    case 'within':
      return `now *full ${bandText(e.toSeconds)}*${e.fromSeconds === 'none' ? '' : ` (was ${bandText(e.fromSeconds)})`}`;
    case 'full':
      return '*full*';
    case 'eased':
      return `eased: now ${bandText(e.toSeconds)} (was ${bandText(e.fromSeconds)})`;
    case 'recovered':
      return 'recovered: no longer filling within any horizon';
    case 'vanished':
      return 'gone from the last sweeps (removed, or no longer mounted)';
    case 'appeared':
      return 'back in the sweeps';
    case 'finding_new':
      return `${SEVERITY_ICON[e.severity]} new finding \`${e.code}\` ${escapeMrkdwn(e.title)}`;
    case 'finding_gone':
      return `:white_check_mark: finding gone: \`${e.code}\` (${escapeMrkdwn(e.title)})`;
  }
}

function forecastLine(view: CapacityThreadView): string {
  const f = view.forecast;
  if (!f) return '';
  const pct = f.ratio !== null ? `${(f.ratio * 100).toFixed(1)} % used` : '';
  return `${pct}${pct ? ' · ' : ''}${timeToFullText(f)}`;
}

/** The parent of a (host, resource) thread: where the resource stands now, and its findings. */
export function capacityMessage(view: CapacityThreadView): SlackMessage {
  const resource = escapeMrkdwn(view.resource);
  const state = view.band === 'none' && view.findings.length ? 'findings' : bandText(view.band);
  const blocks: Block[] = [section(`${BAND_ICON(view.band)} *${escapeMrkdwn(view.host)}* · \`${resource}\` · ${state}`)];
  const f = forecastLine(view);
  if (f) blocks.push(section(f));
  if (view.findings.length) blocks.push(section(clip(view.findings.map((x) => `${SEVERITY_ICON[x.severity]} \`${x.code}\` ${escapeMrkdwn(x.title)}`).join('\n'), MAX_SECTION_TEXT)));
  if (view.events.length) blocks.push(context(view.events.map(eventLine).join(' · ')));
  blocks.push(context(`capacity sweep ${escapeMrkdwn(view.sweep)} · this thread is updated when something changes`));
  return message(`${view.host} ${view.resource}: ${state}${f ? ` · ${f}` : ''}`, blocks);
}

/** A reply in the thread: what changed in this sweep, with the forecast it changed on. */
export function capacityChangeMessage(view: CapacityThreadView): SlackMessage {
  const lines = view.events.map(eventLine);
  const f = forecastLine(view);
  return message(`${view.host} ${view.resource}: ${lines.join('; ')}`, [section(lines.join('\n')), ...(f ? [context(f)] : [])]);
}

/** `/diag forecast`: each host's table of resources and their time to full, soonest first. */
export function forecastTableText(view: ForecastTableView): string {
  return view.hosts
    .map((h) => {
      if (h.error) return `*${escapeMrkdwn(h.host)}*: ${escapeMrkdwn(h.error)}`;
      if (!h.rows.length) return `*${escapeMrkdwn(h.host)}*: no capacity samples yet (is a sweep scheduled for it?)`;
      const asOf = Math.max(...h.rows.map((r) => r.asOf ?? 0));
      const soonest = h.rows[0];
      const headline = soonest && soonest.secondsToFull !== null ? ` · soonest full: \`${escapeMrkdwn(soonest.resource)}\` in ${formatSpan(soonest.secondsToFull)}` : '';
      const table = forecastTableLines(h.rows).join('\n').replace(/```/g, "'''");
      return `*${escapeMrkdwn(h.host)}*${headline} · last sample <!date^${asOf}^{date_short_pretty} {time}|${new Date(asOf * 1000).toISOString()}>\n\`\`\`${table}\`\`\``;
    })
    .join('\n');
}
