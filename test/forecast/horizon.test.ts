import { describe, expect, it } from 'vitest';
import { HorizonStateSchema, nextHorizon, type Forecast, type HorizonMessage, type HorizonState } from '../../src/forecast/index.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { T0 } from './synthetic.js';

const HOUR = 3600;

/** A forecast as the sweep would hand it over; only status and the time to 100 % matter here. */
function observed(status: Forecast['status'], hoursToFull?: number, at = T0): Forecast {
  const seconds = hoursToFull === undefined ? null : Math.round(hoursToFull * HOUR);
  return {
    status,
    asOf: at,
    used: 1,
    total: 2,
    ratio: 0.5,
    slopePerHour: null,
    level: null,
    timeTo: status === 'unknown' ? [] : [{ ratio: 1, reached: status === 'full', seconds: status === 'full' ? 0 : seconds, earliest: null, latest: null }],
    samplesUsed: 96,
    windowSeconds: 86_400,
    fit: 'segment',
    reset: null,
    steps: [],
    outliers: 0,
  };
}
const growing = (hours: number, at?: number) => observed('growing', hours, at);

/** Runs a sequence of sweeps from no state; returns every message said and the last state. */
function run(sweeps: readonly (Forecast | null)[], options = {}): { messages: (HorizonMessage | null)[]; state: HorizonState | null } {
  let state: HorizonState | null = null;
  const messages = sweeps.map((f) => {
    const step = nextHorizon(state ?? undefined, f, options);
    state = step.state;
    if (state) HorizonStateSchema.parse(state);
    return step.message;
  });
  return { messages, state };
}
const said = (r: ReturnType<typeof run>) => r.messages.filter((m): m is HorizonMessage => m !== null);

