import { agoText, clip, FIX_LISTS, ranClean, SEVERITY_RANK, type AnalysisReport, type Bundle, type Finding, type Fix } from '../domain/index.js';
import { correlate } from './correlate.js';
import { buildFacts, type ContainerRecord, type Facts, type HostClock } from './facts/index.js';
import { clockErrorMs } from './facts/clock.js';
import { findContainer } from './rules/kernel/support.js';
import { daemonAnswers, whileDaemonAnswers } from './rules/docker/docker-context.js';
import { inRestartLoop } from './rules/docker/container-restart-loop.js';
import { envWhere } from './rules/docker/scheduler.js';
import type { Thresholds } from './thresholds.js';
import { ALL_RULES, type Rule } from './rules/index.js';
import { resolveThresholds, type ThresholdOverrides } from './thresholds.js';

export interface AnalyzeOptions {
  /** The analysis clock; rules that reason about age use it, never Date.now(). */
  now: Date;
  thresholds?: ThresholdOverrides;
  rules?: readonly Rule[];
}

function mebibytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${mib < 10 ? mib.toFixed(1) : Math.round(mib)} MiB`;
}

/** ": ps: invalid option -- 'L'": the first thing a failed step said on stderr, in the host's words, briefly. */
function saidOnStderr(stderr: string | undefined): string {
  const first = stderr?.split('\n').map((l) => l.trim()).find((l) => l !== '');
  if (!first) return '';
  return `: ${clip(first, 120)}`;
}

/** Bundle in, report out. Pure: no file system, network, env or clock in reach. */
export function analyze(bundle: Bundle, options: AnalyzeOptions): AnalysisReport {
  const facts = buildFacts(bundle);
  const ctx = { now: options.now, thresholds: resolveThresholds(options.thresholds) };
  const findings: Finding[] = [];
  for (const rule of options.rules ?? ALL_RULES) {
    for (const found of rule.run(facts, ctx)) {
      const earlier = whyEarlier(found, facts, ctx.thresholds);
      const current = earlier?.startsWith(CONTAINER_GONE) ? forGoneContainer(found) : found;
      // the daemon's own findings are about getting it back; every other one is acted on as it can be now
      const finding = withEnvWhere(withCommandsOnce(/^(?:DOCKERD|CONTAINERD)_/.test(found.code) ? current : whileDaemonAnswers(current, facts)), facts);
      findings.push(earlier ? { ...finding, earlier } : finding);
    }
  }
  // Current problems by severity, then history.
  findings.sort((a, b) => Number(a.earlier !== undefined) - Number(b.earlier !== undefined) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const problems = correlate(findings.filter((f) => f.earlier === undefined), facts);
  const rootCause = problems[0] ?? null;
  // The report leads with the problems' causes, in their order, then the rest.
  for (const problem of [...problems].reverse()) {
    const lead = findings.findIndex((f) => f.code === problem.code && f.earlier === undefined);
    if (lead > 0) findings.unshift(...findings.splice(lead, 1));
  }
  const gaps = Object.entries(facts.steps)
    .filter(([, step]) => step.timed_out || step.error || step.unread_bytes || (step.exit !== undefined && step.exit !== null && step.exit !== 0))
    .map(([spec, step]) => ({
      spec,
      reason: step.timed_out
        ? 'timed out'
        : (step.error ??
          // a file read from its tail: what happened before it is not in the report
          (step.unread_bytes
            ? `its first ${mebibytes(step.unread_bytes)} not read: over the read cap`
            : // a command whose output outgrew the cap is stopped writing (and often exits non-zero): say so
              step.truncated
              ? `output cut at the size cap (exit ${String(step.exit)})`
              : `exit ${String(step.exit)}${saidOnStderr(step.stderr)}`)),
    }));
  return {
    host: facts.host,
    ...(bundle.meta.collected_at ? { collected_at: bundle.meta.collected_at } : {}),
    findings,
    root_cause: rootCause,
    ...(problems.length > 1 ? { problems } : {}),
    ...(facts.clock.skewMs !== undefined ? { host_clock_skew_seconds: Math.round(facts.clock.skewMs / 1000) } : {}),
    ...(gaps.length ? { gaps } : {}),
  };
}

/** A finding about a container whose scheduler starts it: the variables its fixes set go where that scheduler takes them from. */
function withEnvWhere(finding: Finding, facts: Facts): Finding {
  if (!finding.subject || !finding.fixes.some((f) => f.container_env?.length)) return finding;
  const container = findContainer(facts.docker.containers, finding.subject);
  const where = container ? envWhere(container) : undefined;
  if (!where) return finding;
  return { ...finding, fixes: finding.fixes.map((f) => (f.container_env?.length ? { ...f, env_where: where } : f)) };
}

/**
 * A finding whose fixes give each command and option once: fixes composed from shared parts
 * (the blocked-I/O class's advice after a rule's own) would otherwise repeat `cat /proc/PID/stack`
 * and the like. The first fix that gives one keeps it.
 */
function withCommandsOnce(finding: Finding): Finding {
  const given = new Map(FIX_LISTS.map((list) => [list, new Set<string>()] as const));
  let repeated = false;
  const fixes = finding.fixes.map((fix) => {
    const once: Fix = { ...fix };
    for (const list of FIX_LISTS) {
      const entries = fix[list];
      if (!entries) continue;
      const seen = given.get(list) as Set<string>;
      const fresh = entries.filter((c) => !seen.has(c));
      for (const c of entries) seen.add(c);
      if (fresh.length === entries.length) continue;
      repeated = true;
      if (fresh.length) once[list] = fresh;
      else delete once[list];
    }
    return once;
  });
  return repeated ? { ...finding, fixes } : finding;
}

const CONTAINER_GONE = 'the container no longer exists';

/**
 * The fixes of a finding about a container that is gone: a command naming it would only answer
 * "No such container", and looking into it is no longer possible. A setting it was to get
 * (`docker update`) is kept for the container that replaces it (a scheduler starts a new one under
 * another id), to be set where that one is defined.
 */
function forGoneContainer(finding: Finding): Finding {
  const id = finding.data?.['container_id'];
  if (typeof id !== 'string' || id.length < 12) return finding;
  const short = id.slice(0, 12);
  const where = "The container is gone: set this where it is defined (its docker run line, Compose file or the scheduler's app definition), so that the next one starts with it.";
  const fixes = finding.fixes.flatMap((fix): Fix[] => {
    const named = fix.commands?.filter((c) => c.includes(short)) ?? [];
    if (named.length === 0) return [fix];
    const { commands, ...rest } = fix;
    const kept = commands?.filter((c) => !named.includes(c)) ?? [];
    const setting = named.some((c) => c.startsWith('docker update '));
    if (!setting && kept.length === 0 && !fix.container_env && !fix.daemon_options) return [];
    return [{ ...rest, ...(kept.length ? { commands: kept } : {}), ...(setting ? { detail: fix.detail ? `${fix.detail} ${where}` : where } : {}) }];
  });
  return { ...finding, fixes };
}

/**
 * Why a finding is history rather than a current problem: its events were last seen before the
 * event window, or the container it is about no longer exists (docker ps/inspect answered without it).
 */
function whyEarlier(finding: Finding, facts: Facts, thresholds: Thresholds): string | undefined {
  // what the host shows now says more than the age of a report
  if (finding.code === 'HUNG_TASK' && finding.data?.['blocked_now'] === false) {
    return facts.system.blockedThreads ? 'no longer blocked: none of its threads is in D state now' : 'no longer blocked: ps lists its pids in another state';
  }
  if (finding.code === 'FS_READ_ONLY_REMOUNT' && finding.data?.['read_only_now'] === false) {
    return 'no longer read-only: the kernel\'s table of mounts shows it mounted read-write again, or not mounted';
  }
  if (finding.code === 'FS_SHUTDOWN' && finding.data?.['shut_down_now'] === false) {
    return 'no longer shut down: XFS has unmounted it since, or it is not mounted now';
  }
  const ago = finding.seen?.last?.ago_seconds;
  if (ago !== undefined && ago > thresholds.eventWindowHours * 3600 && !stillStuck(finding, facts)) {
    return `last seen ${agoText(ago)} before collection, outside the ${thresholds.eventWindowHours} h window`;
  }
  // a container docker ps alone listed has no time, only "Exited (1) 2 weeks ago": at least that long
  const endedAgo = finding.data?.['ended_at_least_seconds_ago'];
  if (finding.seen?.last === undefined && typeof endedAgo === 'number' && endedAgo > thresholds.eventWindowHours * 3600) {
    return `it ended ${agoText(endedAgo)} or more before collection, as docker ps says, outside the ${thresholds.eventWindowHours} h window`;
  }
  const container = finding.data?.['container_id'];
  if (typeof container === 'string') {
    if (facts.docker.containersListed) {
      const record = findContainer(facts.docker.containers, container);
      return record ? restartedSince(finding, record, thresholds, facts.clock) : CONTAINER_GONE;
    }
    // The daemon did not list its containers (it hangs): the container directories under its data root still tell.
    if (dataRootListed(facts) && !facts.docker.logSizes.some((l) => sameId(l.containerId, container))) {
      return `${CONTAINER_GONE}: it has no directory under Docker's data root`;
    }
  }
  return undefined;
}

