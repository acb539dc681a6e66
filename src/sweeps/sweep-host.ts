import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  InputError,
  type Bundle,
  type Clock,
  type Diagnoser,
  type Finding,
  type ForecastRowView,
  type HostRef,
  type MessageRef,
  type Notifier,
  type SpecName,
} from '../domain/index.js';
import {
  capacitySamples,
  isCapacitySample,
  parseResourceKey,
  renderCapacityChart,
  resourceKey,
  type Forecast,
  type ResourceKind,
} from '../forecast/index.js';
import { forecastOf, FORECAST_WINDOW_SECONDS } from './forecast-rows.js';
import { HistoryStore } from './history-store.js';
import { planChannel, ResourceChannelStateSchema, type ChannelAction, type ResourceChannelState } from './quiet-channel.js';
import type { Sweep } from './sweeps.schema.js';

/** What a sweep hands to metrics (sickbay_time_to_full_seconds). */
export interface SweepObserver {
  /** null: the resource is not growing, or gone: the series is dropped. */
  timeToFull(host: string, resource: string, seconds: number | null): void;
}

export interface SweepHostDeps {
  /** Collects the sweep's playbook over the host's one SSH connection (the diagnoser /diag uses). */
  diagnoser: Diagnoser;
  redis: Redis;
  prefix: string;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  observer?: SweepObserver;
}

export interface SweepHostResult {
  host: string;
  at: number;
  samples: number;
  /** Messages the channel got: parents opened, parents updated. */
  opened: number;
  updated: number;
}

/** The specs each kind of resource is read from: when one of them failed, its resources are not "missing". */
const SOURCES: Readonly<Record<ResourceKind, readonly SpecName[]>> = {
  fs: ['df'],
  inodes: ['df_inodes'],
  thinpool_data: ['docker_info', 'dmsetup_status', 'lvs'],
  thinpool_metadata: ['docker_info', 'dmsetup_status', 'lvs'],
  container_log: ['docker_log_sizes'],
  dstate: ['ps'],
  load1: ['uptime'],
};
/** The shell's "command not found": a host without LVM never lists a pool through lvs, so that is no failure. */
const NOT_INSTALLED = 127;

/**
 * One host's share of a sweep: collect the capacity playbook, store each sample, forecast every
 * resource from its history, and tell the channel only what changed (quiet-channel.ts).
 */
export async function sweepHost(deps: SweepHostDeps, host: HostRef, sweep: Sweep): Promise<SweepHostResult> {
  const history = new HistoryStore(deps.redis, deps.prefix);
  const result = await deps.diagnoser.diagnose({ host, playbook: sweep.playbook, keepBundle: false });
  const bundle = result.bundle;
  if (!bundle) throw new InputError('sweep_no_bundle', `the ${sweep.playbook} collection of ${host.name} returned no evidence to sample`);
  const at = Math.floor(deps.clock.now().getTime() / 1000);
  const samples = capacitySamples(bundle, { host: host.name, at });
  await history.append(host.name, samples, sweep.retentionDays);

  const forecasts = new Map<string, { forecast: Forecast; row: ForecastRowView }>();
  for (const s of samples.filter(isCapacitySample)) {
    const key = resourceKey(s);
    const points = await history.read(host.name, key, at - FORECAST_WINDOW_SECONDS, at);
    const f = forecastOf(key, points);
    forecasts.set(key, f);
    deps.observer?.timeToFull(host.name, key, f.row.status === 'growing' || f.row.status === 'full' ? f.row.secondsToFull : null);
  }

  const store = new ChannelStateStore(deps.redis, deps.prefix, host.name);
  const { states: prev, seen: sweptBefore } = await store.load();
  // Resources not sampled because one of their source steps failed are left as they were: not
  // seen is not gone. One that another source still sampled (a pool docker info listed while
  // dmsetup was refused) goes on as usual.
  const failed = failedKinds(bundle);
  const sampled = new Set(samples.map(resourceKey));
  const held = new Map([...prev].filter(([r]) => !r.startsWith('finding:') && !sampled.has(r) && failed.has(parseResourceKey(r).kind)));
  const considered = new Map([...prev].filter(([r]) => !held.has(r)));
  const plan = planChannel(
    considered,
    { forecasts, sampled, findings: result.report.findings },
    { horizonsSeconds: sweep.horizonsSeconds },
    !sweptBefore,
  );
  for (const [r, state] of plan.next) if (state === null && prev.get(r)?.horizon) deps.observer?.timeToFull(host.name, r, null);

  let opened = 0;
  let updated = 0;
  for (const action of plan.actions) {
    const thread = await tell(deps, host.name, sweep, action, history, at, forecasts.get(action.resource)?.forecast);
    if (action.thread) updated += 1;
    else opened += 1;
    const state = plan.next.get(action.resource);
    plan.next.set(action.resource, { ...(state ?? { horizon: null, findings: [] }), thread });
    // Saved after each message: a retried sweep does not open the same thread twice.
    await store.save(new Map([[action.resource, plan.next.get(action.resource) ?? null]]), sweep.retentionDays);
  }
  await store.save(plan.next, sweep.retentionDays);
  deps.logger.debug({ host: host.name, samples: samples.length, opened, updated }, 'capacity sweep of a host done');
  return { host: host.name, at, samples: samples.length, opened, updated };
}

