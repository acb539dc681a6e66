import { printableDeep, SLACK_USER_ID, userRef, type Evidence, type Severity } from '../../domain/index.js';
import { clip, MAX_BLOCKS, MAX_CONTEXT_TEXT, MAX_FALLBACK_TEXT, MAX_HEADER_TEXT, MAX_SECTION_TEXT } from './limits.js';
import type { Block, SlackMessage } from './types.js';

export const SEVERITY_ICON: Readonly<Record<Severity, string>> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

export const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, MAX_SECTION_TEXT) } });
export const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: clip(text, MAX_HEADER_TEXT) } });
export const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, MAX_CONTEXT_TEXT) }] });

/** Escapes what Slack's mrkdwn treats as markup in text that came from a host. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A message within Block Kit's limits: at most MAX_BLOCKS blocks (the last says what was left out).
 * Every builder ends here, so this is where host text loses its control characters (every text,
 * button and dialog of the message; see domain/text.ts): lengths stay the same, limits still hold.
 */
export function message(text: string, blocks: Block[]): SlackMessage {
  let kept = blocks;
  if (blocks.length > MAX_BLOCKS) {
    kept = [...blocks.slice(0, MAX_BLOCKS - 1), context(`… ${blocks.length - MAX_BLOCKS + 1} more blocks left out`)];
  }
  return printableDeep({ text: clip(text, MAX_FALLBACK_TEXT), blocks: kept }, { newlines: true });
}

/** A Slack user id becomes a mention; anything else (`alert`, `demo`) is shown as it is. */
export const mention = (user: string): string => (SLACK_USER_ID.pattern.test(user) ? `<@${user}>` : user);

/** Core text (a policy decision's reason) with each person it names (userRef) as a Slack mention. */
export function withMentions(text: { reason: string; mentions?: readonly string[] | undefined }): string {
  const escape = (id: string) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return (text.mentions ?? []).reduce((t, user) => t.replace(new RegExp(`${escape(userRef(user))}(?![A-Za-z0-9])`, 'g'), () => mention(user)), text.reason);
}

/** A Slack user group, as a mention of the group. */
export const groupMention = (group: string): string => `<!subteam^${group}>`;

/** Joins lines into sections of at most MAX_SECTION_TEXT characters each. */
export function sectionsOf(lines: readonly string[]): Block[] {
  const blocks: Block[] = [];
  let current = '';
  for (const line of lines) {
    const piece = clip(line, MAX_SECTION_TEXT);
    if (current && current.length + 1 + piece.length > MAX_SECTION_TEXT) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${piece}` : piece;
  }
  if (current) blocks.push(section(current));
  return blocks;
}

/** Quoted lines as Slack shows them, inline or in the evidence file: `spec:line  text`. */
export function evidenceText(evidence: readonly Evidence[]): string {
  return evidence.map((e) => `${e.spec}${e.line ? `:${e.line}` : ''}  ${e.text}`).join('\n');
}
