import { z } from 'zod';
import { buildFacts, capacityFacts, type CapacityFacts } from '../analysis/index.js';
import { ContainerIdSchema, HostNameSchema, type Bundle } from '../domain/index.js';
import { ForecastError } from './forecast-errors.js';

/**
 * Resources with a capacity: a forecast can say when they fill. `used`/`total` are bytes for
 * fs, thin pools and container logs, inodes for inodes. For a filesystem `total` is used +
 * available, what df's Use% divides by, so 100 % is when ordinary writes fail (reserved blocks
 * excluded). A container log's `total` is the capacity of the filesystem it lives on.
 */
export const CAPACITY_KINDS = ['fs', 'inodes', 'thinpool_data', 'thinpool_metadata', 'container_log'] as const;
/** Scalars with no capacity: sampled for the record and the charts, never forecast to "full". */
export const GAUGE_KINDS = ['dstate', 'load1'] as const;
export const RESOURCE_KINDS = [...CAPACITY_KINDS, ...GAUGE_KINDS] as const;

export const CapacityKindSchema = z.enum(CAPACITY_KINDS);
export const GaugeKindSchema = z.enum(GAUGE_KINDS);
export const ResourceKindSchema = z.enum(RESOURCE_KINDS);
export type CapacityKind = z.infer<typeof CapacityKindSchema>;
export type GaugeKind = z.infer<typeof GaugeKindSchema>;
export type ResourceKind = z.infer<typeof ResourceKindSchema>;

const MountSchema = z.string().regex(/^\/[^\n]{0,4095}$/, 'a mount point is an absolute path on one line');
const PoolNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,254}$/, 'a thin pool name is letters, digits and _.:+-');
/**
 * 2^24 s, 1970-07-14: no sample is older, so a stored record's first byte is never 0x00, which
 * marks the compact form of a history (history.ts).
 */
export const MIN_SAMPLE_TIME = 2 ** 24;
/** Unix seconds: samples are minutes apart, and seconds fit the 4-byte history record. */
const AtSchema = z.number().int().min(MIN_SAMPLE_TIME).max(0xffff_ffff);
const Count = z.number().finite().nonnegative();

const base = { host: HostNameSchema, at: AtSchema };
const MountSample = <K extends 'fs' | 'inodes'>(kind: K) =>
  z.object({ ...base, kind: z.literal(kind), id: MountSchema, used: Count, total: Count.positive() });
const PoolSample = <K extends 'thinpool_data' | 'thinpool_metadata'>(kind: K) =>
  z.object({ ...base, kind: z.literal(kind), id: PoolNameSchema, used: Count, total: Count.positive() });

/** One reading of one resource of one host at one time. `id` names the resource within its kind. */
export const CapacitySampleSchema = z.discriminatedUnion('kind', [
  MountSample('fs'),
  MountSample('inodes'),
  PoolSample('thinpool_data'),
  PoolSample('thinpool_metadata'),
  z.object({ ...base, kind: z.literal('container_log'), id: ContainerIdSchema, used: Count, total: Count.positive(), mount: MountSchema }),
  z.object({ ...base, kind: z.literal('dstate'), id: z.literal(''), value: z.number().int().nonnegative() }),
  z.object({ ...base, kind: z.literal('load1'), id: z.literal(''), value: Count }),
]);
export type CapacitySample = z.infer<typeof CapacitySampleSchema>;
export type CapacityResourceSample = Extract<CapacitySample, { kind: CapacityKind }>;
export type GaugeSample = Extract<CapacitySample, { kind: GaugeKind }>;

/** The pool's name when docker info does not print one (Docker before 1.7 on some distributions). */
export const DEFAULT_POOL_ID = 'docker-pool';

/** A resource within a host: "fs:/var/lib/docker", "thinpool_data:docker-8:2-4851000-pool", "load1:". */
export function resourceKey(sample: Pick<CapacitySample, 'kind' | 'id'>): string {
  return `${sample.kind}:${sample.id}`;
}

