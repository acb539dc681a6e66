/** Load averages from `uptime` or `/proc/loadavg`, with the 1-based line they were read from. */
export interface LoadAverage {
  one: number;
  five: number;
  fifteen: number;
  lineNumber: number;
  text: string;
}

const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
const UPTIME = new RegExp(String.raw`load averages?:\s*${NUM},?\s+${NUM},?\s+${NUM}`);
const LOADAVG = new RegExp(String.raw`^\s*${NUM}\s+${NUM}\s+${NUM}\s+\d+/\d+`);

/** Total: undefined when no load figures are found. Accepts `1.37, 1.52` and the `1,37, 1,52` locale form. */
export function parseUptime(text: string): LoadAverage | undefined {
  const lines = text.split('\n', 50);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const m = UPTIME.exec(line) ?? LOADAVG.exec(line);
    if (!m) continue;
    const [one, five, fifteen] = [m[1], m[2], m[3]].map((s) => Number((s ?? '').replace(',', '.')));
    if ([one, five, fifteen].some((n) => n === undefined || !Number.isFinite(n))) continue;
    return { one: one as number, five: five as number, fifteen: fifteen as number, lineNumber: i + 1, text: line };
  }
  return undefined;
}
