import { createHash } from 'node:crypto';

/**
 * A host's fixed start offset within a sweep's jitter window: a hash of the sweep and host names,
 * so a fleet spreads over the window while each host is sampled at the same offset every tick
 * (evenly spaced samples are what the forecast reads best).
 */
export function jitterSeconds(sweep: string, host: string, windowSeconds: number): number {
  if (windowSeconds <= 0) return 0;
  const n = createHash('sha256').update(`${sweep}\0${host}`).digest().readUInt32BE(0);
  return n % (windowSeconds + 1);
}
