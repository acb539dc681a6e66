import type { Finding, Fix } from '../../../domain/index.js';
import { toEvidence, type Facts, type ThinPoolUsage } from '../../facts/index.js';
import { formatBytes, formatPct } from '../../parsers/sizes.js';
import type { Rule, RuleContext } from '../rule.js';
import { infoEvidence, storageDriverOf } from './docker-context.js';
import { growDataFix, growMetadataFix, moveWritersFix } from './thin-pool-fixes.js';

const OVERLAY2: Fix = {
  title: 'Move to the overlay2 storage driver',
  detail: 'overlay2 shares the host filesystem instead of a fixed-size thin pool (kernel 4.0+, or RHEL/CentOS 7.4+ kernels, on xfs with ftype=1 or ext4).',
  daemon_options: ['--storage-driver=overlay2'],
};

/**
 * The kernel's own word that a thin pool ran out of space (dm-thin switches it to out-of-data-space
 * mode, or cannot allocate a metadata block). Only counted when Docker's driver is devicemapper or
 * not known: on an overlay2 host a full thin pool is some other LVM pool's.
 */
function kernelPoolEvents(facts: Facts, space: 'data' | 'metadata'): Facts['kernel']['thinPool'] {
  const driver = storageDriverOf(facts)?.driver;
  if (driver !== undefined && driver !== 'devicemapper') return [];
  return facts.kernel.thinPool.filter((e) => e.space === space);
}

/**
 * Docker's thin pool as the kernel or LVM lists it, for when docker info gave no figures (a hung
 * daemon): the one docker info names, else the only pool, else the only `docker-` one. Not on a
 * host whose driver is known to be another: its pools are some other LVM user's.
 */
function listedDockerPool(facts: Facts): ThinPoolUsage | undefined {
  const driver = storageDriverOf(facts)?.driver;
  if (driver !== undefined && driver !== 'devicemapper') return undefined;
  const pools = facts.disks.thinPools;
  const named = facts.docker.info?.poolName;
  if (named) return pools.find((p) => p.name === named);
  if (pools.length === 1) return pools[0];
  const docker = pools.filter((p) => p.name.startsWith('docker-'));
  return docker.length === 1 ? docker[0] : undefined;
}

/** A listed pool's used and total bytes and used share of one space. */
function spaceOf(pool: ThinPoolUsage, space: 'data' | 'metadata'): [used: number | undefined, total: number | undefined, pct: number | undefined] {
  return space === 'data' ? [pool.dataUsedBytes, pool.dataTotalBytes, pool.dataUsedPct] : [pool.metadataUsedBytes, pool.metadataTotalBytes, pool.metadataUsedPct];
}

/** "docker-thinpool data 85.9 GB of 85.9 GB used (100 %), from lvs": the figures a listed pool has. */
function listedFigures(pool: ThinPoolUsage, space: 'data' | 'metadata'): string | undefined {
  const [used, total, pct] = spaceOf(pool, space);
  if (pct === undefined) return undefined;
  const from = pool.source === 'dmsetup' ? 'dmsetup status' : 'lvs';
  const amount = used !== undefined && total ? `${formatBytes(used)} of ${formatBytes(total)} used (${formatPct(pct)})` : `${formatPct(pct)} used`;
  return `devicemapper thin pool ${pool.name} ${space} ${amount}, from ${from}`;
}

function listedData(pool: ThinPoolUsage | undefined, space: 'data' | 'metadata'): Record<string, number | string> {
  if (!pool) return {};
  const [used, total, pct] = spaceOf(pool, space);
  return {
    pool: pool.name,
    source: pool.source,
    ...(used !== undefined ? { used_bytes: Math.round(used) } : {}),
    ...(total !== undefined ? { total_bytes: Math.round(total) } : {}),
    ...(pct !== undefined ? { used_pct: Math.round(pct * 10) / 10 } : {}),
  };
}

function poolLabel(events: Facts['kernel']['thinPool']): string {
  const pool = events.find((e) => e.pool)?.pool;
  return pool ? ` ${pool}` : '';
}

/** DM_POOL_DATA_FULL, DM_POOL_DATA_HIGH and DM_POOL_METADATA_FULL: devicemapper thin pool space. */
export const dmPoolSpaceRule: Rule = {
  codes: ['DM_POOL_DATA_FULL', 'DM_POOL_DATA_HIGH', 'DM_POOL_METADATA_FULL'],
  run(facts, ctx) {
    return [...dataSpace(facts, ctx), ...metadataSpace(facts, ctx)];
  },
};

