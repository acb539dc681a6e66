/**
 * Ports: interfaces the core depends on, implemented by adapters (ssh/, slack/) and
 * connected in app/. Tests use real in-memory implementations of these, never mocks.
 */

export interface RunOptions {
  /** Hard deadline for the command; on expiry the step is timed_out and the remote process killed. */
  timeoutMs: number;
  /** Output cap in bytes; past it the output is cut and marked truncated. */
  maxBytes: number;
  /** Run through `sudo -n`. A password prompt is an error, not a hang. */
  sudo?: boolean;
  signal?: AbortSignal;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** null when the command did not exit by itself (timed out, killed, connection lost). */
  exit: number | null;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** Set when the command could not run or finish for a reason other than its own exit. */
  error?: string;
  /** The stable BotError code behind `error` (`ssh_unreachable`, `sudo_password_required`...), when known. */
  errorCode?: string;
}

/**
 * How commands reach a host: through one shell session (the login shell started once, a driver
 * running every command), or an SSH channel per command, with why when it had to fall back.
 */
export type CommandTransport = { mode: 'shell-session' } | { mode: 'exec-per-command'; reason?: string };

/** Runs shell command lines on one host. The line is built only from vetted templates. */
export interface CommandRunner {
  readonly host: string;
  /** How many commands are worth running at once on this runner. @defaultValue the caller's own limit */
  readonly parallelism?: number;
  /** How commands reach the host, recorded in the bundle's meta.json. */
  readonly transport?: CommandTransport;
  run(command: string, options: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const date = typeof at === 'string' ? new Date(at) : at;
  return { now: () => new Date(date.getTime()) };
}

export interface ResolveOptions {
  visible?: (host: import('./target.js').HostRef) => boolean;
}

/** Resolves what a person typed (`host-a3-60-17`, `tag:mesos`) to inventory hosts. */
export interface HostDirectory {
  /**
   * Throws an InputError (unknown host: with the nearest names; unknown tag) when nothing matches.
   * `visible` limits the names offered as "did you mean": a person is never shown hosts, tags or
   * zones the access rules keep from them.
   */
  resolve(target: string, options?: ResolveOptions): readonly import('./target.js').HostRef[];
  list(): readonly import('./target.js').HostRef[];
}

/**
 * The host of exactly this name, case and all; no tags and no nearest names. Jobs, alerts and
 * approvals name hosts exactly: what a person typed goes through `resolve` instead.
 */
export function hostNamed(directory: Pick<HostDirectory, 'list'>, name: string): import('./target.js').HostRef | undefined {
  return directory.list().find((h) => h.name === name);
}

/**
 * The host an alert label names: the host of exactly this name, else the one host whose SSH address it
 * is (node-exporter's `instance` is an address and a port). Never a nearest name.
 */
export function hostNamedOrAt(directory: Pick<HostDirectory, 'list'>, value: string): import('./target.js').HostRef | undefined {
  const named = hostNamed(directory, value);
  if (named) return named;
  const at = directory.list().filter((h) => h.ssh.address === value);
  return at.length === 1 ? at[0] : undefined;
}

/** Who acts (runs /diag, clicks a button): a chat user and the user groups they belong to. */
export interface Actor {
  userId: string;
  groups: readonly string[];
}

/** Where an actor's user-group membership comes from (Slack's usergroups.users.list in production). */
export interface GroupResolver {
  groupsOf(userId: string): Promise<readonly string[]>;
}

/** A fixed membership table (group -> users): for tests and for groups defined in config. */
export function staticGroupResolver(members: Readonly<Record<string, readonly string[]>>): GroupResolver {
  return {
    groupsOf: (userId) =>
      Promise.resolve(
        Object.entries(members)
          .filter(([, users]) => users.includes(userId))
          .map(([group]) => group),
      ),
  };
}

/** Progress of one diagnosis, for live updates. */
export type DiagnosisProgress =
  | { kind: 'connected'; host: string }
  | { kind: 'step'; host: string; step: string; status: 'ok' | 'failed' | 'timed_out'; durationMs: number; done: number; total: number };

export interface DiagnoseRequest {
  host: import('./target.js').HostRef;
  playbook: string;
  params?: Readonly<Record<string, string>>;
  /** False: do not keep the evidence bundle even when bundles are kept (a capacity sweep every 15 minutes). @defaultValue true */
  keepBundle?: boolean;
}

export interface DiagnosisResult {
  report: import('./finding.js').AnalysisReport;
  /** Where the evidence bundle was written, when it was kept. */
  bundleDir?: string;
  /** The evidence itself, for callers that read more than findings from it (capacity samples). */
  bundle?: import('./bundle.js').Bundle;
  durationMs: number;
}

/** Collects evidence from a host and analyses it: the SSH path in production, fixture bundles in unit tests. */
export interface Diagnoser {
  diagnose(request: DiagnoseRequest, onProgress?: (event: DiagnosisProgress) => void): Promise<DiagnosisResult>;
}

/** Where a posted chat message lives, so that it can be updated or replied to later (kept with the job). */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** What a diagnosis's parent message shows: platform-neutral, rendered per chat platform. */
export interface DiagnosisView {
  host: string;
  playbook: string;
  /** Chat user id of the person (or `alert`) who asked. */
  requestedBy: string;
  phase: 'queued' | 'running' | 'retrying' | 'done' | 'failed';
  stepsDone: number;
  stepsTotal: number;
  lastStep?: string;
  report?: import('./finding.js').AnalysisReport;
  /** A message fit for the on-call engineer when phase is failed or retrying. */
  error?: string;
  durationMs?: number;
}

/** One summary over the hosts of a fleet run (`/diag tag:NAME`). */
export interface FleetView {
  tag: string;
  playbook: string;
  requestedBy: string;
  hosts: readonly { host: string; report?: import('./finding.js').AnalysisReport; error?: string }[];
}

/** The latest report of an incident as its parent shows it: the failed task, or the alert. */
export interface IncidentDetail {
  /** Alertmanager's `alertname` and `severity`, for alerts. */
  alertName?: string;
  severity?: string;
  taskId?: string;
  /** Mesos task state (`TASK_FAILED`), its reason (`REASON_CONTAINER_LIMITATION_MEMORY`) and source (`SOURCE_EXECUTOR`). */
  state?: string;
  reason?: string;
  statusSource?: string;
  /** The status message or the alert's summary. */
  message?: string;
  exitStatus?: number;
  /** The agent's host name and Mesos agent id. */
  host?: string;
  agentId?: string;
  /** The Docker container the report names (id or name). */
  container?: string;
  /** When it happened, by the event's own clock (ISO 8601). */
  at: string;
}

/** The parent message of an alert incident thread (failures of one app, one Alertmanager group, or a rate alert). */
export interface IncidentView {
  /** "my-app task failed on test-a3-60-17 (exit 137)", or the digest line of a storm. */
  headline: string;
  kind: 'failures' | 'rate' | 'alert';
  /** The app, when the reports name one. */
  appId?: string;
  /** Failed tasks (alerts) counted so far. */
  count: number;
  /** Distinct agent hosts, sorted (empty for a rate alert). */
  hosts: readonly string[];
  /** Failures per exit status ("137": 260, "none": 3). */
  exitCodes: Readonly<Record<string, number>>;
  firstAt: string;
  lastAt: string;
  /** The most recent failed task and where it came from (marathon, mesos, alertmanager, webhook). */
  latestTaskId?: string;
  source?: string;
  /** The most recent report in detail. */
  latest?: IncidentDetail;
  /** What could not be mapped ("host: no label instance, host, hostname, node"): said, not dropped. */
  missing?: readonly string[];
  /** Alerts of the group reported resolved, and when the last one was. */
  resolved?: { count: number; at: string };
  /** The Marathon app and the Mesos sandbox, when their base URLs are configured. */
  links?: readonly { label: string; url: string }[];
}

/** What the core asks a chat platform to show; the adapter renders it (Block Kit for Slack). */
export type OutboundMessage =
  | { kind: 'diagnosis'; view: DiagnosisView }
  /**
   * One finding code in the thread: `finding` is its lead, `instances` every finding of that code
   * (the lead first) when there are several, shown in one reply with the fixes once, and those of
   * an earlier reply by name. The adapter
   * decides how the evidence is shown (inline or as a file).
   */
  | {
      kind: 'finding';
      host: string;
      finding: import('./finding.js').Finding;
      instances?: readonly import('./finding.js').Finding[];
      offers?: readonly RemediationOfferView[];
      /** Fixes an earlier reply of the thread gave in full: named, not repeated (FindingGroup.fixesGivenBefore). */
      fixesGivenBefore?: readonly import('./finding.js').FixReference[];
    }
  | { kind: 'fleet'; view: FleetView }
  | { kind: 'host-findings'; host: string; report: import('./finding.js').AnalysisReport }
  /** A note in a thread; `tone` lets the adapter mark it (Slack: an emoji), the text itself is plain. */
  | { kind: 'text'; text: string; tone?: 'question' | 'warning' }
  | { kind: 'remediation-request'; view: RemediationRequestView }
  | { kind: 'remediation-output'; view: RemediationOutputView }
  | { kind: 'remediation-result'; view: RemediationResultView }
  | { kind: 'incident'; view: IncidentView }
  /** The parent of a (host, resource) capacity thread: where it stands now. */
  | { kind: 'capacity'; view: CapacityThreadView }
  /** A reply in that thread: what changed in this sweep. */
  | { kind: 'capacity-change'; view: CapacityThreadView };

/** A resource's forecast as the channel, /diag forecast and the terminal show it (plain numbers). */
export interface ForecastRowView {
  /** `kind:id`, e.g. `thinpool_data:docker-pool`, `fs:/var/lib/docker`. */
  resource: string;
  kind: string;
  id: string;
  /** Natural units: bytes for fs, thin pools and logs; inodes for inodes. */
  used: number | null;
  total: number | null;
  ratio: number | null;
  status: 'growing' | 'not_growing' | 'unknown' | 'full';
  /** Why unknown: too few samples or too short a window since the last reset. */
  reason?: string;
  /** Seconds to 100 % at the fitted pace, and the soonest and latest the data allows (null: never / not known). */
  secondsToFull: number | null;
  earliest: number | null;
  latest: number | null;
  /** Units per hour at the fitted pace. */
  perHour: number | null;
  /** Unix seconds of the last sample. */
  asOf: number | null;
  samples: number;
}

/** What changed for one (host, resource) in a sweep: a horizon crossed, a finding new or gone. */
export type CapacityEvent =
  | { kind: 'within' | 'full' | 'eased' | 'recovered' | 'vanished' | 'appeared'; fromSeconds: number | 'none' | 'full'; toSeconds: number | 'none' | 'full' }
  | { kind: 'finding_new' | 'finding_gone'; code: string; title: string; severity: 'critical' | 'warning' | 'info' };

/** One (host, resource) thread of the quiet channel. */
export interface CapacityThreadView {
  host: string;
  sweep: string;
  resource: string;
  /** The tightest horizon the resource is within (seconds), 'full', or 'none'. */
  band: number | 'none' | 'full';
  forecast?: ForecastRowView;
  /** Findings about this resource in the last sweep. */
  findings: readonly { code: string; title: string; severity: 'critical' | 'warning' | 'info' }[];
  /** What changed in this sweep (empty in a parent that only restates). */
  events: readonly CapacityEvent[];
}

/** The answer to `/diag forecast` and `sickbay forecast`: every resource of each host, soonest full first. */
export interface ForecastTableView {
  hosts: readonly { host: string; rows: readonly ForecastRowView[]; error?: string }[];
}


/** A remediation button under a finding: only the opaque offer id goes in the button; the rest is shown. */
export interface RemediationOfferView {
  offerId: string;
  title: string;
  host: string;
  risk: 'low' | 'high';
  /** The exact commands, rendered when the offer was made: shown in the button's confirmation. */
  commands: readonly string[];
}

/** An approval request as its message in the thread shows it, from pending to done. */
export interface RemediationRequestView {
  requestId: string;
  title: string;
  host: string;
  risk: 'low' | 'high';
  commands: readonly string[];
  requestedBy: string;
  /** ISO time. */
  expiresAt: string;
  approvals: readonly string[];
  required: number;
  state: 'pending' | 'approved' | 'running' | 'done' | 'rejected' | 'expired' | 'void';
  outcome?: string;
  rejectedBy?: string;
}

/** One remediation command's output, posted in the thread as soon as it finishes (redacted). */
export interface RemediationOutputView {
  host: string;
  index: number;
  command: string;
  exit: number | null;
  timedOut: boolean;
  output: string;
  error?: string;
}

/** How a remediation ended: verified fixed, still present (with what remains), unverified, failed, or not run. */
export interface RemediationResultView {
  title: string;
  host: string;
  status: 'fixed' | 'still_present' | 'unverified' | 'failed' | 'not_run';
  remaining: readonly { code: string; title: string; evidence: readonly import('./finding.js').Evidence[] }[];
  problems: readonly string[];
  /** Why it failed or did not run. */
  reason?: string;
}

/** Sends results to people: implemented in slack/, connected in app/. */
export interface Notifier {
  post(channel: string, message: OutboundMessage): Promise<MessageRef>;
  update(ref: MessageRef, message: OutboundMessage): Promise<void>;
  reply(parent: MessageRef, message: OutboundMessage): Promise<MessageRef>;
  ephemeral(channel: string, user: string, text: string): Promise<void>;
  /** Deletes a message the bot posted (a parent that lost the race to an identical request). */
  remove(ref: MessageRef): Promise<void>;
  /** Uploads a file (a PNG chart) into a thread; platforms without files leave it out. */
  upload?(parent: MessageRef, file: { filename: string; title: string; bytes: Uint8Array }): Promise<void>;
}
