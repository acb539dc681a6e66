/**
 * Sizes as Docker, df and du print them, to bytes, and bytes back to words for titles.
 * Docker prints decimal units (`1.677 TB`, `65.54 kB`, `10.74GB`) and binary ones for memory
 * (`3.702 GiB`); `df -h` and `du -h` print single letters that mean powers of 1024 (`50G`, `4.7G`).
 */

/** A mebibyte and a gibibyte, in bytes. */
export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

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

/**
 * How a title quotes a size, after the tool the figure comes from:
 * - `decimal`: as `docker info` and df print them, four significant digits: 1677000000000 -> "1.677 TB"
 * - `binary`: as the kernel counts memory (KiB and up), one decimal: 4294967296 -> "4.0 GiB"
 * - `binary-whole`: the largest binary unit that holds the size whole, for limits set in MiB:
 *   4294967296 -> "4 GiB", 1610612736 -> "1536 MiB"
 */
export type ByteStyle = 'decimal' | 'binary' | 'binary-whole';

const UNITS: Readonly<Record<ByteStyle, { base: number; units: readonly string[] }>> = {
  decimal: { base: 1000, units: ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] },
  binary: { base: 1024, units: ['KiB', 'MiB', 'GiB', 'TiB'] },
  'binary-whole': { base: 1024, units: ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] },
};

/** Bytes in words for a finding's title: the one formatter every rule uses (see ByteStyle). */
export function formatBytes(bytes: number, style: ByteStyle = 'decimal'): string {
  const { base, units } = UNITS[style];
  // the kernel's figures start at KiB: "0.5 KiB", never "512 B"
  let value = style === 'binary' ? bytes / base : bytes;
  let i = 0;
  const larger =
    style === 'binary-whole' ? (v: number) => v !== 0 && v % base === 0 : style === 'binary' ? (v: number) => v >= base : (v: number) => Math.abs(v) >= base;
  while (larger(value) && i < units.length - 1) {
    value /= base;
    i += 1;
  }
  const digits = style === 'binary' ? value.toFixed(1) : i === 0 || style === 'binary-whole' ? String(Math.round(value)) : String(Number(value.toPrecision(4)));
  return `${digits} ${units[i] ?? units[0]}`;
}

/** Whole percent for titles: 99.96 -> "100 %", 4.2 -> "4 %". */
export function formatPct(pct: number): string {
  return `${Math.round(pct)} %`;
}
