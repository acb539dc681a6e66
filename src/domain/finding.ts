import { z } from 'zod';
import { SpecNameSchema } from './specs.js';

export const SeveritySchema = z.enum(['critical', 'warning', 'info']);
export type Severity = z.infer<typeof SeveritySchema>;

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

/** Stable finding codes (docs/findings.md). Codes never change meaning; new ones may be added. */
export const FINDING_CODES = [
  'DM_POOL_DATA_FULL',
  'DM_POOL_DATA_HIGH',
  'DM_POOL_METADATA_FULL',
  'DM_LOOP_LVM',
  'DM_OVERCOMMIT',
  'FS_FULL',
  'FS_HIGH',
  'FS_INODES_FULL',
  'FS_READ_ONLY_REMOUNT',
  'FS_IO_ERROR',
  'FS_SHUTDOWN',
  'CONTAINER_LOGS_HUGE',
  'HUNG_TASK',
  'LOAD_EXTREME',
  'D_STATE_PILEUP',
  'VETH_UNREGISTER_LEAK',
  'PIDS_LIMIT_REACHED',
  'CONNTRACK_TABLE_FULL',
  'KERNEL_OOM_KILL',
  'CONTAINER_OOM_KILLED',
  'CONTAINER_KILLED_137',
  'CONTAINER_RESTART_LOOP',
  'CONTAINER_EXITED',
  'CONTAINER_UNHEALTHY',
  'JVM_HEAP_UNBOUNDED',
  'DOCKERD_DOWN',
  'DOCKERD_UNRESPONSIVE',
  'CONTAINERD_RESTORE_FAILED',
  'CONTAINER_STOP_TIMEOUT',
  'STORAGE_DRIVER_RISK',
  'DOCKER_VERSION_KNOWN_BUG',
] as const;
export const FindingCodeSchema = z.enum(FINDING_CODES);
export type FindingCode = z.infer<typeof FindingCodeSchema>;

