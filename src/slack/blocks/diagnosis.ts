import { SEVERITY_RANK, type AnalysisReport, type DiagnosisView, type Finding, type Severity } from '../../domain/index.js';
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

/** The summary of one report: root cause first, then findings by severity. */
export function reportBlocks(report: AnalysisReport): Block[] {
  const blocks: Block[] = [];
  if (report.root_cause) {
    blocks.push(section(`*Root cause:* \`${report.root_cause.code}\` ${escapeMrkdwn(report.root_cause.title)}\n${escapeMrkdwn(report.root_cause.summary)}`));
  }
  if (report.findings.length === 0) blocks.push(section(':white_check_mark: No findings: nothing in the evidence matches a known problem.'));
  const sorted = [...report.findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  for (const severity of SEVERITIES) {
    const lines = sorted.filter((f) => f.severity === severity).map(findingLine);
    if (lines.length) blocks.push(...sectionsOf([`*${severity}* (${lines.length})`, ...lines]));
  }
  if (report.gaps?.length) blocks.push(context(`Not seen: ${report.gaps.map((g) => `${g.spec} (${g.reason})`).join(', ')}`));
  return blocks;
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
