import { clip, printable } from '../domain/index.js';

/** The longest status line drawn; longer text is cut with an ellipsis so it never wraps. */
const MAX_STATUS_CHARS = 150;

/**
 * One line of live status on a terminal, redrawn in place ("3/20 hosts done · host-a: 9/15 steps").
 * With no `write` (not a TTY) it draws nothing, so piped output stays clean.
 */
export function createStatusLine(write: ((text: string) => void) | undefined) {
  return {
    draw(hostText: string): void {
      const text = printable(hostText);
      write?.(`\r\x1b[2K${clip(text, MAX_STATUS_CHARS)}`);
    },
    clear(): void {
      write?.('\r\x1b[2K');
    },
  };
}
