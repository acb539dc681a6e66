/** `nproc`: the number of CPUs, or undefined when the output is not one positive integer. */
export function parseNproc(text: string): number | undefined {
  const m = /^\s*(\d{1,6})\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 ? n : undefined;
}
