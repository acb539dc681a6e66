import type { SpecName } from '../../domain/index.js';
import type { LogLine } from '../facts/log-line.js';
import { parseSize } from './sizes.js';
import { specLines } from './text-lines.js';

/** One data row of a df table, columns by role, whatever the flags. */
export interface DfRow {
  source: string;
  type?: string;
  /** Size / Inodes column, already in bytes (or inodes). */
  total: number;
  used: number;
  available: number;
  usePct: number;
  mount: string;
  /** The printed row; a device name wrapped onto its own line is folded in. */
  line: LogLine;
}

/**
 * The shared reader behind `df` and `df_inodes`: `df -PT`, `-hT`, `-h`, `-P`, `-i`, `-PTi`, with or
 * without the Type column, human sizes, and long device names that non-POSIX df wraps onto a line
 * of their own. Total: rows it cannot read are skipped.
 */
export function parseDfTable(spec: SpecName, text: string): DfRow[] {
  const rows: DfRow[] = [];
  let layout: Layout | null = null;
  let pending: LogLine | null = null;
  for (const line of specLines(spec, text)) {
    if (/^Filesystem\s/.test(line.text)) {
      layout = headerLayout(line.text);
      pending = null;
      continue;
    }
    if (!layout || line.text.trim() === '') continue;
    const fields = line.text.trim().split(/\s+/);
    if (fields.length === 1 && !/^\s/.test(line.text)) {
      // `df -h` wraps a long device name: the figures follow on the next line.
      pending = line;
      continue;
    }
    const all = pending && /^\s/.test(line.text) ? [pending.text.trim(), ...fields] : fields;
    const quoted = pending && all !== fields ? { ...line, text: `${pending.text.trim()} ${line.text.trim()}`, line: pending.line } : line;
    pending = null;
    const row = readRow(all, layout, quoted);
    if (row) rows.push(row);
  }
  return rows;
}

interface Layout {
  hasType: boolean;
  /** Multiplier for the size columns: 1024 for 1K-blocks, 512, 1 for inodes; null for human sizes. */
  unit: number | null;
}

function headerLayout(header: string): Layout {
  const hasType = /\sType\s/.test(header);
  const blocks = /\s(\d+)([KMG]?)-blocks\s/i.exec(header);
  let unit: number | null = null;
  if (blocks?.[1]) unit = Number(blocks[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(blocks[2] ?? '').toUpperCase()] ?? 1);
  else if (/\sInodes\s/.test(header)) unit = 1;
  return { hasType, unit };
}

function readRow(fields: string[], layout: Layout, line: LogLine): DfRow | null {
  const at = layout.hasType ? 2 : 1;
  // The percent column anchors the row; the mount point is everything after it (it may hold spaces).
  const pctAt = fields.findIndex((f, i) => i >= at + 3 && /^(\d+)%$|^-$/.test(f));
  if (pctAt !== at + 3 || fields.length < pctAt + 2) return null;
  const pct = /^(\d+)%$/.exec(fields[pctAt] ?? '');
  if (!pct?.[1]) return null;
  const [total, used, available] = [fields[at], fields[at + 1], fields[at + 2]].map((f) => size(f ?? '', layout.unit));
  if (total === undefined || used === undefined || available === undefined) return null;
  return {
    source: fields[0] ?? '',
    ...(layout.hasType && fields[1] ? { type: fields[1] } : {}),
    total,
    used,
    available,
    usePct: Number(pct[1]),
    mount: fields.slice(pctAt + 1).join(' '),
    line,
  };
}

function size(field: string, unit: number | null): number | undefined {
  if (/^\d+$/.test(field)) return Number(field) * (unit ?? 1);
  // df -h / df -hi: "50G", "4.7G", "134M", "6.3M"; suffixes are powers of 1024.
  return /^\d+(?:[.,]\d+)?[KMGTPE]$/i.test(field) ? parseSize(field) : undefined;
}
