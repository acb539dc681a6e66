/** `/proc/meminfo`, every `Key: N kB` line, in kB. Total: never throws. */
export type Meminfo = ReadonlyMap<string, number>;

export function parseMeminfo(text: string): Meminfo {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^([\w()]+):\s+(\d+)(?: kB)?\s*$/gm)) {
    if (m[1] && m[2]) out.set(m[1], Number(m[2]));
  }
  return out;
}