describe('nextHorizon', () => {
  it('says nothing about a resource first seen far from full', () => {
    expect(run([growing(400), observed('not_growing'), observed('unknown')]).messages).toEqual([null, null, null]);
  });

  it('speaks once as the forecast crosses 48 h, once as it crosses 6 h, and once when full', () => {
    const hours = [100, 80, 60, 47, 40, 30, 20, 10, 7, 5.5, 4, 2, 1];
    const r = run([...hours.map((h) => growing(h)), observed('full'), observed('full')]);
    expect(said(r)).toEqual([
      { kind: 'within', from: 'none', to: 48 * HOUR },
      { kind: 'within', from: 48 * HOUR, to: 6 * HOUR },
      { kind: 'full', from: 6 * HOUR, to: 'full' },
    ]);
    expect(r.messages[3]).not.toBeNull();
    expect(r.messages[9]).not.toBeNull();
  });

  it('says a resource first seen within a horizon at once', () => {
    expect(said(run([growing(30)]))).toEqual([{ kind: 'within', from: 'none', to: 48 * HOUR }]);
    expect(said(run([observed('full')]))).toEqual([{ kind: 'full', from: 'none', to: 'full' }]);
  });

  it('does not flap for a forecast hovering at 47.9 / 48.1 h', () => {
    const hovering = Array.from({ length: 40 }, (_, i) => growing(i % 2 ? 48.1 : 47.9));
    expect(said(run(hovering))).toEqual([{ kind: 'within', from: 'none', to: 48 * HOUR }]);
    const near6 = Array.from({ length: 40 }, (_, i) => growing(i % 2 ? 6.2 : 5.8));
    expect(said(run([growing(30), ...near6]))).toHaveLength(2);
  });

  it('recovers only past the horizon by 10 %, two sweeps in a row', () => {
    const r = run([growing(40), growing(52), growing(53), growing(40), growing(53), growing(54)]);
    expect(r.messages).toEqual([
      { kind: 'within', from: 'none', to: 48 * HOUR },
      null, // 52 h: within 48 h + 10 %
      null, // 53 h: one sweep past it
      null, // back within
      null, // one sweep past it again: the count started over
      { kind: 'recovered', from: 48 * HOUR, to: 'none' },
    ]);
    expect(r.state?.band).toBe('none');
  });

  it('eases from 6 h to 48 h, and recovers when the resource stops growing', () => {
    const r = run([growing(5), growing(20), growing(20), observed('not_growing'), observed('not_growing')]);
    expect(said(r)).toEqual([
      { kind: 'within', from: 'none', to: 6 * HOUR },
      { kind: 'eased', from: 6 * HOUR, to: 48 * HOUR },
      { kind: 'recovered', from: 48 * HOUR, to: 'none' },
    ]);
  });

  it('goes from full to the band the forecast says once the resource is no longer full', () => {
    expect(said(run([observed('full'), growing(3), growing(3)]))).toEqual([
      { kind: 'full', from: 'none', to: 'full' },
      { kind: 'eased', from: 'full', to: 6 * HOUR },
    ]);
  });

  it('holds its band through unknown forecasts (too little data after a reset)', () => {
    const r = run([growing(5), observed('unknown'), observed('unknown'), observed('unknown'), growing(5)]);
    expect(said(r)).toHaveLength(1);
    expect(r.state?.band).toBe(6 * HOUR);
  });

  it('speaks when a resource within a horizon vanishes for 3 sweeps, and again when it comes back', () => {
    const r = run([growing(5), null, null, null, null, growing(30)]);
    expect(r.messages).toEqual([
      { kind: 'within', from: 'none', to: 6 * HOUR },
      null,
      null,
      { kind: 'vanished', from: 6 * HOUR, to: 'none' },
      null,
      { kind: 'appeared', from: 'none', to: 48 * HOUR },
    ]);
  });

  it('forgets a quiet resource that vanished, without a word (container logs come and go)', () => {
    const r = run([growing(400), null, null, null]);
    expect(r.messages).toEqual([null, null, null, null]);
    expect(r.state).toBeNull();
    expect(nextHorizon(undefined, null)).toEqual({ state: null, message: null });
  });

  it('does not take one missed sweep for a vanished resource', () => {
    expect(said(run([growing(5), null, growing(5), null, null, growing(5)]))).toHaveLength(1);
  });

  it('takes other horizons and a longer memory from its options', () => {
    const options = { horizonsSeconds: [7 * 24 * HOUR, 24 * HOUR], clearAfter: 3 };
    expect(said(run([growing(100), growing(20)], options)).map((m) => m.to)).toEqual([7 * 24 * HOUR, 24 * HOUR]);
    expect(said(run([growing(20), growing(200), growing(200)], options))).toHaveLength(1);
    expect(() => nextHorizon(undefined, growing(1), { hysteresis: 2 })).toThrow();
  });

  it('never speaks twice in a row about the same band, on random forecasts', () => {
    const next = seededRandom(48);
    const sweeps = Array.from({ length: 2000 }, (_, i): Forecast | null => {
      const roll = next();
      if (roll < 0.3) return null;
      if (roll < 0.35) return observed('unknown', undefined, T0 + i * 900);
      if (roll < 0.4) return observed('full', undefined, T0 + i * 900);
      if (roll < 0.55) return observed('not_growing', undefined, T0 + i * 900);
      return growing(next() * 80, T0 + i * 900);
    });
    let state: HorizonState | undefined;
    let band: HorizonState['band'] = 'none';
    const kinds = new Set<string>();
    let messages = 0;
    for (const f of sweeps) {
      const step = nextHorizon(state, f);
      if (step.message) {
        messages++;
        kinds.add(step.message.kind);
        // A message says where from and where to; all but a return are a change of band.
        expect(step.message.from).toBe(step.message.kind === 'appeared' ? 'none' : band);
        if (step.message.kind !== 'appeared') expect(step.message.to).not.toBe(step.message.from);
        band = step.message.to;
      } else if (step.state) {
        expect(step.state.band).toBe(band);
      }
      if (!step.state) band = 'none';
      state = step.state ?? undefined;
    }
    expect([...kinds].sort()).toEqual(['appeared', 'eased', 'full', 'recovered', 'vanished', 'within']);
    expect(messages).toBeLessThan(sweeps.length / 3);
  });
});