/** The inverse of resourceKey: the kind is everything before the first ":" (kinds have none). */
export function parseResourceKey(key: string): { kind: ResourceKind; id: string } {
  const colon = key.indexOf(':');
  const kind = ResourceKindSchema.safeParse(colon < 0 ? key : key.slice(0, colon));
  if (colon < 0 || !kind.success) {
    throw new ForecastError('resource_key_invalid', `"${key.slice(0, 80)}" is not a resource key (kind:id, kind one of ${RESOURCE_KINDS.join(', ')})`);
  }
  return { kind: kind.data, id: key.slice(colon + 1) };
}

export function isCapacitySample(sample: CapacitySample): sample is CapacityResourceSample {
  return (CAPACITY_KINDS as readonly string[]).includes(sample.kind);
}

/**
 * The samples a capacity sweep takes from one host's facts at one time. A container log whose
 * filesystem df did not list is left out (there is nothing to fill), as are thin-pool figures
 * neither docker info, dmsetup status nor lvs printed; a missing ps or uptime gives no gauge rather than a zero.
 */
export function samplesFromCapacity(host: string, at: number, cap: CapacityFacts): CapacitySample[] {
  const out: CapacitySample[] = [];
  for (const fs of cap.filesystems) out.push({ host, at, kind: 'fs', id: fs.mount, used: fs.usedBytes, total: fs.capacityBytes });
  for (const fs of cap.inodes) out.push({ host, at, kind: 'inodes', id: fs.mount, used: fs.used, total: fs.total });
  for (const pool of cap.pools) {
    const id = pool.name ?? DEFAULT_POOL_ID;
    if (pool.dataUsedBytes !== undefined && pool.dataTotalBytes) out.push({ host, at, kind: 'thinpool_data', id, used: pool.dataUsedBytes, total: pool.dataTotalBytes });
    if (pool.metadataUsedBytes !== undefined && pool.metadataTotalBytes) {
      out.push({ host, at, kind: 'thinpool_metadata', id, used: pool.metadataUsedBytes, total: pool.metadataTotalBytes });
    }
  }
  for (const log of cap.containerLogs) {
    if (!log.filesystem) continue;
    out.push({ host, at, kind: 'container_log', id: log.containerId.toLowerCase(), used: log.bytes, total: log.filesystem.capacityBytes, mount: log.filesystem.mount });
  }
  if (cap.dStateProcesses !== null) out.push({ host, at, kind: 'dstate', id: '', value: cap.dStateProcesses });
  if (cap.load1 !== null) out.push({ host, at, kind: 'load1', id: '', value: cap.load1 });
  // Every sample passes its own schema: a mount with a newline or a pool name with a space is
  // dropped here rather than written into the history under a key nobody can read back.
  return out.filter((s) => CapacitySampleSchema.safeParse(s).success);
}

/**
 * The samples of a collected bundle. The host and time come from the options, else from the
 * bundle's meta.json (host, collected_at); a bundle with neither is refused, never dated "now".
 */
export function capacitySamples(bundle: Bundle, options: { host?: string; at?: number } = {}): CapacitySample[] {
  const host = options.host ?? bundle.meta.host;
  const parsedHost = HostNameSchema.safeParse(host);
  if (!parsedHost.success) {
    throw new ForecastError('sample_host_invalid', `capacity samples need the host's name; ${host === undefined ? 'the bundle names none' : `"${String(host).slice(0, 80)}" is not a host name`}`);
  }
  const collected = bundle.meta.collected_at === undefined ? Number.NaN : Date.parse(bundle.meta.collected_at);
  const at = options.at ?? (Number.isFinite(collected) ? Math.floor(collected / 1000) : undefined);
  if (at === undefined || !AtSchema.safeParse(at).success) {
    throw new ForecastError('sample_time_invalid', `capacity samples of ${parsedHost.data} need the time they were taken (Unix seconds, or collected_at in meta.json)`);
  }
  return samplesFromCapacity(parsedHost.data, at, capacityFacts(buildFacts(bundle)));
}