function dataSpace(facts: Facts, ctx: RuleContext): Finding[] {
  const t = ctx.thresholds;
  const info = facts.docker.info;
  const lowSpace = facts.dockerd.thinPoolLowSpace;
  const used = info?.dataUsedBytes;
  const total = info?.dataTotalBytes;
  const available = info?.dataAvailableBytes;
  const pct = used !== undefined && total ? (used / total) * 100 : undefined;
  // dockerd refuses new devices once the pool has less than its minimum free space (docker info's
  // "Thin Pool Minimum Free Space", 10 % of the pool by default), whatever the percentage says.
  const minFree = info?.thinPoolMinFreeBytes;
  const belowMinFree = available !== undefined && minFree !== undefined && available < minFree;
  const lowAvailable = available !== undefined && (available < t.dmPoolMinFreeBytes || belowMinFree);
  const kernelData = kernelPoolEvents(facts, 'data');
  const kernelFull = kernelData.filter((e) => e.usedPct === undefined || e.usedPct >= t.dmPoolFullPct);
  const dmevent = kernelData.filter((e) => e.usedPct !== undefined).at(-1);
  // without docker info's figures (a hung daemon), the pool as dmsetup status or lvs lists it
  const listed = pct === undefined ? listedDockerPool(facts) : undefined;
  const listedPct = listed?.dataUsedPct;
  const listedOut = listed?.mode === 'out_of_data_space';
  const listedFull = listed !== undefined && ((listedPct !== undefined && listedPct >= t.dmPoolFullPct) || listedOut);
  const full = (pct !== undefined && pct >= t.dmPoolFullPct) || lowAvailable || lowSpace.length > 0 || kernelFull.length > 0 || listedFull;

  const figures = used !== undefined && total ? `${formatBytes(used)} of ${formatBytes(total)} used (${formatPct(pct ?? 0)})` : undefined;
  // On loop-lvm Docker reports as available the lesser of the pool's free space and its loop
  // file's filesystem's: a pool half empty on a full filesystem is full all the same.
  const loopCapped =
    lowAvailable && info?.dataLoopFile !== undefined && available !== undefined && used !== undefined && total !== undefined && available < (total - used) / 2;
  const data = {
    ...(used !== undefined ? { used_bytes: used } : {}),
    ...(total !== undefined ? { total_bytes: total } : {}),
    ...(available !== undefined ? { available_bytes: available } : {}),
    ...(pct !== undefined ? { used_pct: Math.round(pct * 10) / 10 } : {}),
  };
  if (full) {
    let title: string;
    if (figures && loopCapped && available !== undefined) {
      title = `devicemapper pool has only ${formatBytes(available)} available, with ${figures}: the filesystem under its loop file ${info?.dataLoopFile} has no room left`;
    } else if (figures) {
      const left = lowAvailable && available !== undefined ? `, ${formatBytes(available)} available` : '';
      const refusing = belowMinFree && minFree !== undefined ? `, under the ${formatBytes(minFree)} minimum free space: dockerd refuses new containers and images` : '';
      title = `devicemapper pool ${figures}${left}${refusing}`;
    } else if (listed && listedFull) {
      const out = listedOut ? ': the kernel switched it to out-of-data-space mode' : '';
      title = `${listedFigures(listed, 'data') ?? `devicemapper thin pool ${listed.name} out of data space`}${out}`;
    } else if (lowSpace.length === 0 && kernelFull.some((e) => e.usedPct === undefined)) {
      title = `devicemapper thin pool${poolLabel(kernelFull)} out of data space: the kernel switched it to out-of-data-space mode`;
    } else if (lowSpace.length === 0) {
      const latest = kernelFull.at(-1);
      title = `devicemapper thin pool${poolLabel(kernelFull)} data ${formatPct(latest?.usedPct ?? 0)} full (LVM's dmeventd)`;
    } else {
      const last = lowSpace[lowSpace.length - 1];
      title = `devicemapper thin pool out of space: dockerd refused to create containers${last?.freeBlocks !== undefined ? ` (${last.freeBlocks} free data blocks left)` : ''}`;
    }
    return [
      {
        code: 'DM_POOL_DATA_FULL',
        severity: 'critical',
        title,
        evidence: [
          ...infoEvidence(facts, 'Data Space Used', 'Data Space Total', 'Data Space Available', ...(loopCapped ? ['Data loop file'] : [])),
          ...lowSpace.slice(-3).map((l) => toEvidence(l.line)),
          ...kernelFull.slice(0, 2).map((e) => toEvidence(e.line)),
          ...(listedFull && listed ? [toEvidence(listed.line)] : []),
        ],
        fixes: [moveWritersFix(facts), growDataFix(facts), OVERLAY2],
        ...(info?.poolName ? { subject: info.poolName } : listed ? { subject: listed.name } : {}),
        data: { ...listedData(listed, 'data'), ...data },
      },
    ];
  }
  if (pct !== undefined && pct >= t.dmPoolHighPct && figures) {
    return [
      {
        code: 'DM_POOL_DATA_HIGH',
        severity: 'warning',
        title: `devicemapper pool ${figures}`,
        evidence: infoEvidence(facts, 'Data Space Used', 'Data Space Total', 'Data Space Available'),
        fixes: [moveWritersFix(facts), growDataFix(facts), OVERLAY2],
        ...(info?.poolName ? { subject: info.poolName } : {}),
        data,
      },
    ];
  }
  const listedTitle = listed ? listedFigures(listed, 'data') : undefined;
  if (listed && listedTitle && listedPct !== undefined && listedPct >= t.dmPoolHighPct) {
    return [
      {
        code: 'DM_POOL_DATA_HIGH',
        severity: 'warning',
        title: listedTitle,
        evidence: [toEvidence(listed.line)],
        fixes: [moveWritersFix(facts), growDataFix(facts), OVERLAY2],
        subject: listed.name,
        data: listedData(listed, 'data'),
      },
    ];
  }
  // Without docker info's figures, LVM's dmeventd still says how full the pool is getting.
  if (pct === undefined && dmevent?.usedPct !== undefined && dmevent.usedPct >= t.dmPoolHighPct) {
    return [
      {
        code: 'DM_POOL_DATA_HIGH',
        severity: 'warning',
        title: `devicemapper thin pool${poolLabel([dmevent])} data ${formatPct(dmevent.usedPct)} full (LVM's dmeventd)`,
        evidence: kernelData.filter((e) => e.usedPct !== undefined).slice(-3).map((e) => toEvidence(e.line)),
        fixes: [moveWritersFix(facts), growDataFix(facts), OVERLAY2],
        ...(dmevent.pool ? { subject: dmevent.pool } : {}),
        data: { used_pct: dmevent.usedPct },
      },
    ];
  }
  return [];
}

