import type { AnalysisReport, Finding, RemediationOfferView } from '../../domain/index.js';
import { clip, MAX_SECTION_TEXT } from './limits.js';
import { context, escapeMrkdwn, message, section, sectionsOf } from './common.js';
import { findingLine, reportBlocks } from './diagnosis.js';
import { offerBlocks } from './remediation.js';
import type { Block, SlackMessage } from './types.js';

function evidenceBlock(finding: Finding): Block {
  const lines = finding.evidence.map((e) => `${e.spec}${e.line ? `:${e.line}` : ''}  ${e.text}`);
  // Quoted lines in a code block: host text never becomes markup.
  const body = clip(lines.join('\n').replace(/```/g, "'''"), MAX_SECTION_TEXT - 20);
  return section(`*Evidence*\n\`\`\`${body}\`\`\``);
}

function fixBlocks(finding: Finding): Block[] {
  return finding.fixes.flatMap((fix, i) => {
    const commands = fix.commands?.length ? `\n\`\`\`${fix.commands.join('\n').replace(/```/g, "'''")}\`\`\`` : '';
    const detail = fix.detail ? `\n${escapeMrkdwn(fix.detail)}` : '';
    return [section(`*Fix ${i + 1}:* ${escapeMrkdwn(fix.title)}${detail}${commands}`)];
  });
}

/** A thread reply for one finding: the line, its evidence (or a pointer to the file) and its fixes. */
export function findingMessage(host: string, finding: Finding, evidenceInFile: boolean, offers: readonly RemediationOfferView[] = []): SlackMessage {
  return message(`${host}: ${finding.code} ${finding.title}`, [
    section(findingLine(finding)),
    evidenceInFile ? context(`Evidence: ${finding.evidence.length} lines, attached below as a file.`) : evidenceBlock(finding),
    ...fixBlocks(finding),
    ...offerBlocks(offers),
  ]);
}

/** A fleet thread reply: one host's findings in short. */
export function hostFindingsMessage(host: string, report: AnalysisReport): SlackMessage {
  return message(`${host}: ${report.findings.map((f) => f.code).join(', ')}`, [section(`*${escapeMrkdwn(host)}*`), ...reportBlocks(report)]);
}

export function textMessage(text: string): SlackMessage {
  return message(text, sectionsOf(text.split('\n')));
}