/** One quoted line (or short block) from the bundle that supports a finding. */
export const EvidenceSchema = z.object({
  spec: z.union([SpecNameSchema, z.literal('meta')]),
  text: z.string(),
  /** 1-based line in the spec's file, when known. */
  line: z.number().int().positive().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** A suggested fix, in words an on-call engineer can act on. */
export const FixSchema = z.object({
  title: z.string(),
  detail: z.string().optional(),
  /** Exact commands, where they exist. Shown, never run from here. */
  commands: z.array(z.string()).optional(),
  /**
   * dockerd options the fix sets, as on its command line (`--storage-opt dm.basesize=4G`); shown
   * in their /etc/docker/daemon.json form (domain/fix-settings).
   */
  daemon_options: z.array(z.string()).optional(),
  /**
   * Environment variables the fix sets on the container, `NAME=value` (`JAVA_TOOL_OPTIONS=-Xmx3072m`,
   * which every JVM from 8 on reads, or `NODE_OPTIONS=...`): `docker run -e`, Compose's
   * `environment:`, an orchestrator's app env. The container must be recreated to get them.
   */
  container_env: z.array(z.string()).optional(),
  /**
   * Where container_env is set so that it lasts, for this fix's container: what its scheduler starts
   * it from ("the env of Marathon app /shop/api"). Absent: the container's own, set where it is created.
   */
  env_where: z.string().optional(),
  /** Id of an approval-gated remediation in a playbook that carries this fix out. */
  remediation: z.string().optional(),
});
export type Fix = z.infer<typeof FixSchema>;

/** One moment of an event, as the host's clock showed it and in UTC. */
export const MomentSchema = z.object({
  /** ISO 8601 in UTC: "2017-08-25T10:21:35Z". */
  utc: z.string(),
  /** The host's wall-clock time with its UTC offset, "2017-08-25 18:21:35 +08:00"; "(offset unknown)" when read as UTC. */
  host: z.string(),
  /** Seconds before the bundle's collection time (negative: after it, a clock that drifted); absent without a collection time. */
  ago_seconds: z.number().optional(),
});
export type Moment = z.infer<typeof MomentSchema>;

/**
 * When an event finding happened and how often: from the clock its lines carry (raw dmesg seconds
 * since boot with the bundle's uptime, `dmesg -T`, syslog, journald or Docker's RFC 3339 times).
 * Times are absent when the lines carry no clock the analysis can place; the count never is.
 */
export const SeenSchema = z.object({
  /** How many events (kills, reports, failures) the finding stands for. */
  count: z.number().int().nonnegative(),
  first: MomentSchema.optional(),
  last: MomentSchema.optional(),
  /** Events in the hour before collection, when the times are known. */
  last_hour: z.number().int().nonnegative().optional(),
  /** Which clock the times come from. */
  clock: z.enum(['dmesg-uptime', 'dmesg-T', 'syslog', 'journal', 'docker']).optional(),
});
export type Seen = z.infer<typeof SeenSchema>;

export const FindingSchema = z.object({
  code: FindingCodeSchema,
  severity: SeveritySchema,
  /** One line with the numbers that matter: "devicemapper pool 1.677 TB of 1.677 TB used (100 %)". */
  title: z.string(),
  evidence: z.array(EvidenceSchema),
  fixes: z.array(FixSchema),
  /** What the finding is about when there can be several: a container id, a mount point, a task name. */
  subject: z.string().optional(),
  /** Key figures, machine-readable (limit_bytes, used_pct, container_name ...). */
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  /**
   * Commands this finding's own analysis says cannot work here (`systemctl restart docker` for a
   * daemon stuck in the kernel): no remediation that runs one is offered for it.
   */
  will_not_help: z.array(z.string()).optional(),
  /** When an event finding happened and how often (docs/findings.md#time). */
  seen: SeenSchema.optional(),
  /**
   * Set when the finding is history, not a current problem: why ("last seen 3 days before
   * collection", "container no longer exists"). Such findings are listed under "Earlier on this
   * host" and are never a root cause.
   */
  earlier: z.string().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const RootCauseSchema = z.object({
  code: FindingCodeSchema,
  title: z.string(),
  /** A sentence or two: how the cause leads to what was seen. */
  summary: z.string(),
  /** The chain of findings this cause explains, cause first. */
  explains: z.array(FindingCodeSchema),
});
export type RootCause = z.infer<typeof RootCauseSchema>;

/** What `sickbay analyze DIR --json` prints for one host. */
export const AnalysisReportSchema = z.object({
  host: z.string(),
  collected_at: z.string().optional(),
  findings: z.array(FindingSchema),
  root_cause: RootCauseSchema.nullable(),
  /**
   * Every independent current problem, each with its own cause and the chain it explains; the
   * first is `root_cause`. Findings on no causal edge between them are separate problems.
   */
  problems: z.array(RootCauseSchema).optional(),
  /**
   * The host's clock less the worker's at collection, in seconds, where the host said its own time and
   * they differ by a minute or more: its events' times are its clock's, and "ago" is counted on it.
   */
  host_clock_skew_seconds: z.number().int().optional(),
  /** Specs that were not collected, failed or timed out: what the analysis could not see. */
  gaps: z.array(z.object({ spec: z.string(), reason: z.string() })).optional(),
});
export type AnalysisReport = z.infer<typeof AnalysisReportSchema>;

/** Every independent problem of a report, first the root cause; reports from before `problems` carry only `root_cause`. */
export function reportProblems(report: AnalysisReport): RootCause[] {
  return report.problems ?? (report.root_cause ? [report.root_cause] : []);
}

/** "3 days", "5 h", "40 min", "12 s": how long ago an event was, for people (titles, renderers). */
export function agoText(seconds: number): string {
  if (seconds >= 2 * 86_400) return `${Math.floor(seconds / 86_400)} days`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min`;
  return `${Math.max(0, Math.round(seconds))} s`;
}

/** "first seen …, last seen … (5 h ago); 3 times, 2 in the last hour": a finding's time line, or undefined. */
/** How a Moment's `host` ends when nothing in the bundle told the host's UTC offset. */
export const HOST_OFFSET_UNKNOWN = '(host offset unknown, read as UTC)';

export function seenText(seen: Seen | undefined): string | undefined {
  if (!seen) return undefined;
  const parts: string[] = [];
  const ago = (m: Moment): string => (m.ago_seconds !== undefined ? `, ${agoText(m.ago_seconds)} ago` : '');
  // a host time read as UTC is the UTC time again: said once
  const at = (m: Moment): string => (m.host.endsWith(HOST_OFFSET_UNKNOWN) ? `${m.utc} UTC (host offset unknown${ago(m)})` : `${m.host} (${m.utc} UTC${ago(m)})`);
  if (seen.first && seen.last && seen.first.utc !== seen.last.utc) parts.push(`first seen ${at(seen.first)}, last seen ${at(seen.last)}`);
  else if (seen.last) parts.push(`seen ${at(seen.last)}`);
  if (seen.count > 1) parts.push(`${seen.count} times${seen.last_hour ? `, ${seen.last_hour} in the last hour` : ''}`);
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * "df_inodes, mountinfo (exit 1: lab: not in the recorded bundle); docker_info (timed out)": the
 * steps a report could not see, those that failed alike said once, in the order they came.
 */
/** "the host's clock is 7 min ahead of the worker's: ...": what a report says of a host whose clock is off. */
export function clockSkewText(seconds: number): string {
  return `the host's clock is ${agoText(Math.abs(seconds))} ${seconds > 0 ? 'ahead of' : 'behind'} the worker's: times here are the host's, and "ago" is counted on its clock`;
}

export function gapsText(gaps: readonly { spec: string; reason: string }[]): string {
  const byReason = new Map<string, string[]>();
  for (const gap of gaps) byReason.set(gap.reason, [...(byReason.get(gap.reason) ?? []), gap.spec]);
  return [...byReason].map(([reason, specs]) => `${specs.join(', ')} (${reason})`).join('; ');
}

/**
 * Every finding of one code, current or earlier: what one Slack reply and one terminal block
 * show. The instances (containers, mounts, tasks) in report order; the fixes once, each title
 * kept once with the commands of every instance.
 */
export interface FindingGroup {
  code: FindingCode;
  severity: Severity;
  /** True when every instance is history ("Earlier on this host"). */
  earlier: boolean;
  instances: readonly Finding[];
  /** Every fix of the group, in order, those of fixesGivenBefore included (a renderer names them in place). */
  fixes: readonly Fix[];
  /**
   * Fixes a group before this one in the report already gives whole (the same title, nothing more
   * to run or set): named with that group's code instead of repeated, as one thread would read.
   */
  fixesGivenBefore: readonly FixReference[];
}

/** The group's fix that an earlier group gave whole, if this is one. */
export function givenBefore(fix: Pick<Fix, 'title'>, references: readonly FixReference[]): FixReference | undefined {
  return references.find((r) => r.title === fix.title);
}

/** A fix given in full under another finding code of the same report. */
export interface FixReference {
  title: string;
  code: FindingCode;
}

export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.code}|${f.earlier === undefined ? 'current' : 'earlier'}`;
    const group = groups.get(key) ?? [];
    group.push(f);
    groups.set(key, group);
  }
  // per section (current, earlier): the fixes given so far, with the code that gave them
  const given = new Map<string, { fix: Fix; code: FindingCode }>();
  return [...groups.values()].map((instances) => {
    const lead = instances[0] as Finding;
    const severity = instances.reduce<Severity>((s, f) => (SEVERITY_RANK[f.severity] < SEVERITY_RANK[s] ? f.severity : s), lead.severity);
    const earlier = lead.earlier !== undefined;
    const fixes = mergeFixes(instances.flatMap((f) => f.fixes));
    const fixesGivenBefore: FixReference[] = [];
    for (const fix of fixes) {
      const key = `${earlier}|${fix.title}`;
      const before = given.get(key);
      if (before && covers(before.fix, fix)) fixesGivenBefore.push({ title: fix.title, code: before.code });
      else if (!before) given.set(key, { fix, code: lead.code });
    }
    return { code: lead.code, severity, earlier, instances, fixes, fixesGivenBefore };
  });
}

/** `first` says all that `then` says: its detail, remediation, and every command, option and variable. */
function covers(first: Fix, then: Fix): boolean {
  if ((then.detail !== undefined && then.detail !== first.detail) || then.remediation !== first.remediation || then.env_where !== first.env_where) return false;
  return FIX_LISTS.every((list) => (then[list] ?? []).every((entry) => (first[list] ?? []).includes(entry)));
}

/** The strings of both lists, each once, in the order first given. */
function unionOf(first: readonly string[] = [], more: readonly string[] = []): string[] {
  return [...first, ...more.filter((x, i) => !first.includes(x) && more.indexOf(x) === i)];
}

/** The lists of a fix that are joined when fixes merge, each entry given once. */
export const FIX_LISTS = ['commands', 'daemon_options', 'container_env'] as const;

/** Fixes with the same title once, their commands, options and variables joined without repeats. */
export function mergeFixes(fixes: readonly Fix[]): Fix[] {
  // the same fix for containers whose variables are set in different places stays one per place
  const byTitle = new Map<string, Fix>();
  for (const fix of fixes) {
    const key = `${fix.title}\u0000${fix.env_where ?? ''}`;
    const seen = byTitle.get(key);
    if (!seen) {
      const copy: Fix = { ...fix };
      for (const list of FIX_LISTS) if (fix[list]) copy[list] = [...(fix[list] ?? [])];
      byTitle.set(key, copy);
      continue;
    }
    for (const list of FIX_LISTS) {
      const joined = unionOf(seen[list], fix[list]);
      if (joined.length) seen[list] = joined;
    }
  }
  return [...byTitle.values()];
}
