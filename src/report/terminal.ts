import { printableDeep, type AnalysisReport, type Finding, type Severity } from '../domain/index.js';

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

/** Renders one host's report for a terminal: root cause first, then findings with proof and fixes. */
export function renderTerminal(hostReport: AnalysisReport, options: TerminalOptions): string {
  // every field is host text (evidence, names, titles built from them): shown, never obeyed, one line each
  const report = printableDeep(hostReport);
  const paint = (ansi: string, text: string) => (options.colour ? `${ansi}${text}\x1b[0m` : text);
  const bold = (text: string) => paint('\x1b[1m', text);
  const dim = (text: string) => paint('\x1b[2m', text);
  const maxEvidence = options.maxEvidence ?? 4;
  const out: string[] = [];

  const counts = countBySeverity(report.findings);
  out.push(bold(`== ${report.host}`) + dim(`  ${counts}${report.collected_at ? ` · collected ${report.collected_at}` : ''}`));
  if (report.root_cause) {
    out.push(`${bold('Root cause:')} ${report.root_cause.title}`);
    out.push(`  ${report.root_cause.summary}`);
    if (report.root_cause.explains.length > 1) out.push(dim(`  explains: ${report.root_cause.explains.join(' -> ')}`));
  } else if (report.findings.length === 0) {
    out.push('No problems found in the evidence collected.');
  }
  for (const finding of report.findings) out.push('', ...renderFinding(finding, maxEvidence, paint, dim));
  if (report.gaps?.length) {
    out.push('', dim(`Not seen: ${report.gaps.map((g) => `${g.spec} (${g.reason})`).join(', ')}`));
  }
  return out.join('\n') + '\n';
}

function renderFinding(
  finding: Finding,
  maxEvidence: number,
  paint: (ansi: string, text: string) => string,
  dim: (text: string) => string,
): string[] {
  const [label, ansi] = SEVERITY_STYLE[finding.severity];
  const lines = [`${paint(ansi, label)} ${finding.code}  ${finding.title}`];
  for (const ev of finding.evidence.slice(0, maxEvidence)) {
    lines.push(dim(`    ${ev.spec}${ev.line ? `:${ev.line}` : ''}  `) + truncate(ev.text.trimEnd(), 200));
  }
  if (finding.evidence.length > maxEvidence) lines.push(dim(`    (+${finding.evidence.length - maxEvidence} more lines)`));
  for (const fix of finding.fixes) {
    lines.push(`    fix: ${fix.title}${fix.remediation ? dim(` [remediation ${fix.remediation}]`) : ''}`);
    for (const cmd of fix.commands ?? []) lines.push(dim(`         $ ${cmd}`));
  }
  return lines;
}

function countBySeverity(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'healthy';
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return [`${n('critical')} critical`, `${n('warning')} warning`, `${n('info')} info`].join(', ');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
