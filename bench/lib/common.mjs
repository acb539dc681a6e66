// Shared by the benchmarks (bench/run.mjs runs only bench/*.mjs, not this folder).

/** The p-th percentile (nearest rank) of a list of numbers. */
export function pct(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Every Redis key under `prefix:`, a SCAN page at a time. */
export async function* keysUnder(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    yield keys;
  } while (cursor !== '0');
}

/** Deletes every Redis key under `prefix:` (a bench's own queues and state). */
export async function deleteKeysUnder(redis, prefix) {
  for await (const keys of keysUnder(redis, prefix)) if (keys.length) await redis.del(...keys);
}
