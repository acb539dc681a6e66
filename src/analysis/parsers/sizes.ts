/**
 * Sizes as Docker, df and du print them, to bytes, and bytes back to words for titles.
 * Docker prints decimal units (`1.677 TB`, `65.54 kB`, `10.74GB`) and binary ones for memory
 * (`3.702 GiB`); `df -h` and `du -h` print single letters that mean powers of 1024 (`50G`, `4.7G`).
 */

const DECIMAL: Readonly<Record<string, number>> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15, eb: 1e18 };
const BINARY: Readonly<Record<string, number>> = {
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
  e: 2 ** 60,
};

const SIZE = /^\s*(\d+(?:[.,]\d+)?)\s*([A-Za-z]*)\s*$/;

/** `1.677 TB` -> 1.677e12, `125.6GiB` -> bytes, `50G` -> 50 * 2^30, `0 B` -> 0. Undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (!m?.[1]) return undefined;
  const value = Number(m[1].replace(',', '.'));
  const unit = (m[2] ?? '').toLowerCase();
  if (!Number.isFinite(value)) return undefined;
  if (unit === '') return value;
  const factor = DECIMAL[unit] ?? BINARY[unit];
  return factor === undefined ? undefined : value * factor;
}

/**
 * Daemon options such as `dm.basesize=100G` go through Docker's RAMInBytes: every unit is binary,
 * `k`, `kb` and `kib` alike.
 */
export function parseRamSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp])?(?:i?b)?\s*$/i.exec(text);
  if (!m?.[1]) return undefined;
  const exp = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Number(m[1]) * 1024 ** exp;
}

/** Decimal, the way `docker info` prints sizes: 1677000000000 -> "1.677 TB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1000 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  const digits = i === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(4)));
  return `${digits} ${units[i] ?? 'B'}`;
}

/** Whole percent for titles: 99.96 -> "100 %", 4.2 -> "4 %". */
export function formatPct(pct: number): string {
  return `${Math.round(pct)} %`;
}