/** Posts or updates the (host, resource) thread; a chart of the resource goes under it when it has a history. */
async function tell(
  deps: SweepHostDeps,
  host: string,
  sweep: Sweep,
  action: ChannelAction,
  history: HistoryStore,
  at: number,
  forecast: Forecast | undefined,
): Promise<MessageRef> {
  const view = {
    host,
    sweep: sweep.name,
    resource: action.resource,
    band: action.band,
    ...(action.row ? { forecast: action.row } : {}),
    findings: action.findings.map((f: Finding) => ({ code: f.code, title: f.title, severity: f.severity })),
    events: action.events,
  };
  let thread = action.thread;
  if (!thread) {
    thread = await deps.notifier.post(sweep.channel, { kind: 'capacity', view });
  } else {
    await deps.notifier.update(thread, { kind: 'capacity', view });
    await deps.notifier.reply(thread, { kind: 'capacity-change', view });
  }
  if (forecast && deps.notifier.upload && forecast.total) {
    const points = await history.read(host, action.resource, at - FORECAST_WINDOW_SECONDS, at);
    const png = renderCapacityChart(points, forecast);
    const safe = action.resource.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
    await deps.notifier.upload(thread, { filename: `${host}-${safe}.png`, title: `${host} ${action.resource}`, bytes: png });
  }
  return thread;
}

function failedKinds(bundle: Bundle): Set<ResourceKind> {
  const steps = bundle.meta.steps ?? {};
  const out = new Set<ResourceKind>();
  for (const [kind, specs] of Object.entries(SOURCES) as [ResourceKind, readonly SpecName[]][]) {
    const failed = specs.some((spec) => {
      const step = steps[spec];
      // A spec the playbook does not collect cannot fail; one that timed out or did not run did.
      return step && (step.timed_out || step.error !== undefined || (step.exit !== 0 && step.exit !== NOT_INSTALLED && !bundle.files.get(spec)));
    });
    if (failed) out.add(kind);
  }
  return out;
}

/** The field that marks a host as swept before (its first sweep is the findings' baseline). */
const SEEN_FIELD = '@seen';

/** The channel's memory of one host: a hash, resource key → ResourceChannelState (JSON), expiring with the retention. */
export class ChannelStateStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    host: string,
  ) {
    this.key = `${prefix}:sweep:${host}:channel`;
  }

  async load(): Promise<{ states: Map<string, ResourceChannelState>; seen: boolean }> {
    const raw = await this.redis.hgetall(this.key);
    const out = new Map<string, ResourceChannelState>();
    for (const [resource, text] of Object.entries(raw)) {
      if (resource === SEEN_FIELD) continue;
      try {
        const parsed = ResourceChannelStateSchema.safeParse(JSON.parse(text));
        if (parsed.success) out.set(resource, parsed.data);
      } catch {
        // written by something else: forgotten, as if never seen
      }
    }
    return { states: out, seen: SEEN_FIELD in raw };
  }

  async save(next: ReadonlyMap<string, ResourceChannelState | null>, retentionDays: number): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const [resource, state] of next) {
      if (state) pipe.hset(this.key, resource, JSON.stringify(state));
      else pipe.hdel(this.key, resource);
    }
    pipe.hset(this.key, SEEN_FIELD, '1');
    pipe.expire(this.key, retentionDays * 86_400);
    await pipe.exec();
  }
}

