import { z } from 'zod';
import { parseJsonLine } from './json-line.js';
import type { LogLine } from './log-line.js';
import { optional } from './optional.js';
import { parseSize } from './sizes.js';
import { specLines } from './text-lines.js';

/**
 * A container's memory as the kernel or docker stats counts it. The working set is docker stats'
 * own figure: the cgroup's usage less its inactive page cache, which the kernel reclaims before
 * it kills anything; it is what a memory limit is sized from.
 */
export interface MemoryReading {
  /** The container as the source names it: a full id (a cgroup's path), a short id or a name (docker stats). */
  container: string;
  /** docker stats' NAME column, beside its short id. */
  name?: string;
  source: 'cgroup' | 'docker-stats';
  workingSetBytes: number;
  /** The cgroup's peak since the container started, page cache included (v1 max_usage_in_bytes, v2 memory.peak). */
  peakBytes?: number;
  /** The cgroup's limit; absent when it has none, and from docker stats (it shows the host's memory for none). */
  limitBytes?: number;
  cgroupVersion?: 1 | 2;
  /** The line the working set comes from: the usage file's, or the stats row. */
  line: LogLine;
}

/**
 * A cgroup file of a container, either version: cgroupfs `<parent>/<id>/` (docker, a --cgroup-parent,
 * the kubelet's `kubepods/burstable/pod<uid>/`), systemd `<slice>/docker-<id>.scope/`.
 */
const CGROUP_LINE = /^\/sys\/fs\/cgroup\/\S*?(?<=\/|\/docker-)([0-9a-f]{64})(?:\.scope)?\/(memory\.[a-z_]+):(.*)$/;
/** v1 reports "no limit" as the largest page-aligned counter (9223372036854771712); anything this large is none. */
const NO_LIMIT_V1 = 2 ** 62;

interface CgroupFiles {
  version: 1 | 2;
  usage?: { bytes: number; line: LogLine };
  peak?: number;
  limit?: number | 'none';
  inactive?: number;
  totalInactive?: number;
}

/**
 * Parses the container_memory spec: `PATH:VALUE` lines of the containers' memory cgroups (the
 * playbook's grep), or `docker stats --no-stream` as a table (any release's layout) or `{{json .}}`
 * lines. Total: lines it cannot read are skipped.
 */
export function parseContainerMemory(text: string): MemoryReading[] {
  const lines = specLines('container_memory', text);
  const byId = new Map<string, CgroupFiles>();
  const stats: MemoryReading[] = [];
  for (const line of lines) {
    const m = CGROUP_LINE.exec(line.text);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      readCgroupFile(byId, m[1], m[2], m[3].trim(), line);
      continue;
    }
    const row = statsRow(line);
    if (row) stats.push(row);
  }
  const fromCgroups = [...byId].flatMap(([id, files]): MemoryReading[] => {
    if (!files.usage) return [];
    // docker stats: v1 takes total_inactive_file (the whole hierarchy), v2 inactive_file
    const inactive = files.version === 1 ? (files.totalInactive ?? files.inactive) : files.inactive;
    const usage = files.usage.bytes;
    const limit = files.limit === 'none' ? undefined : files.limit;
    return [
      {
        container: id,
        source: 'cgroup',
        workingSetBytes: inactive !== undefined && inactive < usage ? usage - inactive : usage,
        ...optional('peakBytes', files.peak),
        ...optional('limitBytes', limit),
        cgroupVersion: files.version,
        line: files.usage.line,
      },
    ];
  });
  return [...fromCgroups, ...stats];
}

function readCgroupFile(byId: Map<string, CgroupFiles>, id: string, file: string, value: string, line: LogLine): void {
  const version = file === 'memory.current' || file === 'memory.peak' || file === 'memory.max' ? 2 : 1;
  const files = byId.get(id) ?? { version };
  byId.set(id, files);
  if (file !== 'memory.stat') files.version = version;
  const number = /^\d+$/.test(value) ? Number(value) : undefined;
  switch (file) {
    case 'memory.usage_in_bytes':
    case 'memory.current':
      if (number !== undefined) files.usage = { bytes: number, line };
      break;
    case 'memory.max_usage_in_bytes':
    case 'memory.peak':
      if (number !== undefined) files.peak = number;
      break;
    case 'memory.limit_in_bytes':
      if (number !== undefined) files.limit = number >= NO_LIMIT_V1 ? 'none' : number;
      break;
    case 'memory.max':
      if (value === 'max') files.limit = 'none';
      else if (number !== undefined) files.limit = number;
      break;
    case 'memory.stat': {
      const stat = /^(total_)?inactive_file (\d+)$/.exec(value);
      if (stat?.[2] === undefined) break;
      if (stat[1]) files.totalInactive = Number(stat[2]);
      else files.inactive = Number(stat[2]);
      break;
    }
  }
}

/** `{{json .}}` of docker stats: the fields it has had since 1.13. */
const StatsJsonSchema = z.object({
  MemUsage: z.string(),
  ID: z.string().optional(),
  Container: z.string().optional(),
  Name: z.string().optional(),
});

/** "796 KiB / 64 MiB  1.21%", "86.65 MB/1.041 GB 8.33%", "5.629MiB / 1.952GiB   0.28%": the pair a percent follows. */
const MEM_PAIR = /(\d+(?:\.\d+)?\s?[KMGTPE]?i?B)\s?\/\s?\d+(?:\.\d+)?\s?[KMGTPE]?i?B\s+\d+(?:\.\d+)?%/;
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A docker stats row (table or JSON line): its container and working set; headers and other lines give undefined. */
function statsRow(line: LogLine): MemoryReading | undefined {
  const trimmed = line.text.trim();
  if (trimmed.startsWith('{')) {
    const row = parseJsonLine(trimmed, StatsJsonSchema);
    if (!row) return undefined;
    const usage = parseSize(row.MemUsage.split('/')[0]?.trim() ?? '');
    const { ID: id, Container: given, Name: name } = row;
    const container = id ?? given ?? name;
    if (usage === undefined || !container) return undefined;
    return { container, ...optional('name', name !== container ? name : undefined), source: 'docker-stats', workingSetBytes: usage, line };
  }
  const m = MEM_PAIR.exec(trimmed);
  const [container = '', second] = trimmed.split(/\s+/);
  if (!m?.[1] || !CONTAINER_NAME.test(container) || container === 'CONTAINER') return undefined;
  const usage = parseSize(m[1]);
  if (usage === undefined) return undefined;
  // Docker 1.13+ prints CONTAINER ID then NAME; older releases one column, the id or the name asked for
  const name = /^[0-9a-f]{12}$/.test(container) && second && CONTAINER_NAME.test(second) && !/^\d/.test(second) ? second : undefined;
  return { container, ...optional('name', name), source: 'docker-stats', workingSetBytes: usage, line };
}
