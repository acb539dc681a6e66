export { renderTerminal, type TerminalOptions } from './terminal.js';
export { createTerminalNotifier, type TerminalNotifierOptions } from './terminal-notifier.js';
