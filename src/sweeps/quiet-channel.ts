import { z } from 'zod';
import type { CapacityEvent, Finding, ForecastRowView, MessageRef } from '../domain/index.js';
import { HorizonStateSchema, nextHorizon, type Forecast, type HorizonBand, type HorizonOptions } from '../forecast/index.js';

/**
 * The quiet channel, decided: given what the channel was last told about each (host, resource)
 * and this sweep's forecasts and findings, what must it say, and in which thread? Pure; the
 * sweep stores the state and posts (sweep-host.ts).
 *
 * One thread per host and resource: opened by the first thing worth saying, then its parent is
 * updated and a reply says what changed. Worth saying: a forecast crossing a horizon (horizon.ts:
 * worse at once, better after the hysteresis, gone after 3 missed sweeps) and a finding about the
 * resource appearing or going. Nothing else: a sweep that changes nothing posts nothing.
 */
export const ResourceChannelStateSchema = z.object({
  horizon: HorizonStateSchema.nullable(),
  thread: z.object({ channel: z.string(), ts: z.string() }).optional(),
  /** Finding keys (`CODE` or `CODE:subject`) on this resource that the channel has announced. */
  findings: z.array(z.string()),
});
export type ResourceChannelState = z.infer<typeof ResourceChannelStateSchema>;

export interface SweepObservation {
  /** Forecasts of the capacity resources this sweep sampled, by resource key. */
  forecasts: ReadonlyMap<string, { forecast: Forecast; row: ForecastRowView }>;
  /** Every resource key this sweep sampled (gauges too). */
  sampled: ReadonlySet<string>;
  findings: readonly Finding[];
}

export interface ChannelAction {
  resource: string;
  /** The thread to update; absent: open one. */
  thread?: MessageRef;
  band: HorizonBand;
  row?: ForecastRowView;
  findings: readonly Finding[];
  events: readonly CapacityEvent[];
}

export interface ChannelPlan {
  /** The state to store per resource; null: forget it. */
  next: Map<string, ResourceChannelState | null>;
  actions: ChannelAction[];
}

/** The key under which a finding is tracked: its code, and its subject when it has one. */
export function findingKey(f: Pick<Finding, 'code' | 'subject'>): string {
  return f.subject ? `${f.code}:${f.subject}` : f.code;
}

const POOL_DATA = new Set(['DM_POOL_DATA_FULL', 'DM_POOL_DATA_HIGH']);

/**
 * The resource a finding is about, so that it lands in that resource's thread: a full pool in
 * the pool's, a full filesystem in its mount's. A finding about no sampled resource (an OOM kill)
 * gets a thread of its own, `finding:CODE[:subject]`.
 */
export function resourceOfFinding(f: Pick<Finding, 'code' | 'subject'>, sampled: ReadonlySet<string>): string {
  const pick = (kind: string): string | undefined => {
    if (f.subject && sampled.has(`${kind}:${f.subject}`)) return `${kind}:${f.subject}`;
    const ofKind = [...sampled].filter((k) => k.startsWith(`${kind}:`));
    return ofKind.length === 1 ? ofKind[0] : undefined;
  };
  let resource: string | undefined;
  if (POOL_DATA.has(f.code)) resource = pick('thinpool_data');
  else if (f.code === 'DM_POOL_METADATA_FULL') resource = pick('thinpool_metadata');
  else if (f.code === 'FS_FULL' || f.code === 'FS_HIGH') resource = f.subject ? pick('fs') : undefined;
  else if (f.code === 'FS_INODES_FULL') resource = f.subject ? pick('inodes') : undefined;
  else if (f.code === 'CONTAINER_LOGS_HUGE') resource = f.subject ? pick('container_log') : undefined;
  else if (f.code === 'D_STATE_PILEUP') resource = sampled.has('dstate:') ? 'dstate:' : undefined;
  else if (f.code === 'LOAD_EXTREME') resource = sampled.has('load1:') ? 'load1:' : undefined;
  return resource ?? `finding:${findingKey(f)}`;
}

/**
 * `baseline`: the host's first sweep. Its findings are recorded as known and not announced, so
 * that turning sweeps on for a fleet does not post every standing finding of every host (`/diag`
 * shows those); from the next sweep on, a finding that appears or goes is news. Forecasts are not
 * baselined: a resource first seen within a horizon speaks (horizon.ts).
 */
export function planChannel(prev: ReadonlyMap<string, ResourceChannelState>, seen: SweepObservation, horizon: HorizonOptions, baseline = false): ChannelPlan {
  const findingsOn = new Map<string, Finding[]>();
  for (const f of seen.findings) {
    const r = resourceOfFinding(f, seen.sampled);
    findingsOn.set(r, [...(findingsOn.get(r) ?? []), f]);
  }
  const resources = new Set([...prev.keys(), ...seen.forecasts.keys(), ...findingsOn.keys()]);
  const next = new Map<string, ResourceChannelState | null>();
  const actions: ChannelAction[] = [];
  for (const resource of [...resources].sort()) {
    const before = prev.get(resource);
    const observed = seen.forecasts.get(resource);
    const findings = findingsOn.get(resource) ?? [];
    const events: CapacityEvent[] = [];

    let horizonState = before?.horizon ?? null;
    if (observed || before?.horizon) {
      // Not sampled this sweep (null) counts a miss only for a resource the forecast knew.
      const step = nextHorizon(before?.horizon ?? undefined, observed ? observed.forecast : null, horizon);
      horizonState = step.state;
      if (step.message) events.push({ kind: step.message.kind, fromSeconds: step.message.from, toSeconds: step.message.to });
    }

    const keys = findings.map(findingKey);
    const announced = new Set(before?.findings ?? []);
    for (const f of findings) if (!baseline && !announced.has(findingKey(f))) events.push({ kind: 'finding_new', code: f.code, title: f.title, severity: f.severity });
    for (const key of announced) {
      if (!keys.includes(key)) events.push({ kind: 'finding_gone', code: key.split(':')[0] ?? key, title: key, severity: 'info' });
    }

    const state: ResourceChannelState = { horizon: horizonState, ...(before?.thread ? { thread: before.thread } : {}), findings: [...new Set(keys)] };
    // A resource the channel never spoke about and that holds nothing is forgotten.
    next.set(resource, !state.thread && !state.horizon && !state.findings.length && !events.length ? null : state);
    if (events.length) {
      actions.push({
        resource,
        ...(before?.thread ? { thread: before.thread } : {}),
        band: horizonState?.band ?? 'none',
        ...(observed ? { row: observed.row } : {}),
        findings,
        events,
      });
    }
  }
  return { next, actions };
}
