import type { Evidence } from '../../../domain/index.js';
import type { Facts } from '../../facts/index.js';
import type { Rule } from '../rule.js';
import { evidenceOf, infoEvidence } from './docker-context.js';

const LOOP_DEVICE = /^\/dev\/loop\d+$/;

/** DM_LOOP_LVM: the devicemapper pool sits on loop devices over sparse files. */
export const dmLoopLvmRule: Rule = {
  codes: ['DM_LOOP_LVM'],
  run(facts) {
    const found = loopEvidence(facts);
    if (!found) return [];
    return [
      {
        code: 'DM_LOOP_LVM',
        severity: 'warning',
        title: `devicemapper runs in loop-lvm mode${found.dataFile ? `: data on ${found.dataFile}` : ''}`,
        evidence: found.evidence,
        fixes: [
          {
            title: 'Move the pool to direct-lvm',
            detail:
              'loop-lvm puts the thin pool on sparse files through loop devices: slow, and when the file system below fills or the pool runs out, containers get I/O errors. Create an LVM thin pool on its own disk and point Docker at it.',
            daemon_options: ['--storage-opt dm.thinpooldev=/dev/mapper/docker-thinpool', '--storage-opt dm.use_deferred_removal=true'],
          },
          {
            title: 'Until then, size the loop files deliberately',
            detail: 'Set the sparse files larger than containers × base size, on a disk with that much room.',
            daemon_options: ['--storage-opt dm.loopdatasize=300G', '--storage-opt dm.loopmetadatasize=10G'],
          },
          { title: 'Or leave devicemapper for overlay2', daemon_options: ['--storage-driver=overlay2'] },
        ],
        ...(found.dataFile ? { subject: found.dataFile } : {}),
      },
    ];
  },
};

function loopEvidence(facts: Facts): { dataFile?: string; evidence: Evidence[] } | undefined {
  const info = facts.docker.info;
  if (info) {
    const dataFile = info.dataFile ?? '';
    // A loop device, or (Docker 1.3) the sparse file's path itself.
    const onLoop = LOOP_DEVICE.test(dataFile) || (dataFile.startsWith('/') && !dataFile.startsWith('/dev/')) || info.dataLoopFile !== undefined;
    if (info.storageDriver === 'devicemapper' && onLoop) {
      return {
        dataFile: info.dataLoopFile ?? dataFile,
        evidence: infoEvidence(facts, 'Data file', 'Data loop file', 'Metadata loop file'),
      };
    }
    if (info.storageDriver) return undefined;
  }
  // docker info did not answer: dockerd's own start-up warning still tells.
  const warning = facts.docker.daemon.loopWarning;
  return warning ? { evidence: evidenceOf(warning) } : undefined;
}