/** Findings about the end of a container's run: a later start of the same container begins a new one. */
const ENDS_A_RUN: ReadonlySet<string> = new Set(['CONTAINER_OOM_KILLED', 'CONTAINER_KILLED_137']);

/**
 * A kill that ended a run of a container now running again, started after it, is a past run's:
 * Docker keeps `OOMKilled: true` (and the kernel its report) after a restart. Not while it keeps
 * restarting: then the kill is what restarts it.
 */
function restartedSince(finding: Finding, record: ContainerRecord, thresholds: Thresholds, clock: HostClock): string | undefined {
  if (!ENDS_A_RUN.has(finding.code) || record.running !== true || inRestartLoop(record, thresholds)) return undefined;
  const started = record.startedAt ? Date.parse(record.startedAt) : NaN;
  const seen = finding.seen;
  const killed = seen?.last ? Date.parse(seen.last.utc) : NaN;
  if (!Number.isFinite(started) || !Number.isFinite(killed)) return undefined;
  // A container that never finished has had one run, this one: every kill of it is this run's.
  // (Docker writes 0001-01-01T00:00:00Z for "never".)
  const finished = record.finishedAt === undefined ? NaN : Date.parse(record.finishedAt);
  if (record.finishedAt !== undefined && !(finished > 0)) return undefined;
  const error = clockErrorMs(seen?.clock, clock);
  const again = `the container was started again after it (${record.startedAt ?? ''}) and runs`;
  if (started - killed > error) return again;
  if (killed - started > error) return undefined;
  // Closer than the kill's clock tells apart (a restart policy starts it again within a second of a
  // kill the kernel placed only so well): Docker's own, exact end of the last run decides. It ended
  // at the kill and before this start, or the kill came in this run.
  return finished <= started && finished >= killed - error ? again : undefined;
}

