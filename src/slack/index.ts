export { createSlackApp, boltLogger, type SlackAppOptions } from './create-slack-app.js';
export { createSlackNotifier, type SlackNotifierOptions } from './slack-notifier.js';
export { createDiagCommandHandler, formatStatus, type DiagCommandDeps } from './listeners/diag-command.js';
export { parseDiagCommand, DIAG_USAGE, type DiagCommand } from './parse-diag-command.js';
export { decideAccess, groupsInPolicy, type AccessDecision, type AccessRuleLike } from './access-policy.js';
export { userTextForError } from './error-handler.js';
export { AccessDeniedError, CommandSyntaxError } from './slack-errors.js';
export * as blocks from './blocks/index.js';
