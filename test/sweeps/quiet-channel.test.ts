import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/domain/index.js';
import { forecast, type SeriesPoint } from '../../src/forecast/index.js';
import { forecastRow, planChannel, resourceOfFinding, type ResourceChannelState, type SweepObservation } from '../../src/sweeps/index.js';
import { series, TiB } from '../forecast/synthetic.js';

const POOL = 'thinpool_data:docker-pool';
const HOUR = 3600;

/** One sweep's observation of a pool whose history is `points`, with these findings. */
function observe(points: readonly SeriesPoint[], findings: Finding[] = []): SweepObservation {
  const f = forecast(points);
  return { forecasts: new Map([[POOL, { forecast: f, row: forecastRow(POOL, f) }]]), sampled: new Set([POOL, 'load1:']), findings };
}

const finding = (code: Finding['code'], subject?: string): Finding => ({ code, severity: 'warning', title: `${code} title`, evidence: [], fixes: [], ...(subject ? { subject } : {}) });

/** Runs sweeps over growing prefixes of `points` (one sample a sweep); returns the actions of each. */
function sweeps(points: readonly SeriesPoint[], findingsAt: (i: number) => Finding[] = () => [], first = 8) {
  let state = new Map<string, ResourceChannelState>();
  const said: { i: number; resource: string; events: string[]; opened: boolean }[] = [];
  for (let i = first; i <= points.length; i++) {
    const plan = planChannel(state, observe(points.slice(0, i), findingsAt(i)), {}, i === first);
    for (const a of plan.actions) said.push({ i, resource: a.resource, events: a.events.map((e) => e.kind), opened: !a.thread });
    const next = new Map<string, ResourceChannelState>();
    for (const [r, s] of plan.next) if (s) next.set(r, { ...s, ...(plan.actions.some((a) => a.resource === r) && !s.thread ? { thread: { channel: 'C1', ts: `${i}.0` } } : {}) });
    state = next;
  }
  return said;
}

describe('the quiet channel', () => {
  it('says nothing, sweep after sweep, about a resource that is not filling', () => {
    const flat = series(40, () => 0.4 * TiB);
    expect(sweeps(flat)).toEqual([]);
  });

  it('opens one thread at 48 h and speaks in it again only at 6 h', () => {
    // 1 % of the pool an hour from 20 %: 80 h to full at the start, 15-minute samples
    const fill = series(320, (t) => 0.2 * TiB + (0.01 * TiB * t) / HOUR);
    const said = sweeps(fill);
    expect(said.map((s) => [s.resource, s.events, s.opened])).toEqual([
      [POOL, ['within'], true],
      [POOL, ['within'], false],
    ]);
    // at the sample where 100 % was 48 h (then 6 h) away, within the forecast's error
    const hoursLeft = (i: number) => (0.8 - (0.01 * (i - 1) * 900) / HOUR) * 100;
    expect(hoursLeft(said[0]?.i ?? 0)).toBeCloseTo(48, -0.5);
    expect(hoursLeft(said[1]?.i ?? 0)).toBeCloseTo(6, -0.3);
  });

  it('takes the first sweep\'s findings as known, then speaks when one appears and when it goes', () => {
    const flat = series(20, () => 0.4 * TiB);
    const said = sweeps(flat, (i) => [finding('STORAGE_DRIVER_RISK'), ...(i >= 12 && i < 15 ? [finding('DM_POOL_DATA_HIGH', 'docker-pool')] : [])]);
    expect(said.map((s) => [s.i, s.resource, s.events, s.opened])).toEqual([
      [12, POOL, ['finding_new'], true],
      [15, POOL, ['finding_gone'], false],
    ]);
  });

  it('puts a finding about a sampled resource in that resource\'s thread, any other in a thread of its own', () => {
    const sampled = new Set(['fs:/', 'fs:/var/lib/docker', 'thinpool_data:p', 'inodes:/', 'dstate:']);
    expect(resourceOfFinding({ code: 'FS_FULL', subject: '/var/lib/docker' }, sampled)).toBe('fs:/var/lib/docker');
    expect(resourceOfFinding({ code: 'DM_POOL_DATA_FULL' }, sampled)).toBe('thinpool_data:p');
    expect(resourceOfFinding({ code: 'FS_INODES_FULL', subject: '/' }, sampled)).toBe('inodes:/');
    expect(resourceOfFinding({ code: 'D_STATE_PILEUP' }, sampled)).toBe('dstate:');
    expect(resourceOfFinding({ code: 'KERNEL_OOM_KILL', subject: 'java' }, sampled)).toBe('finding:KERNEL_OOM_KILL:java');
    expect(resourceOfFinding({ code: 'FS_FULL', subject: '/data' }, sampled)).toBe('finding:FS_FULL:/data');
  });

  it('closes the thread of a resource within a horizon once it is missing from 3 sweeps, and forgets a quiet one silently', () => {
    const fill = series(40, (t) => 0.6 * TiB + (0.01 * TiB * t) / HOUR);
    let state = new Map<string, ResourceChannelState>();
    for (let i = 8; i <= fill.length; i++) {
      const plan = planChannel(state, observe(fill.slice(0, i)), {});
      state = new Map([...plan.next].flatMap(([r, s]) => (s ? [[r, s] as const] : [])));
    }
    expect(state.get(POOL)?.horizon?.band).toBe(48 * HOUR);
    const gone: SweepObservation = { forecasts: new Map(), sampled: new Set(['load1:']), findings: [] };
    const events: string[][] = [];
    for (let miss = 0; miss < 3; miss++) {
      const plan = planChannel(state, gone, {});
      events.push(plan.actions.flatMap((a) => a.events.map((e) => e.kind)));
      state = new Map([...plan.next].flatMap(([r, s]) => (s ? [[r, s] as const] : [])));
    }
    expect(events).toEqual([[], [], ['vanished']]);
    // a flat resource that goes leaves no state behind and says nothing
    const flat = series(20, () => 0.1 * TiB);
    let quiet = planChannel(new Map(), observe(flat), {}).next;
    for (let miss = 0; miss < 3; miss++) quiet = planChannel(new Map([...quiet].flatMap(([r, s]) => (s ? [[r, s] as const] : []))), gone, {}).next;
    expect(quiet.get(POOL)).toBeNull();
  });
});
