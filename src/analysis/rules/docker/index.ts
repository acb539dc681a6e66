import type { Rule } from '../rule.js';
import { containerExitedRule } from './container-exited.js';
import { containerLogsHugeRule } from './container-logs-huge.js';
import { containerRestartLoopRule } from './container-restart-loop.js';
import { containerUnhealthyRule } from './container-unhealthy.js';
import { dmLoopLvmRule } from './dm-loop-lvm.js';
import { dmOvercommitRule } from './dm-overcommit.js';
import { dmPoolSpaceRule } from './dm-pool-space.js';
import { dockerVersionKnownBugRule } from './docker-version-known-bug.js';
import { dockerdAvailabilityRule } from './dockerd-availability.js';
import { filesystemInodesRule } from './filesystem-inodes.js';
import { filesystemUsageRule } from './filesystem-usage.js';
import { jvmHeapUnboundedRule } from './jvm-heap-unbounded.js';
import { storageDriverRiskRule } from './storage-driver-risk.js';

/** Rules over docker and disk facts. */
export const dockerRules: readonly Rule[] = [
  dmPoolSpaceRule,
  dmLoopLvmRule,
  dmOvercommitRule,
  filesystemUsageRule,
  filesystemInodesRule,
  containerLogsHugeRule,
  containerRestartLoopRule,
  containerExitedRule,
  containerUnhealthyRule,
  jvmHeapUnboundedRule,
  dockerdAvailabilityRule,
  storageDriverRiskRule,
  dockerVersionKnownBugRule,
];
