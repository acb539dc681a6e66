import { plural, type Evidence } from '../../../domain/index.js';
import type { Facts } from '../../facts/index.js';
import { toEvidence } from '../../facts/index.js';
import { formatBytes } from '../../parsers/sizes.js';
import { parseRamSize } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { infoEvidence } from './docker-context.js';
import { growDataFix, moveWritersFix } from './thin-pool-fixes.js';

/** Docker's devicemapper base device size when neither docker info nor dm.basesize says: 10 GiB. */
export const DOCKER_DEFAULT_BASE_DEVICE_BYTES = 10 * 2 ** 30;

/** DM_OVERCOMMIT: containers × base device size is more than the pool holds. */
export const dmOvercommitRule: Rule = {
  codes: ['DM_OVERCOMMIT'],
  run(facts) {
    const info = facts.docker.info;
    if (info?.storageDriver !== 'devicemapper' || !info.dataTotalBytes) return [];
    const containers = info.containers ?? (facts.docker.containers.length || undefined);
    if (!containers) return [];
    const base = baseDeviceSize(facts);
    const promised = containers * base.bytes;
    if (promised <= info.dataTotalBytes) return [];
    const ratio = promised / info.dataTotalBytes;
    return [
      {
        code: 'DM_OVERCOMMIT',
        severity: 'warning',
        title: `devicemapper pool over-committed ${ratio.toFixed(1)}×: ${plural(containers, 'container')} × ${formatBytes(base.bytes)} base size = ${formatBytes(promised)} promised, pool holds ${formatBytes(info.dataTotalBytes)}${base.note ? ` (${base.note})` : ''}`,
        evidence: [...infoEvidence(facts, 'Containers', 'Data Space Total'), ...base.evidence],
        fixes: [
          {
            title: 'Stop promising the pool more than it has',
            detail:
              `Each container may grow to the base size, and the pool fails for everyone when they together pass ${formatBytes(info.dataTotalBytes)}. ` +
              'Run fewer containers per host, or grow the pool so that containers × base size fits. dm.basesize cannot be lowered on this pool: ' +
              'dockerd then refuses to start ("Base device size cannot be smaller than ..."); a smaller one applies only when the pool is made anew.',
          },
          growDataFix(facts, promised),
          {
            title: `When the pool is made anew: a base size that fits ${plural(containers, 'container')}`,
            daemon_options: [`--storage-opt dm.basesize=${Math.max(1, Math.floor(info.dataTotalBytes / containers / 2 ** 30))}G`],
          },
          moveWritersFix(facts),
        ],
        subject: info.poolName ?? 'devicemapper pool',
        data: { containers, base_device_bytes: base.bytes, promised_bytes: promised, pool_total_bytes: info.dataTotalBytes },
      },
    ];
  },
};

function baseDeviceSize(facts: Facts): { bytes: number; note?: string; evidence: Evidence[] } {
  const info = facts.docker.info;
  if (info?.baseDeviceSizeBytes) return { bytes: info.baseDeviceSizeBytes, evidence: infoEvidence(facts, 'Base Device Size') };
  const command = facts.docker.daemon.command;
  const opt = command?.storageOpts.get('dm.basesize');
  const bytes = opt ? parseRamSize(opt) : undefined;
  if (command && bytes) return { bytes, note: `dm.basesize=${opt ?? ''} on dockerd's command line`, evidence: [toEvidence(command.line)] };
  return { bytes: DOCKER_DEFAULT_BASE_DEVICE_BYTES, note: "docker info does not print the base size: assumed Docker's 10 GB default", evidence: [] };
}
