/** A duration as playbooks write it: `500ms`, `10s`, `2m`. */
export const DURATION_PATTERN = /^([1-9][0-9]{0,5})(ms|s|m)$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Milliseconds in a duration that matched DURATION_PATTERN; throws on anything else. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new RangeError(`expected a duration like "10s", got ${JSON.stringify(text)}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
