import { clip as clipText } from '../../domain/index.js';

/** Block Kit limits (api.slack.com/reference/block-kit): what a message may hold. */
export const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
export const MAX_HEADER_TEXT = 150;
export const MAX_CONTEXT_TEXT = 2000;
/** Top-level `text` (the notification fallback): Slack truncates past 40 000; we keep it short. */
export const MAX_FALLBACK_TEXT = 3000;
/** Buttons: label 75, value 2000; a confirm dialog's title 100 and text 300; 25 elements per actions block. */
export const MAX_BUTTON_TEXT = 75;
export const MAX_CONFIRM_TITLE = 100;
export const MAX_CONFIRM_TEXT = 300;
export const MAX_ACTIONS = 25;

/** Cuts text to a Block Kit limit, saying that it did (the one clip of domain/text, with Slack's mark). */
export function clip(text: string, max: number): string {
  return clipText(text, max, '… (cut)');
}