function metadataSpace(facts: Facts, ctx: RuleContext): Finding[] {
  const info = facts.docker.info;
  const used = info?.metadataUsedBytes;
  const total = info?.metadataTotalBytes;
  const pct = used !== undefined && total ? (used / total) * 100 : undefined;
  const kernelFull = kernelPoolEvents(facts, 'metadata').filter((e) => e.usedPct === undefined || e.usedPct >= ctx.thresholds.dmMetadataFullPct);
  const byFigures = pct !== undefined && pct >= ctx.thresholds.dmMetadataFullPct;
  const listed = pct === undefined ? listedDockerPool(facts) : undefined;
  const listedTitle = listed ? listedFigures(listed, 'metadata') : undefined;
  const byListed = listed !== undefined && listedTitle !== undefined && (listed.metadataUsedPct ?? 0) >= ctx.thresholds.dmMetadataFullPct;
  if (!byFigures && !byListed && kernelFull.length === 0) return [];
  const title =
    byFigures && used !== undefined && total
      ? `devicemapper pool metadata ${formatBytes(used)} of ${formatBytes(total)} used (${formatPct(pct)})`
      : byListed && listedTitle
        ? listedTitle
        : kernelFull.some((e) => e.usedPct === undefined)
        ? `devicemapper thin pool${poolLabel(kernelFull)} out of metadata space: the kernel could not allocate a metadata block`
        : `devicemapper thin pool${poolLabel(kernelFull)} metadata ${formatPct(kernelFull.at(-1)?.usedPct ?? 0)} full (LVM's dmeventd)`;
  return [
    {
      code: 'DM_POOL_METADATA_FULL',
      severity: 'critical',
      title,
      evidence: [
        ...infoEvidence(facts, 'Metadata Space Used', 'Metadata Space Total', 'Metadata Space Available'),
        ...kernelFull.slice(0, 3).map((e) => toEvidence(e.line)),
        ...(byListed && listed ? [toEvidence(listed.line)] : []),
      ],
      fixes: [
        growMetadataFix(facts),
        OVERLAY2,
      ],
      ...(info?.poolName ? { subject: info.poolName } : byListed && listed ? { subject: listed.name } : {}),
      data: {
        ...(byListed ? listedData(listed, 'metadata') : {}),
        ...(used !== undefined ? { used_bytes: used } : {}),
        ...(total !== undefined ? { total_bytes: total } : {}),
        ...(pct !== undefined ? { used_pct: Math.round(pct * 10) / 10 } : {}),
      },
    },
  ];
}
