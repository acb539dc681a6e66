import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/** One LVM thin pool as `lvs` reports it. */
export interface LvsThinPool {
  vg: string;
  lv: string;
  /** The device-mapper name LVM gives it ("-" in a name doubled): docker/thinpool -> docker-thinpool. */
  dmName: string;
  sizeBytes?: number;
  dataPct?: number;
  metadataPct?: number;
  /** Only with the playbook's `lv_metadata_size` column; the default layout does not print it. */
  metadataSizeBytes?: number;
  line: LogLine;
}

/** A thin pool's lv_attr: `t` first (a hidden `[x_tdata]` is `T`), ten characters. */
const POOL_ATTR = /^t[-a-zA-Z]{9}$/;
const NUMBER = /^\d+(?:[.,]\d+)?$/;

/** LVM's unit letters: lower case are powers of 1024, upper case powers of 1000 (lvm(8) --units). */
function lvmSize(text: string): number | undefined {
  const m = /^<?(\d+(?:[.,]\d+)?)([bskmgtpeKMGTPE]?)$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  const value = Number(m[1].replace(',', '.'));
  const unit = m[2] ?? '';
  if (unit === '' || unit === 'b' || unit === 'B') return value;
  if (unit === 's' || unit === 'S') return value * 512;
  const power = 'kmgtpe'.indexOf(unit.toLowerCase()) + 1;
  return value * (unit === unit.toLowerCase() ? 1024 : 1000) ** power;
}

function percent(text: string | undefined): number | undefined {
  if (text === undefined || !NUMBER.test(text)) return undefined;
  const n = Number(text.replace(',', '.'));
  return n >= 0 && n <= 100 ? n : undefined;
}

export function dmNameOf(vg: string, lv: string): string {
  return `${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`;
}

/**
 * Parses `lvs` for its thin pools, in the playbook's layout (`--noheadings --nosuffix --units b
 * --separator '|' -o lv_full_name,lv_attr,lv_size,data_percent,metadata_percent,lv_metadata_size`)
 * and in the default table (`LV VG Attr LSize Pool Origin Data% Meta% ...`, with or without its
 * header, `lvs -a` too); every other volume is left out.
 */
export function parseLvs(text: string): LvsThinPool[] {
  const pools: LvsThinPool[] = [];
  for (const line of specLines('lvs', text)) {
    const row = columnsOf(line.text.trim());
    if (!row) continue;
    const sizeBytes = row.size ? lvmSize(row.size) : undefined;
    const metadataSizeBytes = row.metadataSize ? lvmSize(row.metadataSize) : undefined;
    const dataPct = percent(row.data);
    const metadataPct = percent(row.meta);
    pools.push({
      vg: row.vg,
      lv: row.lv,
      dmName: dmNameOf(row.vg, row.lv),
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      ...(dataPct !== undefined ? { dataPct } : {}),
      ...(metadataPct !== undefined ? { metadataPct } : {}),
      ...(metadataSizeBytes !== undefined ? { metadataSizeBytes } : {}),
      line,
    });
  }
  return pools;
}

/** A thin pool's columns from either layout; undefined for any other line. */
function columnsOf(body: string): { vg: string; lv: string; size: string | undefined; data: string | undefined; meta: string | undefined; metadataSize?: string | undefined } | undefined {
  if (body.includes('|')) {
    const [full = '', attr = '', size, data, meta, metadataSize] = body.split('|').map((f) => f.trim());
    const slash = full.indexOf('/');
    if (slash < 1 || !POOL_ATTR.test(attr)) return undefined;
    return { vg: full.slice(0, slash), lv: full.slice(slash + 1), size, data, meta, metadataSize };
  }
  // The default table: a pool has no Pool or Origin of its own, so Data% and Meta% follow LSize.
  const [lv, vg, attr = '', size, data, meta] = body.split(/\s+/);
  if (!lv || !vg || !POOL_ATTR.test(attr)) return undefined;
  return { vg, lv, size, data, meta };
}
