import type { Facts } from '../../facts/index.js';
import type { MemoryReading } from '../../facts/docker.js';
import { formatBytes } from '../../parsers/sizes.js';

const MIB = 2 ** 20;
/** Below this a limit leaves no room for a shell or a log burst; Docker itself refuses under 6 MiB. */
const SMALLEST_LIMIT_MIB = 64;

/** The host's memory (MemTotal), in bytes. */
export function hostMemoryBytes(facts: Facts): number | undefined {
  return facts.system.memTotalKb !== undefined ? facts.system.memTotalKb * 1024 : undefined;
}

/** Whole MiB rounded up to a step that suits the size: 16 MiB under 256 MiB, 64 under 2 GiB, then 256. */
export function roundMiB(bytes: number): number {
  const mib = bytes / MIB;
  const step = mib < 256 ? 16 : mib < 2048 ? 64 : 256;
  return Math.ceil(mib / step) * step;
}

/** A limit of half again what was observed, in MiB, rounded up (see roundMiB). */
export function headroomMiB(observedBytes: number): number {
  return roundMiB(observedBytes * 1.5);
}

/** The `docker update` line that sets a limit, swap included so that the limit is the limit. */
export function memoryUpdateCommand(container: string, mib: number | undefined): string {
  const size = mib === undefined ? '<size>' : `${mib}m`;
  return `docker update --memory ${size} --memory-swap ${size} ${container}`;
}

/**
 * A memory limit for a container that has none, from what it uses now: half again its working set
 * (docker stats' figure), rounded up, 64 MiB at least. Its peak is page cache included, so it is a
 * reason to watch the container under load, not a size; and a limit the host cannot give is said.
 */
export function limitFromReading(container: string, reading: MemoryReading | undefined, hostBytes: number | undefined): { mib?: number; detail?: string; commands: string[] } {
  if (!reading) return { commands: [`docker stats --no-stream ${container}`, memoryUpdateCommand(container, undefined)] };
  const headroom = headroomMiB(reading.workingSetBytes);
  const mib = Math.max(SMALLEST_LIMIT_MIB, headroom);
  const now = formatBytes(reading.workingSetBytes, 'binary');
  const basis =
    headroom < SMALLEST_LIMIT_MIB
      ? `${mib} MiB, the least worth setting: it uses ${now} now (its working set, as docker stats counts it).`
      : `${mib} MiB is half again the ${now} it uses now (its working set, as docker stats counts it), rounded up.`;
  const peak = reading.peakBytes !== undefined && reading.peakBytes > mib * MIB ? ` Its peak since it started was ${formatBytes(reading.peakBytes, 'binary')}, page cache included: watch docker stats under load before settling on a size.` : '';
  const host = hostBytes !== undefined && mib * MIB > hostBytes * 0.9 ? ` That is more than this host's ${formatBytes(hostBytes, 'binary')} can spare: the container needs a larger host or less work.` : '';
  return {
    mib,
    detail: `${basis}${peak}${host}`,
    commands: [memoryUpdateCommand(container, mib)],
  };
}

/** "It uses 250.0 MiB of its 256.0 MiB limit now (its working set, as docker stats counts it)": no full stop, callers go on. */
export function usageOfLimitText(reading: MemoryReading, limitBytes: number): string {
  return `It uses ${formatBytes(reading.workingSetBytes, 'binary')} of its ${formatBytes(limitBytes, 'binary')} limit now (its working set, as docker stats counts it)`;
}
