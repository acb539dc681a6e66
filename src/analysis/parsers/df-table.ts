import type { SpecName } from '../../domain/index.js';
import type { LogLine } from './log-line.js';
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
 * without the Type column, human sizes, long device names that non-POSIX df wraps onto a line
 * of their own, sources with spaces (CIFS shares), BusyBox's layout and headers in the host's
 * language (`Dateisystem`, `S.ficheros`). Total: rows it cannot read are skipped.
 */
export function parseDfTable(spec: SpecName, text: string): DfRow[] {
  const rows: DfRow[] = [];
  let layout: Layout | null = null;
  let pending: LogLine | null = null;
  for (const line of specLines(spec, text)) {
    if (isHeader(line.text)) {
      layout = headerLayout(spec, line.text);
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

const PERCENT = /^(\d+)%$/;

/**
 * `Filesystem ...` in English; in other languages the header is the line with a percent column
 * name (`Use%`, `Verw%`, `NUso%`, `Capacity`) and no figures.
 */
function isHeader(text: string): boolean {
  if (/^Filesystem\s/.test(text)) return true;
  const tokens = text.trim().split(/\s+/);
  if (tokens.length < 5 || tokens.some((t) => PERCENT.test(t) || /^\d+(?:[.,]\d+)?[KMGTPE]?$/i.test(t))) return false;
  return tokens.some((t) => /\S%$/.test(t));
}

/** The Type column in the languages df is translated into. */
const TYPE_WORDS = /\s(?:Type|Typ|Tipo|Тип|类型|類型|タイプ)\s/;

function headerLayout(spec: SpecName, header: string): Layout {
  const hasType = TYPE_WORDS.test(header);
  const blocks = /\s(\d+)([KMG]?)-(?:blocks|Blöcke|blocs|bloques|blocchi|blocos)\s/i.exec(header) ?? /\s(?:bloques|blocs|blocchi|blocos) de (\d+)([KMG]?)\s/i.exec(header);
  let unit: number | null = null;
  if (blocks?.[1]) unit = Number(blocks[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(blocks[2] ?? '').toUpperCase()] ?? 1);
  else if (/\sInodes\s/.test(header) || spec === 'df_inodes') unit = 1;
  return { hasType, unit };
}

function readRow(fields: string[], layout: Layout, line: LogLine): DfRow | null {
  // The percent column anchors the row: three figures before it, the mount point after it (it may
  // hold spaces), and before the figures the type (when there is a Type column) and the source,
  // which may hold spaces too (`//server/Some Share`).
  const lead = layout.hasType ? 2 : 1;
  const pctAt = fields.findIndex((f, i) => i >= lead + 3 && PERCENT.test(f) && [1, 2, 3].every((k) => size(fields[i - k] ?? '', layout.unit) !== undefined));
  if (pctAt === -1 || fields.length < pctAt + 2) return null;
  const pct = PERCENT.exec(fields[pctAt] ?? '');
  if (!pct?.[1]) return null;
  const [total, used, available] = [fields[pctAt - 3], fields[pctAt - 2], fields[pctAt - 1]].map((f) => size(f ?? '', layout.unit));
  if (total === undefined || used === undefined || available === undefined) return null;
  const before = fields.slice(0, pctAt - 3);
  const type = layout.hasType ? before.pop() : undefined;
  return {
    source: before.join(' '),
    ...(type ? { type } : {}),
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
