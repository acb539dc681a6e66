export { renderTerminal, type TerminalOptions } from './terminal.js';
export { createTerminalNotifier, type TerminalNotifierOptions } from './terminal-notifier.js';
export { createStatusLine } from './status-line.js';
