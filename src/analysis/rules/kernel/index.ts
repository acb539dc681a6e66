import type { Rule } from '../rule.js';
import { containerKilled137Rule } from './container-killed-137.js';
import { containerOomKilledRule } from './container-oom-killed.js';
import { containerStopTimeoutRule } from './container-stop-timeout.js';
import { conntrackFullRule } from './conntrack-full.js';
import { containerdRestoreFailedRule } from './containerd-restore-failed.js';
import { dStatePileupRule } from './d-state-pileup.js';
import { fsIoErrorRule, fsReadOnlyRemountRule, fsShutdownRule } from './filesystem-errors.js';
import { hungTaskRule } from './hung-task.js';
import { kernelOomKillRule } from './kernel-oom-kill.js';
import { loadExtremeRule } from './load-extreme.js';
import { pidsLimitRule } from './pids-limit.js';
import { vethUnregisterLeakRule } from './veth-unregister-leak.js';

/** Rules over kernel, dockerd-log and process facts. */
export const kernelRules: readonly Rule[] = [
  hungTaskRule,
  loadExtremeRule,
  dStatePileupRule,
  vethUnregisterLeakRule,
  pidsLimitRule,
  conntrackFullRule,
  kernelOomKillRule,
  containerOomKilledRule,
  containerKilled137Rule,
  containerStopTimeoutRule,
  fsIoErrorRule,
  fsReadOnlyRemountRule,
  fsShutdownRule,
  containerdRestoreFailedRule,
];
