import type { Bundle, StepMeta } from '../../domain/index.js';
import { buildClock, type HostClock } from './clock.js';
import { buildDiskFacts, type DiskFacts } from './disks.js';
import { buildDockerFacts, type DockerFacts } from './docker.js';
import { buildDockerdLogFacts, type DockerdLogFacts } from './dockerd-log.js';
import { buildKernelFacts, type KernelFacts } from './kernel.js';
import { buildSystemFacts, type SystemFacts } from './system.js';

export * from '../parsers/log-line.js';
export type * from './system.js';
export type * from './kernel.js';
export type * from './dockerd-log.js';
export type * from './docker.js';
export type * from './disks.js';
export type { HostClock } from './clock.js';

/** Everything the rules may look at: parsed once per bundle, plain data. */
export interface Facts {
  host: string;
  steps: Readonly<Record<string, StepMeta>>;
  /** Spec files present in the bundle (collected, whatever their content). */
  collected: ReadonlySet<string>;
  system: SystemFacts;
  kernel: KernelFacts;
  dockerd: DockerdLogFacts;
  docker: DockerFacts;
  disks: DiskFacts;
  /** The host's clock: collection time, UTC offset, boot time (what places log lines in time). */
  clock: HostClock;
}

export function buildFacts(bundle: Bundle): Facts {
  return {
    host: bundle.meta.host ?? 'unknown-host',
    steps: bundle.meta.steps ?? {},
    collected: new Set(bundle.files.keys()),
    system: buildSystemFacts(bundle),
    kernel: buildKernelFacts(bundle),
    dockerd: buildDockerdLogFacts(bundle),
    docker: buildDockerFacts(bundle),
    disks: buildDiskFacts(bundle),
    clock: buildClock(bundle),
  };
}
