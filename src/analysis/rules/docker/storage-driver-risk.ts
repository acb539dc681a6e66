import type { Finding } from '../../../domain/index.js';
import { toEvidence } from '../../facts/index.js';
import { compareVersions, versionParts } from '../../parsers/version-compare.js';
import type { Rule } from '../rule.js';
import { evidenceOf, storageDriverOf } from './docker-context.js';

/** Overlay (v1) is only dependable from this kernel on. */
const OVERLAY_MIN_KERNEL = [3, 18, 0];

const TO_OVERLAY2 = {
  title: 'Move to overlay2',
  detail:
    'overlay2 needs kernel 4.0+ (or a RHEL/CentOS 7.4+ kernel) and, on xfs, ftype=1 (xfs_info <mount> | grep ftype). Switching drivers hides existing images and containers: export or rebuild them, set the driver, restart Docker.',
  commands: ['xfs_info /var/lib/docker | grep ftype'], daemon_options: ['--storage-driver=overlay2'],
};

/** STORAGE_DRIVER_RISK: devicemapper or aufs in use, or overlay on a kernel older than 3.18. */
export const storageDriverRiskRule: Rule = {
  codes: ['STORAGE_DRIVER_RISK'],
  run(facts) {
    const found = storageDriverOf(facts);
    if (!found) return [];
    const { driver } = found;
    const kernel = facts.docker.info?.kernelVersion ?? facts.system.kernelRelease;
    const kernelLine = facts.docker.info?.lines.get('Kernel Version');
    const base = { code: 'STORAGE_DRIVER_RISK' as const, severity: 'warning' as const, subject: driver };
    let why: string;
    let finding: Finding;
    if (driver === 'devicemapper') {
      why = 'a fixed-size thin pool that hangs or corrupts containers when it fills, loop-lvm by default, and removed in Docker 25';
      finding = {
        ...base,
        title: `Storage driver devicemapper: ${why}`,
        evidence: evidenceOf(found.line),
        fixes: [
          TO_OVERLAY2,
          {
            title: 'If devicemapper must stay: direct-lvm, a watched pool, and no XFS retry hang',
            daemon_options: ['--storage-opt dm.thinpooldev=/dev/mapper/docker-thinpool', '--storage-opt dm.xfs_nospace_max_retries=0', '--storage-opt dm.fs=ext4'],
          },
        ],
      };
    } else if (driver === 'aufs') {
      why = 'not in the mainline kernel, deprecated by Docker and slow on large files';
      finding = { ...base, title: `Storage driver aufs: ${why}`, evidence: evidenceOf(found.line), fixes: [TO_OVERLAY2] };
    } else if (driver === 'overlay' && kernel) {
      const parts = versionParts(kernel);
      if (!parts || compareVersions(parts, OVERLAY_MIN_KERNEL) >= 0) return [];
      why = `overlay on kernel ${kernel}, older than 3.18, where overlayfs is a technology preview with known data-loss and inode bugs`;
      finding = {
        ...base,
        title: `Storage driver ${why}`,
        evidence: [...evidenceOf(found.line), ...(kernelLine ? [toEvidence(kernelLine)] : [])],
        fixes: [{ title: 'Upgrade the kernel to 4.x or later, then use overlay2', daemon_options: ['--storage-driver=overlay2'] }, TO_OVERLAY2],
      };
    } else return [];
    if (finding.evidence.length === 0 && kernelLine) finding.evidence.push(toEvidence(kernelLine));
    return finding.evidence.length > 0 ? [{ ...finding, data: { driver, kernel: kernel ?? null } }] : [];
  },
};
