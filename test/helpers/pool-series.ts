/**
 * A thin pool filling sample by sample, as `docker info` prints it, for lab hosts that replay a
 * series (src/lab/shims.ts, `docker_info.series/`). Built from the redis-dm-pool-full incident's
 * own docker info (a 1.677 TB devicemapper pool that filled and stopped Redis), at the usage it
 * had on the way there: slow growth, then a writer that speeds up twice.
 */
export const POOL_TOTAL_TB = 1.677;
/** Minutes between two samples of the series. */
export const SERIES_STEP_MINUTES = 30;

/** Fraction of the pool used at each sample: 0.5 %/h for 8 h, 1.5 %/h for 8 h, then 5 %/h. */
export function poolFilling(samples: number): number[] {
  const out: number[] = [];
  let used = 0.3;
  for (let i = 0; i < samples; i++) {
    out.push(used);
    const hour = (i * SERIES_STEP_MINUTES) / 60;
    const pace = hour < 8 ? 0.005 : hour < 16 ? 0.015 : 0.05;
    used += (pace * SERIES_STEP_MINUTES) / 60;
  }
  return out;
}

/** The incident's docker info with the pool at `fraction` used (docker info prints 4 digits). */
export function dockerInfoAt(recorded: string, fraction: number): string {
  const used = (POOL_TOTAL_TB * fraction).toFixed(3);
  return recorded.replace(/^Data Space Used: .*$/m, `Data Space Used: ${used} TB`);
}
