import { z } from 'zod';

/** Spec names from the evidence-bundle contract (docs/evidence.md). A spec is one named piece of evidence. */
export const SPEC_NAMES = [
  'uname',
  'nproc',
  'uptime',
  'meminfo',
  'df',
  'df_inodes',
  'mountinfo',
  'fuse_connections',
  'conntrack',
  'loop_devices',
  'ps',
  'blocked_threads',
  'dmesg',
  'messages',
  'journal_docker',
  'docker_version',
  'docker_info',
  'docker_ps',
  'docker_inspect',
  'docker_log_sizes',
  'container_memory',
  'container_log_tail',
  'dmsetup_status',
  'lvs',
] as const;

export const SpecNameSchema = z.enum(SPEC_NAMES);
export type SpecName = z.infer<typeof SpecNameSchema>;

export function isSpecName(value: string): value is SpecName {
  return (SPEC_NAMES as readonly string[]).includes(value);
}
