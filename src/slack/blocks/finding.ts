import { fixSettings, givenBefore, mergeFixes, seenText, type AnalysisReport, type Finding, type Fix, type FixReference, type RemediationOfferView } from '../../domain/index.js';
import { clip, MAX_SECTION_TEXT } from './limits.js';
import { context, escapeMrkdwn, evidenceText, message, section, sectionsOf, SEVERITY_ICON } from './common.js';
import { findingLine, reportBlocks } from './diagnosis.js';
import { codeBlock, offerBlocks } from './remediation.js';
import type { Block, SlackMessage } from './types.js';

/** Evidence longer than this (characters, all lines of one finding) goes up as a file, not inline. */
export const EVIDENCE_INLINE_CHARS = 2500;

function evidenceBlock(text: string): Block {
  // Quoted lines in a code block: host text never becomes markup.
  const body = clip(text.replace(/```/g, "'''"), MAX_SECTION_TEXT - 20);
  return section(`*Evidence*\n\`\`\`${body}\`\`\``);
}

function fixBlocks(fixes: readonly Fix[], references: readonly FixReference[]): Block[] {
  return fixes.flatMap((fix, i) => {
    const before = givenBefore(fix, references);
    if (before) return [section(`*Fix ${i + 1}:* ${escapeMrkdwn(fix.title)} _(the fix given above for \`${before.code}\`)_`)];
    const commands = fix.commands?.length ? `\n${codeBlock(fix.commands)}` : '';
    const settings = fixSettings(fix)
      .map((s) => `\nIn ${escapeMrkdwn(s.where)}:\n${codeBlock([s.text])}`)
      .join('');
    const detail = fix.detail ? `\n${escapeMrkdwn(fix.detail)}` : '';
    return [section(`*Fix ${i + 1}:* ${escapeMrkdwn(fix.title)}${detail}${commands}${settings}`)];
  });
}

/** When an instance happened and, for history, why it is history. */
function timeLine(finding: Finding): string | undefined {
  const when = seenText(finding.seen);
  const parts = [when ? `When: ${when}` : undefined, finding.earlier ? `Earlier on this host: ${finding.earlier}` : undefined].filter((p) => p !== undefined);
  return parts.length ? escapeMrkdwn(parts.join(' · ')) : undefined;
}

/**
 * A thread reply for one finding code: every instance (container, mount, task) with its time,
 * the evidence of all of them and the fixes once; a fix an earlier reply gave whole is named. Evidence longer than EVIDENCE_INLINE_CHARS is
 * said to be attached and goes up as a file in the thread.
 */
export function findingMessage(
  host: string,
  finding: Finding,
  offers: readonly RemediationOfferView[] = [],
  instances: readonly Finding[] = [finding],
  fixesGivenBefore: readonly FixReference[] = [],
): SlackMessage {
  const all = instances.length ? instances : [finding];
  const evidence = all.length === 1 ? evidenceText(finding.evidence) : all.map((f) => `# ${f.subject ?? f.title}\n${evidenceText(f.evidence)}`).join('\n');
  const inFile = evidence.length > EVIDENCE_INLINE_CHARS;
  const lines = all.length === 1
    ? [section([findingLine(finding), timeLine(finding)].filter((l) => l !== undefined).join('\n'))]
    : sectionsOf([
        `${SEVERITY_ICON[finding.severity]} \`${finding.code}\` ${all.length} instances`,
        ...all.flatMap((f) => [`• ${escapeMrkdwn(f.title)}`, ...[timeLine(f)].filter((l) => l !== undefined).map((l) => `   ${l}`)]),
      ]);
  const title = all.length === 1 ? `${host}: ${finding.code} ${finding.title}` : `${host}: ${finding.code} (${all.length}) ${finding.title}`;
  const msg = message(title, [
    ...lines,
    inFile ? context(`Evidence: ${all.reduce((n, f) => n + f.evidence.length, 0)} lines, attached below as a file.`) : evidenceBlock(evidence),
    ...fixBlocks(mergeFixes(all.flatMap((f) => f.fixes)), fixesGivenBefore),
    ...offerBlocks(offers),
  ]);
  return inFile ? { ...msg, file: { filename: `${host}-${finding.code}.txt`, title: `${finding.code} evidence from ${host}`, content: evidence } } : msg;
}

/** A fleet thread reply: one host's findings in short. */
export function hostFindingsMessage(host: string, report: AnalysisReport): SlackMessage {
  return message(`${host}: ${report.findings.map((f) => f.code).join(', ')}`, [section(`*${escapeMrkdwn(host)}*`), ...reportBlocks(report)]);
}

const TONE_ICON = { question: ':grey_question:', warning: ':warning:' } as const;

/** A plain note, marked with its tone's emoji. */
export function textMessage(text: string, tone?: keyof typeof TONE_ICON): SlackMessage {
  const shown = tone ? `${TONE_ICON[tone]} ${text}` : text;
  return message(shown, sectionsOf(shown.split('\n')));
}
