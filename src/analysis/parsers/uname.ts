/** `uname -a` (or `uname -r`): kernel release and host name. Total: never throws. */
export interface Uname {
  kernelRelease?: string;
  hostname?: string;
}

const RELEASE = /^\d+\.\d+[\w.+~-]*$/;

export function parseUname(text: string): Uname {
  const first = text.split('\n', 1)[0]?.trim() ?? '';
  const fields = first.split(/\s+/).filter(Boolean);
  if (fields.length === 1 && RELEASE.test(fields[0] ?? '')) return { kernelRelease: fields[0] as string };
  if (fields.length < 3 || !/^(?:Linux|GNU|[A-Z][A-Za-z]*BSD|Darwin|SunOS)$/.test(fields[0] ?? '')) return {};
  const out: Uname = {};
  if (fields[1]) out.hostname = fields[1];
  if (RELEASE.test(fields[2] ?? '')) out.kernelRelease = fields[2] as string;
  return out;
}
