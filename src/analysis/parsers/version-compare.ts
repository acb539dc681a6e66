/** Docker and JVM version strings compared as numbers: "1.10.3", "17.09.0-ce", "1.12.6-cs13". */
export function versionParts(version: string): number[] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  if (!m?.[1]) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `version` parses and is strictly below `than`. */
export function isVersionBelow(version: string, than: readonly number[]): boolean {
  const parts = versionParts(version);
  return parts !== undefined && compareVersions(parts, than) < 0;
}
