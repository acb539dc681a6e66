import { clip, clockSkewText, fixSettings, givenBefore, gapsText, groupFindings, printableDeep, reportProblems, seenText, type AnalysisReport, type Finding, type FindingGroup, type Severity } from '../domain/index.js';

export interface TerminalOptions {
  /** ANSI colour; on when printing to a TTY. */
  colour: boolean;
  /** Evidence lines shown per finding before "(+N more)". */
  maxEvidence?: number;
}

const SEVERITY_STYLE: Record<Severity, [label: string, ansi: string]> = {
  critical: ['CRIT', '\x1b[1;31m'],
  warning: ['WARN', '\x1b[33m'],
  info: ['INFO', '\x1b[36m'],
};

type Paint = (ansi: string, text: string) => string;

/**
 * Renders one host's report for a terminal: the root cause (and every other independent problem
 * with its own cause) first, then one block per finding code with each instance, its time, proof
 * and the fixes once, then what happened earlier on this host.
 */
export function renderTerminal(hostReport: AnalysisReport, options: TerminalOptions): string {
  // every field is host text (evidence, names, titles built from them): shown, never obeyed, one line each
  const report = printableDeep(hostReport);
  const paint: Paint = (ansi, text) => (options.colour ? `${ansi}${text}\x1b[0m` : text);
  const bold = (text: string) => paint('\x1b[1m', text);
  const dim = (text: string) => paint('\x1b[2m', text);
  const maxEvidence = options.maxEvidence ?? 4;
  const out: string[] = [];

  const current = report.findings.filter((f) => f.earlier === undefined);
  const counts = countBySeverity(current);
  out.push(bold(`== ${report.host}`) + dim(`  ${counts}${report.collected_at ? ` · collected ${report.collected_at}` : ''}`));
  if (report.host_clock_skew_seconds !== undefined) out.push(dim(`Note: ${clockSkewText(report.host_clock_skew_seconds)}`));
  const problems = reportProblems(report);
  for (const [i, problem] of problems.entries()) {
    out.push(`${bold(i === 0 ? 'Root cause:' : 'Separate problem, its own cause:')} ${problem.title}`);
    out.push(`  ${problem.summary}`);
    if (problem.explains.length > 1) out.push(dim(`  explains: ${problem.explains.join(' -> ')}`));
  }
  if (current.length === 0) out.push('No current problems found in the evidence collected.');
  const groups = groupFindings(report.findings);
  for (const group of groups.filter((g) => !g.earlier)) out.push('', ...renderGroup(group, maxEvidence, paint, dim));
  const earlier = groups.filter((g) => g.earlier);
  if (earlier.length) {
    out.push('', bold('Earlier on this host') + dim('  (history, not a current problem)'));
    for (const group of earlier) out.push('', ...renderGroup(group, maxEvidence, paint, dim));
  }
  if (report.gaps?.length) {
    out.push('', dim(`Not seen: ${gapsText(report.gaps)}`));
  }
  return out.join('\n') + '\n';
}

function renderGroup(group: FindingGroup, maxEvidence: number, paint: Paint, dim: (text: string) => string): string[] {
  const [label, ansi] = SEVERITY_STYLE[group.severity];
  const [lead] = group.instances;
  if (!lead) return [];
  const lines: string[] = [];
  if (group.instances.length === 1) lines.push(`${paint(ansi, label)} ${group.code}  ${lead.title}`, ...instanceLines(lead, '    ', maxEvidence, dim));
  else {
    lines.push(`${paint(ansi, label)} ${group.code}  ${group.instances.length} instances`);
    for (const f of group.instances) lines.push(`  - ${f.title}`, ...instanceLines(f, '      ', maxEvidence, dim));
  }
  for (const fix of group.fixes) {
    const before = givenBefore(fix, group.fixesGivenBefore);
    if (before) {
      lines.push(`    fix: ${fix.title}` + dim(`  (as given above under ${before.code})`));
      continue;
    }
    lines.push(`    fix: ${fix.title}${fix.remediation ? dim(` [remediation ${fix.remediation}]`) : ''}`);
    if (fix.detail) lines.push(dim(`         ${fix.detail}`));
    for (const cmd of fix.commands ?? []) lines.push(dim(`         $ ${cmd}`));
    for (const setting of fixSettings(fix)) lines.push(dim(`         ${setting.where}: ${setting.text}`));
  }
  return lines;
}

function instanceLines(finding: Finding, indent: string, maxEvidence: number, dim: (text: string) => string): string[] {
  const lines: string[] = [];
  const when = seenText(finding.seen);
  if (when) lines.push(dim(`${indent}when: ${when}`));
  if (finding.earlier) lines.push(dim(`${indent}earlier: ${finding.earlier}`));
  for (const ev of finding.evidence.slice(0, maxEvidence)) {
    lines.push(dim(`${indent}${ev.spec}${ev.line ? `:${ev.line}` : ''}  `) + clip(ev.text.trimEnd(), 200));
  }
  if (finding.evidence.length > maxEvidence) lines.push(dim(`${indent}(+${finding.evidence.length - maxEvidence} more lines)`));
  return lines;
}

function countBySeverity(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'healthy';
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return [`${n('critical')} critical`, `${n('warning')} warning`, `${n('info')} info`].join(', ');
}
