import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/** The kernel's 512-byte sector, the unit of a device-mapper table's start and length. */
const SECTOR_BYTES = 512;
/** dm-thin counts pool metadata in 4 KiB blocks, whatever the data block size. */
const THIN_METADATA_BLOCK_BYTES = 4096;

/** A thin pool's data and metadata in bytes; a figure its source did not give is absent. */
export interface ThinPoolBytes {
  dataUsedBytes?: number;
  dataTotalBytes?: number;
  metadataUsedBytes?: number;
  metadataTotalBytes?: number;
}

/** One thin-pool target as `dmsetup status` reports it (kernel docs, device-mapper/thin-provisioning). */
export interface DmThinPoolStatus {
  /** The device-mapper name, as docker info's `Pool Name` prints it: docker-253:0-278707-pool, docker-thinpool. */
  name: string;
  lengthSectors: number;
  metadataUsedBlocks?: number;
  metadataTotalBlocks?: number;
  dataUsedBlocks?: number;
  dataTotalBlocks?: number;
  /**
   * rw, ro (metadata trouble: no writes), out_of_data_space (writes queue or fail), or Fail (the
   * pool failed; the kernel then prints no figures).
   */
  mode: 'rw' | 'ro' | 'out_of_data_space' | 'fail' | 'unknown';
  /** The metadata needs thin_check before the pool may be written again. */
  needsCheck: boolean;
  line: LogLine;
}

// NAME: START LENGTH thin-pool TRANSACTION USED_META/TOTAL_META USED_DATA/TOTAL_DATA HELD_ROOT MODE ...
// The name may hold colons (docker-253:0-278707-pool): the greedy \S+ backs off to the last ": ".
const THIN_POOL = /^(\S+):\s+\d+\s+(\d+)\s+thin-pool\s+(.*?)\s*$/;
const FIGURES = /^\d+\s+(\d+)\/(\d+)\s+(\d+)\/(\d+)\s+\S+\s+(\S+)(.*)$/;

/**
 * Parses `dmsetup status` (all targets, or `--target thin-pool`): its thin-pool lines, every
 * other target's line left out. "No devices found" or a host without device-mapper gives [].
 */
export function parseDmsetupStatus(text: string): DmThinPoolStatus[] {
  const pools: DmThinPoolStatus[] = [];
  for (const line of specLines('dmsetup_status', text)) {
    const m = THIN_POOL.exec(line.text);
    if (!m?.[1] || !m[2] || m[3] === undefined) continue;
    const lengthSectors = Number(m[2]);
    const figures = FIGURES.exec(m[3]);
    if (!figures) {
      // "Fail" (the pool failed) or a layout this parser does not know: a pool, with no figures
      pools.push({ name: m[1], lengthSectors, mode: /^fail\b/i.test(m[3]) ? 'fail' : 'unknown', needsCheck: false, line });
      continue;
    }
    const [, mu, mt, du, dt, mode, rest] = figures;
    pools.push({
      name: m[1],
      lengthSectors,
      metadataUsedBlocks: Number(mu),
      metadataTotalBlocks: Number(mt),
      dataUsedBlocks: Number(du),
      dataTotalBlocks: Number(dt),
      mode: mode === 'rw' || mode === 'ro' || mode === 'out_of_data_space' ? mode : 'unknown',
      needsCheck: /\bneeds_check\b/.test(rest ?? ''),
      line,
    });
  }
  return pools;
}

/**
 * A pool's data and metadata in bytes. The pool target's length is its data device's, so the data
 * block size is the length over the total data blocks (no `dmsetup table` needed); metadata
 * blocks are 4 KiB.
 */
export function thinPoolBytes(pool: DmThinPoolStatus): ThinPoolBytes {
  const out: ThinPoolBytes = {};
  const { dataUsedBlocks: du, dataTotalBlocks: dt, metadataUsedBlocks: mu, metadataTotalBlocks: mt } = pool;
  if (du !== undefined && dt) {
    const blockBytes = (pool.lengthSectors * SECTOR_BYTES) / dt;
    out.dataUsedBytes = du * blockBytes;
    out.dataTotalBytes = dt * blockBytes;
  }
  if (mu !== undefined && mt) {
    out.metadataUsedBytes = mu * THIN_METADATA_BLOCK_BYTES;
    out.metadataTotalBytes = mt * THIN_METADATA_BLOCK_BYTES;
  }
  return out;
}
