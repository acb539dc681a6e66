export { createSshRunner, MAX_CHANNELS_PER_CONNECTION, type SshRunner, type SshRunnerOptions } from './create-ssh-runner.js';
export { ConnectLimiter, configureConnectLimits, sharedConnectLimiter, type ConnectLimiterOptions } from './limiter.js';
export {
  KnownHosts,
  fingerprintOf,
  keyTypeOf,
  knownHostsName,
  knownHostsParseCount,
  loadKnownHosts,
  parseKnownHosts,
  type HostKeyCheck,
  type KnownHostEntry,
} from './known-hosts.js';
export { shellQuote, wrapRemoteCommand, remoteTimeoutSeconds } from './remote-command.js';
export * from './ssh-errors.js';