/**
 * A container that failed to stop and is still listed is stuck now, however long ago dockerd gave
 * up on it: its age says when it started, not that it is over. So is a daemon that is down, and
 * one whose containerd restore failed while it still does not answer.
 */
const PERSISTS_WHILE_LISTED: ReadonlySet<string> = new Set(['CONTAINER_STOP_TIMEOUT']);

function stillStuck(finding: Finding, facts: Facts): boolean {
  // raised only when the client cannot reach the daemon now: the failed start it quotes may be old
  if (finding.code === 'DOCKERD_DOWN') return true;
  // the kernel stops reporting a task after hung_task_warnings reports; the listing shows it still in D
  if (finding.code === 'HUNG_TASK' && finding.data?.['blocked_now'] === true) return true;
  // a restore that killed dockerd is still the story while the daemon does not answer
  if (finding.code === 'CONTAINERD_RESTORE_FAILED' && !daemonAnswers(facts)) return true;
  const container = finding.data?.['container_id'];
  return PERSISTS_WHILE_LISTED.has(finding.code) && typeof container === 'string' && facts.docker.containersListed && findContainer(facts.docker.containers, container) !== undefined;
}

/** The docker_log_sizes step listed the container logs under the data root, one at least. */
function dataRootListed(facts: Facts): boolean {
  const step = facts.steps['docker_log_sizes'];
  return facts.docker.logSizes.length > 0 && ranClean(step);
}

function sameId(a: string, b: string): boolean {
  return a.length >= 12 && b.length >= 12 && (a.startsWith(b) || b.startsWith(a));
}

