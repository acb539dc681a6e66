export { createDiagnoser, type DiagnoserDeps } from './create-diagnoser.js';
export { ReplayDiagnoser, type Analyse, type ReplayDiagnoserOptions } from './replay-diagnoser.js';
export { loadReplayDirectory, replayHost } from './replay-directory.js';
export { loadHostAccess, sshConnector, type HostAccess, type HostAccessOptions } from './host-access.js';
export { decideAccess, decideAlertAccess, groupsInAccessPolicy, hostsVisibleTo, type AccessDecision } from './access-policy.js';
