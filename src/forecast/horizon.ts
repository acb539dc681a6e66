import { z } from 'zod';
import type { Forecast } from './forecast.js';

/**
 * Where a resource stands against the horizons: 'none' (not within any), the tightest horizon
 * (in seconds) its time to full is within, or 'full'. A smaller number is more urgent.
 */
export const HorizonBandSchema = z.union([z.literal('none'), z.literal('full'), z.number().int().positive()]);
export type HorizonBand = z.infer<typeof HorizonBandSchema>;

/** What the channel was last told about one resource of one host, kept between sweeps. */
export const HorizonStateSchema = z.object({
  band: HorizonBandSchema,
  /** False once the resource was announced as vanished; it then speaks again when it returns. */
  present: z.boolean(),
  /** Sweeps in a row that did not see the resource. */
  misses: z.number().int().nonnegative(),
  /** Sweeps in a row whose forecast was looser than the band by more than the hysteresis. */
  easing: z.number().int().nonnegative(),
  /** Unix seconds of the forecast that last changed the band. */
  since: z.number().int().nonnegative(),
});
export type HorizonState = z.infer<typeof HorizonStateSchema>;

/**
 * - horizonsSeconds: full within 48 h, then within 6 h.
 * - hysteresis: a band is left only when the time to full is past the horizon by 10 % (52.8 h
 *   for 48 h), so a forecast hovering at 47.9/48.1 h speaks once.
 * - clearAfter: ... and only after 2 sweeps in a row say so; getting worse speaks at once.
 * - vanishAfter: a resource missing from 3 sweeps in a row is gone (one failed df is not).
 * - ratio: which threshold's time counts (100 %: full).
 */
export const HorizonOptionsSchema = z
  .object({
    horizonsSeconds: z.array(z.number().int().positive()).min(1).default([48 * 3600, 6 * 3600]),
    hysteresis: z.number().min(0).max(1).default(0.1),
    clearAfter: z.number().int().min(1).default(2),
    vanishAfter: z.number().int().min(1).default(3),
    ratio: z.number().gt(0).max(1).default(1),
  })
  .strict();
export type HorizonOptions = z.input<typeof HorizonOptionsSchema>;

export const HORIZON_MESSAGE_KINDS = ['within', 'full', 'eased', 'recovered', 'vanished', 'appeared'] as const;

/**
 * What the channel must say. within: now within a tighter horizon (or first seen within one).
 * full: the resource is full. eased: still within a horizon but a looser one. recovered: within
 * none. vanished: gone while it was within a horizon (a resource gone while quiet goes silently).
 * appeared: back after a vanished message.
 */
export interface HorizonMessage {
  kind: (typeof HORIZON_MESSAGE_KINDS)[number];
  from: HorizonBand;
  to: HorizonBand;
}

export interface HorizonStep {
  /** null: nothing left worth keeping (a quiet resource that vanished); forget the key. */
  state: HorizonState | null;
  /** null: stay quiet. */
  message: HorizonMessage | null;
}

/** Urgency as a number: full 0, a horizon its seconds, none Infinity. */
function rank(band: HorizonBand): number {
  return band === 'full' ? 0 : band === 'none' ? Number.POSITIVE_INFINITY : band;
}

/** The tightest horizon `seconds` is within when each horizon is stretched by `stretch`. */
function bandOf(seconds: number, horizons: readonly number[], stretch: number): HorizonBand {
  const within = horizons.filter((h) => seconds <= h * stretch);
  return within.length ? Math.min(...within) : 'none';
}

/**
 * The next state of one (host, resource) and whether the channel must speak, given what it was
 * last told and this sweep's forecast (null: the sweep ran and the resource was not there; a
 * sweep that failed to collect should not call this at all). Pure; the caller stores the state.
 *
 * Getting worse speaks at once. Getting better speaks only when the forecast is past the band's
 * horizon by the hysteresis for clearAfter sweeps in a row. An unknown forecast (too little data
 * after a reset) holds the band: it is neither worse nor better.
 */
export function nextHorizon(prev: HorizonState | undefined, observed: Forecast | null, options: HorizonOptions = {}): HorizonStep {
  const o = HorizonOptionsSchema.parse(options);
  if (!observed) return vanish(prev, o.vanishAfter);
  const at = observed.asOf ?? prev?.since ?? 0;
  const seconds = observed.status === 'growing' ? secondsToFull(observed, o.ratio) : undefined;
  const target: HorizonBand | undefined =
    observed.status === 'full'
      ? 'full'
      : observed.status === 'unknown'
        ? undefined
        : seconds === undefined
          ? 'none'
          : bandOf(seconds, o.horizonsSeconds, 1);

  if (!prev || !prev.present) {
    const band = target ?? 'none';
    const state: HorizonState = { band, present: true, misses: 0, easing: 0, since: at };
    if (prev && !prev.present) return { state, message: { kind: 'appeared', from: 'none', to: band } };
    return { state, message: band === 'none' ? null : { kind: band === 'full' ? 'full' : 'within', from: 'none', to: band } };
  }

  const held: HorizonState = { ...prev, misses: 0 };
  if (target === undefined) return { state: held, message: null };
  if (rank(target) < rank(prev.band)) {
    return { state: { ...held, band: target, easing: 0, since: at }, message: { kind: target === 'full' ? 'full' : 'within', from: prev.band, to: target } };
  }
  // Better only beyond the hysteresis: the band with every horizon stretched by it.
  const eased = seconds === undefined ? target : bandOf(seconds, o.horizonsSeconds, 1 + o.hysteresis);
  if (rank(eased) <= rank(prev.band)) return { state: { ...held, easing: 0 }, message: null };
  const easing = prev.easing + 1;
  if (easing < o.clearAfter) return { state: { ...held, easing }, message: null };
  return {
    state: { ...held, band: eased, easing: 0, since: at },
    message: { kind: eased === 'none' ? 'recovered' : 'eased', from: prev.band, to: eased },
  };
}

function vanish(prev: HorizonState | undefined, vanishAfter: number): HorizonStep {
  if (!prev) return { state: null, message: null };
  if (!prev.present) return { state: prev, message: null };
  const misses = prev.misses + 1;
  if (misses < vanishAfter) return { state: { ...prev, misses }, message: null };
  if (prev.band === 'none') return { state: null, message: null };
  return { state: { ...prev, band: 'none', present: false, misses, easing: 0 }, message: { kind: 'vanished', from: prev.band, to: 'none' } };
}

/** The forecast's central time to the threshold nearest `ratio` (100 % unless configured). */
function secondsToFull(f: Forecast, ratio: number): number | undefined {
  const nearest = [...f.timeTo].sort((a, b) => Math.abs(a.ratio - ratio) - Math.abs(b.ratio - ratio))[0];
  return nearest?.seconds ?? undefined;
}
