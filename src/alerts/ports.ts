/**
 * What alerts/ hands out: the IncidentSink port (implemented over the queue and the Notifier in
 * incident-sink.ts, and by an in-memory recorder in tests) and the ContainerResolver port (docker ps over SSH).
 */
import type { FailedTask } from './failed-task.schema.js';

/** One app's failures (or one Alertmanager group's alerts) inside a storm window: one thread in the alerts channel. */
export interface IncidentGroup {
  /** Stable for the life of the group; safe in BullMQ job ids (`[a-z0-9.-]`, no ":"). */
  incidentId: string;
  /** `opened` for the first failure of a window (post the thread), `updated` for a digest edit. */
  update: 'opened' | 'updated';
  /** The storm group: the app id, or `am-<hash>` of an Alertmanager groupKey. */
  group: string;
  /** The app, when the reports name one. */
  appId?: string;
  /** The Alertmanager alert's name, for alert groups. */
  alertName?: string;
  /** Alerts of the group Alertmanager has reported resolved, and when the last one was. */
  resolved: number;
  resolvedAt?: string;
  /** Failures counted in this group so far (duplicates excluded). */
  count: number;
  /** Distinct agent hosts, sorted. */
  hosts: string[];
  /** Failures per exit status ("137": 260, "none": 3). */
  exitCodes: Record<string, number>;
  firstAt: string;
  lastAt: string;
  /** The most recent failure. */
  latest: FailedTask;
  /** "my-app task failed on test-a3-60-17 (exit 137)" or the digest line for many failures. */
  headline: string;
}

/**
 * Where the reported task's (or alert's) container was looked for on its host, and what came of it.
 * `not_applicable`: the report names no task and no container (a disk alert); the host is diagnosed.
 */
export type ContainerLookup =
  | { kind: 'found'; id: string }
  | { kind: 'absent'; lookedFor: readonly string[] }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'not_applicable' };

/** A diagnosis for one app on one host, at most once per app+host per window. */
export interface AlertDiagnosisRequest {
  incidentId: string;
  host: string;
  /** `container` (params.container is a Docker id) or the host playbook when the container is unknown. */
  playbook: string;
  params: Readonly<Record<string, string>>;
  /** The failure that triggered it. */
  task: FailedTask;
  /** What the container lookup found; the thread says so when the task's container is not there. */
  container: ContainerLookup;
  /**
   * The containers a fix may be offered for: only the task's own. Empty when it was not found (a host
   * diagnosis then offers no container-level fix: any container it finds belongs to something else).
   * Absent when the report is about no task or container.
   */
  containerFixesFor?: readonly string[];
}

/** An app whose failed-task rate crossed the threshold (raised once per window). */
export interface RateAlert {
  incidentId: string;
  appId: string;
  count: number;
  windowMs: number;
  threshold: number;
  at: string;
  headline: string;
}

/**
 * Where triage results go. Calls for one incident may overlap in time: an implementation keeps its
 * own per-incident order (the first call for an incident id is always `update: 'opened'`).
 */
export interface IncidentSink {
  openOrUpdateThread(group: IncidentGroup): Promise<void>;
  requestDiagnosis(request: AlertDiagnosisRequest): Promise<void>;
  raiseRateAlert(alert: RateAlert): Promise<void>;
}

/** Finds the Docker container of a failed Mesos task (or of an alert that names one) on its host. */
export interface ContainerResolver {
  resolve(task: FailedTask): Promise<ContainerLookup>;
}

/** The log calls alerts/ makes; pino's Logger satisfies it. */
export interface AlertLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: AlertLogger = { info: () => {}, warn: () => {}, error: () => {} };
