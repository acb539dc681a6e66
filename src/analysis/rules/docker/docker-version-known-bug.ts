import type { Evidence, Finding, Fix } from '../../../domain/index.js';
import { toEvidence, type Facts } from '../../facts/index.js';
import { compareVersions, versionParts } from '../../parsers/version-compare.js';
import type { Rule } from '../rule.js';
import { dockerService, dockerVersionOf, evidenceOf, infoEvidence, storageDriverOf } from './docker-context.js';
import { ext4PoolOptions } from './thin-pool-fixes.js';

/** A Docker release range with a bug that hangs or kills the daemon, and when it applies to this host. */
interface KnownBug {
  id: string;
  /** Affected: from (inclusive) to (exclusive). */
  from: readonly number[];
  below: readonly number[];
  /** Whether the bug bites here, with the extra evidence and words; undefined when it does not. */
  applies(facts: Facts): { why: string; evidence: Evidence[] } | undefined;
  title: string;
  /** The fixes, in this host's terms (its service manager). */
  fixes(facts: Facts): Fix[];
}

const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'dm-xfs-enospc-retry',
    from: [0, 0, 0],
    below: [1, 12, 6],
    title: 'devicemapper on XFS retries ENOSPC forever when the pool fills, hanging dockerd in xfs_unmountfs (no dm.xfs_nospace_max_retries before 1.12.6)',
    applies(facts) {
      if (storageDriverOf(facts)?.driver !== 'devicemapper') return undefined;
      const fs = backingFilesystem(facts);
      if (fs.name && fs.name !== 'xfs') return undefined;
      return { why: fs.name ? `backing filesystem xfs (${fs.from})` : "backing filesystem not reported; xfs is devicemapper's default", evidence: fs.evidence };
    },
    fixes: (facts) => [
      {
        title: 'Upgrade Docker to 1.12.6 or later and stop XFS from retrying on a full pool',
        daemon_options: ['--storage-opt dm.xfs_nospace_max_retries=0'],
      },
      {
        title: 'If upgrading is not possible now: rebuild the pool with ext4 base devices',
        detail: 'Changing dm.fs only affects a new pool: stop Docker, move the old devicemapper directory aside, start with the new options, and re-pull images.',
        daemon_options: [ext4PoolOptions(facts)],
      },
    ],
  },
  {
    id: 'containerd-restore-eof',
    from: [1, 11, 0],
    below: [1, 13, 0],
    title: 'libcontainerd fails to restore containers at start ("containerd: read past events", then fatal EOF), leaving dockerd down',
    applies(facts) {
      const failure = facts.dockerd.containerdRestoreFailure;
      return failure && failure.length > 0 ? { why: 'dockerd logged the failure', evidence: failure.slice(-2).map(toEvidence) } : undefined;
    },
    fixes(facts) {
      const service = dockerService(facts);
      return [
        {
          title: 'Move the libcontainerd state aside to start again, then upgrade Docker (and containerd)',
          commands: [service.stop, 'mv /var/run/docker/libcontainerd /var/run/docker/libcontainerd.bak', service.start],
        },
      ];
    },
  },
];

/** DOCKER_VERSION_KNOWN_BUG: the running Docker release has a known bug, and the conditions for it to bite hold. */
export const dockerVersionKnownBugRule: Rule = {
  codes: ['DOCKER_VERSION_KNOWN_BUG'],
  run(facts) {
    const found = dockerVersionOf(facts);
    const parts = found ? versionParts(found.version) : undefined;
    if (!found || !parts) return [];
    const findings: Finding[] = [];
    for (const bug of KNOWN_BUGS) {
      if (compareVersions(parts, bug.from) < 0 || compareVersions(parts, bug.below) >= 0) continue;
      const hit = bug.applies(facts);
      if (!hit) continue;
      findings.push({
        code: 'DOCKER_VERSION_KNOWN_BUG',
        severity: 'info',
        title: `Docker ${found.version}: ${bug.title}; ${hit.why}`,
        evidence: [...evidenceOf(found.line), ...hit.evidence],
        fixes: bug.fixes(facts),
        subject: bug.id,
        data: { version: found.version, fixed_in: bug.below.join('.') },
      });
    }
    return findings;
  },
};

/** The devicemapper base devices' filesystem: docker info, the mounted thin devices in df, then dm.fs. */
function backingFilesystem(facts: Facts): { name?: string; from?: string; evidence: Evidence[] } {
  const info = facts.docker.info;
  if (info?.backingFilesystem) return { name: info.backingFilesystem, from: 'docker info', evidence: infoEvidence(facts, 'Backing Filesystem') };
  const mounted = facts.disks.filesystems.find((fs) => fs.source.startsWith('/dev/mapper/docker-') && fs.type);
  if (mounted?.type) return { name: mounted.type, from: 'df', evidence: [toEvidence(mounted.line)] };
  const command = facts.docker.daemon.command;
  const dmFs = command?.storageOpts.get('dm.fs');
  if (command && dmFs) return { name: dmFs, from: 'dm.fs', evidence: [toEvidence(command.line)] };
  return { evidence: [] };
}
