import { agoText, clockSkewText, gapsText, groupFindings, reportProblems, SEVERITY_RANK, type AnalysisReport, type DiagnosisView, type Finding, type FindingGroup, type Severity } from '../../domain/index.js';
import { formatDuration } from '../../shared/index.js';
import { context, escapeMrkdwn, mention, message, section, sectionsOf, SEVERITY_ICON } from './common.js';
import type { Block, SlackMessage } from './types.js';

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

function headline(view: DiagnosisView): string {
  return `*${view.host}* · ${view.playbook} · requested by ${mention(view.requestedBy)}`;
}

function progressLine(view: DiagnosisView): string {
  if (!view.stepsTotal) return 'connecting…';
  return `${view.stepsDone}/${view.stepsTotal} steps${view.lastStep ? ` · last: ${view.lastStep}` : ''}`;
}

/** The key number of a finding: its title carries the figures ("pool 1.677 TB of 1.677 TB used (100 %)"). */
export function findingLine(finding: Finding): string {
  return `${SEVERITY_ICON[finding.severity]} \`${finding.code}\` ${escapeMrkdwn(finding.title)}${finding.subject ? ` (${escapeMrkdwn(finding.subject)})` : ''}`;
}

/**
 * The summary of one report: the root cause and every other independent problem with its own
 * cause, then one line per finding code by severity, then what happened earlier on this host.
 */
export function reportBlocks(report: AnalysisReport): Block[] {
  const blocks: Block[] = [];
  const problems = reportProblems(report);
  for (const [i, problem] of problems.entries()) {
    const label = i === 0 ? 'Root cause' : 'Separate problem, its own cause';
    blocks.push(section(`*${label}:* \`${problem.code}\` ${escapeMrkdwn(problem.title)}\n${escapeMrkdwn(problem.summary)}`));
  }
  const groups = groupFindings(report.findings);
  const current = groups.filter((g) => !g.earlier);
  if (current.length === 0) blocks.push(section(':white_check_mark: No current findings: nothing in the evidence matches a known problem now.'));
  const sorted = [...current].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  for (const severity of SEVERITIES) {
    const lines = sorted.filter((g) => g.severity === severity).map(groupLine);
    if (lines.length) blocks.push(...sectionsOf([`*${severity}* (${lines.length})`, ...lines]));
  }
  const earlier = groups.filter((g) => g.earlier);
  if (earlier.length) blocks.push(...sectionsOf(['*Earlier on this host* (history, not a current problem)', ...earlier.map(groupLine)]));
  if (report.host_clock_skew_seconds !== undefined) blocks.push(context(escapeMrkdwn(`Note: ${clockSkewText(report.host_clock_skew_seconds)}`)));
  if (report.gaps?.length) blocks.push(context(`Not seen: ${gapsText(report.gaps)}`));
  return blocks;
}

/** One line per finding code: the lead's line, and how many more instances there are. */
function groupLine(group: FindingGroup): string {
  const [lead] = group.instances;
  if (!lead) return '';
  const more = group.instances.length > 1 ? ` _(+${group.instances.length - 1} more)_` : '';
  const when = lead.seen?.last?.ago_seconds !== undefined ? ` · ${agoText(lead.seen.last.ago_seconds)} ago` : '';
  return `${findingLine(lead)}${escapeMrkdwn(when)}${more}`;
}

/** The parent message of a diagnosis, from "Diagnosing …" through progress to the summary. */
export function diagnosisMessage(view: DiagnosisView): SlackMessage {
  switch (view.phase) {
    case 'queued':
    case 'running':
      return message(`Diagnosing ${view.host} · ${view.playbook}`, [
        section(`:mag: Diagnosing ${headline(view)}`),
        context(progressLine(view)),
      ]);
    case 'retrying':
      return message(`Diagnosis of ${view.host} hit a problem, retrying`, [
        section(`:hourglass: Diagnosing ${headline(view)}`),
        context(`attempt failed: ${escapeMrkdwn(view.error ?? 'unknown error')} · retrying`),
      ]);
    case 'failed':
      return message(`Diagnosis of ${view.host} failed: ${view.error ?? 'unknown error'}`, [
        section(`:x: Diagnosis of ${headline(view)} failed`),
        section(escapeMrkdwn(view.error ?? 'unknown error')),
      ]);
    case 'done': {
      const report = view.report;
      const count = report?.findings.length ?? 0;
      const lead = report?.root_cause ? `root cause ${report.root_cause.code}` : `${count} finding${count === 1 ? '' : 's'}`;
      const seconds = view.durationMs !== undefined ? ` · ${formatDuration(view.durationMs)}` : '';
      return message(`${view.host}: ${lead}`, [
        section(`${count ? ':rotating_light:' : ':white_check_mark:'} ${headline(view)}${seconds}`),
        ...(report ? reportBlocks(report) : []),
        ...(count ? [context('Evidence and fixes for each finding are in the thread.')] : []),
      ]);
    }
  }
}
