import type { AnalysisReport, Finding, RemediationOfferView } from '../../domain/index.js';
import { clip, MAX_SECTION_TEXT } from './limits.js';
import { context, escapeMrkdwn, evidenceText, message, section, sectionsOf } from './common.js';
import { findingLine, reportBlocks } from './diagnosis.js';
import { offerBlocks } from './remediation.js';
import type { Block, SlackMessage } from './types.js';

/** Evidence longer than this (characters, all lines of one finding) goes up as a file, not inline. */
export const EVIDENCE_INLINE_CHARS = 2500;

function evidenceBlock(text: string): Block {
  // Quoted lines in a code block: host text never becomes markup.
  const body = clip(text.replace(/```/g, "'''"), MAX_SECTION_TEXT - 20);
  return section(`*Evidence*\n\`\`\`${body}\`\`\``);
}

function fixBlocks(finding: Finding): Block[] {
  return finding.fixes.flatMap((fix, i) => {
    const commands = fix.commands?.length ? `\n\`\`\`${fix.commands.join('\n').replace(/```/g, "'''")}\`\`\`` : '';
    const detail = fix.detail ? `\n${escapeMrkdwn(fix.detail)}` : '';
    return [section(`*Fix ${i + 1}:* ${escapeMrkdwn(fix.title)}${detail}${commands}`)];
  });
}

/**
 * A thread reply for one finding: the line, its evidence and its fixes. Evidence longer than
 * EVIDENCE_INLINE_CHARS is said to be attached and goes up as a file in the thread.
 */
export function findingMessage(host: string, finding: Finding, offers: readonly RemediationOfferView[] = []): SlackMessage {
  const evidence = evidenceText(finding.evidence);
  const inFile = evidence.length > EVIDENCE_INLINE_CHARS;
  const msg = message(`${host}: ${finding.code} ${finding.title}`, [
    section(findingLine(finding)),
    inFile ? context(`Evidence: ${finding.evidence.length} lines, attached below as a file.`) : evidenceBlock(evidence),
    ...fixBlocks(finding),
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
