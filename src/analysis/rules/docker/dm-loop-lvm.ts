import { shellArg, type Evidence, type Fix } from '../../../domain/index.js';
import { formatBytes } from '../../parsers/sizes.js';
import { toEvidence, type Facts } from '../../facts/index.js';
import type { Rule } from '../rule.js';
import { dockerVersionOf, evidenceOf, infoEvidence } from './docker-context.js';
import { compareVersions, versionParts } from '../../parsers/version-compare.js';
import { loopDataSizing, thinPoolMode, type LoopDataSizing } from './thin-pool-fixes.js';

/** DM_LOOP_LVM: the devicemapper pool sits on loop devices over sparse files. */
export const dmLoopLvmRule: Rule = {
  codes: ['DM_LOOP_LVM'],
  run(facts) {
    const found = loopEvidence(facts);
    if (!found) return [];
    const over = overpromisedFile(facts);
    return [
      {
        code: 'DM_LOOP_LVM',
        severity: 'warning',
        title: `devicemapper runs in loop-lvm mode${found.dataFile ? `: data on ${found.dataFile}` : ''}`,
        // the figures the fix for an over-promised file is computed from
        evidence: [...found.evidence, ...(over ? [...infoEvidence(facts, 'Data Space Used', 'Data Space Total'), toEvidence(over.sizing.filesystem.line)] : [])],
        fixes: [
          directLvmFix(facts),
          ...(over ? [over.fix] : []),
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
    if (thinPoolMode(facts) === 'loop-lvm') {
      return {
        dataFile: info.dataLoopFile ?? info.dataFile ?? '',
        evidence: infoEvidence(facts, 'Data file', 'Data loop file', 'Metadata loop file'),
      };
    }
    if (info.storageDriver) return undefined;
  }
  // docker info did not answer: dockerd's own start-up warning still tells.
  const warning = facts.docker.daemon.loopWarning;
  return warning ? { evidence: evidenceOf(warning) } : undefined;
}

/**
 * A sparse data file promised more than its filesystem can back: the pool reports room it does not
 * have, and containers get I/O errors the day that filesystem fills. The file cannot be shrunk.
 */
function overpromisedFile(facts: Facts): { fix: Fix; sizing: LoopDataSizing } | undefined {
  const sizing = loopDataSizing(facts);
  const total = facts.docker.info?.dataTotalBytes;
  if (!sizing || total === undefined || sizing.backableGiB * 2 ** 30 >= total) return undefined;
  return {
    sizing,
    fix: {
      title: `The ${formatBytes(total)} data file is promised more than ${sizing.filesystem.mount} can hold: move the pool before that filesystem fills`,
      detail: `${sizing.text}. Docker cannot shrink an existing loop file; until the pool moves, keep ${sizing.filesystem.mount} from filling.`,
      commands: [`df -h ${shellArg(sizing.filesystem.mount)}`, `ls -ls ${shellArg(sizing.file)}`],
    },
  };
}

/** Docker 17.06 sets up a direct-lvm pool itself on a disk it is given (dm.directlvm_device). */
const DIRECT_LVM_BY_DOCKER = [17, 6, 0];
const WHY_DIRECT =
  'loop-lvm puts the thin pool on sparse files through loop devices: slow, and when the file system below fills or the pool runs out, containers get I/O errors.';
const NOT_CARRIED = 'Images and containers in the loop pool are not carried over: save or push what is needed, and re-pull after.';

/** Direct-lvm for this Docker: made by Docker itself from 17.06 on, by hand with LVM before. */
function directLvmFix(facts: Facts): Fix {
  const found = dockerVersionOf(facts);
  const parts = found ? versionParts(found.version) : undefined;
  if (found && parts && compareVersions(parts, DIRECT_LVM_BY_DOCKER) >= 0) {
    return {
      title: `Move the pool to direct-lvm: Docker ${found.version} sets it up on a spare disk`,
      detail: `${WHY_DIRECT} Given an empty disk, Docker creates the volume group and thin pool and extends it as it fills (dm.thinp_autoextend_threshold). ${NOT_CARRIED}`,
      daemon_options: ['--storage-opt dm.directlvm_device=/dev/<spare disk> --storage-opt dm.thinp_percent=95 --storage-opt dm.thinp_metapercent=1'],
    };
  }
  return {
    title: 'Move the pool to direct-lvm: an LVM thin pool on its own disk',
    detail: `${WHY_DIRECT} ${found ? `Docker ${found.version} cannot set it up itself (17.06 can): make` : 'Make'} the thin pool with LVM, then point Docker at it. ${NOT_CARRIED}`,
    commands: [
      'pvcreate /dev/<spare disk>',
      'vgcreate docker /dev/<spare disk>',
      'lvcreate --wipesignatures y -n thinpool docker -l 95%VG',
      'lvcreate --wipesignatures y -n thinpoolmeta docker -l 1%VG',
      'lvconvert -y --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta',
    ],
    daemon_options: ['--storage-opt dm.thinpooldev=/dev/mapper/docker-thinpool --storage-opt dm.use_deferred_removal=true'],
  };
}
