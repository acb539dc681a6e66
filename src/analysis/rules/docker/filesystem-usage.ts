import { shellArg, type Finding } from '../../../domain/index.js';
import { filesystemOf, mountsOfDevice } from '../../facts/disks.js';
import { toEvidence, type Filesystem, type Facts } from '../../facts/index.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { failedLogsNote } from './how-it-ended.js';
import { dockerRootOf, evidenceOf, storageDriverOf, type DockerRoot } from './docker-context.js';
import { filesystemKey, isReportableFilesystem } from './filesystem-scope.js';
import { logCap } from './container-logs-huge.js';

/** FS_FULL and FS_HIGH: a filesystem nearly or completely full (df). */
export const filesystemUsageRule: Rule = {
  codes: ['FS_FULL', 'FS_HIGH'],
  run(facts, ctx) {
    const t = ctx.thresholds;
    const root = dockerRootOf(facts);
    const rootFs = filesystemOf(root.path, facts.disks.filesystems);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const fs of facts.disks.filesystems) {
      const key = filesystemKey(fs, [fs.sizeBytes, fs.usedBytes, fs.availableBytes]);
      if (!isReportableFilesystem(fs) || seen.has(fs.mount) || seen.has(key)) continue;
      seen.add(fs.mount);
      seen.add(key);
      const freePct = fs.sizeBytes > 0 ? (fs.availableBytes / fs.sizeBytes) * 100 : 100;
      const full = fs.usePct >= t.fsFullPct || (fs.sizeBytes > 0 && freePct < t.fsFullFreePct);
      if (!full && fs.usePct < t.fsHighPct) continue;
      const holdsDocker = fs === rootFs;
      findings.push(usageFinding(facts, fs, full, holdsDocker ? root : undefined));
    }
    return findings;
  },
};

function usageFinding(facts: Facts, fs: Filesystem, full: boolean, root: DockerRoot | undefined): Finding {
  const dockerRootHere = root?.path;
  const what = `${fs.mount} (${fs.source}${fs.type ? `, ${fs.type}` : ''})`;
  const docker = dockerRootHere ? `; it holds Docker's ${root?.from === 'default' ? 'default data root' : 'data root'} ${dockerRootHere}` : '';
  const loop = dockerRootHere && storageDriverOf(facts)?.driver === 'devicemapper' && facts.docker.info?.dataLoopFile;
  const fixes: Finding['fixes'] = [
    {
      title: `Free space on ${fs.mount}`,
      detail: 'Find what grew (du -xh --max-depth=2 <mount> | sort -h | tail) and remove or move it: old logs, core dumps, package caches.',
      commands: [`du -xh --max-depth=2 ${shellArg(fs.mount)} | sort -h | tail -20`],
    },
  ];
  if (dockerRootHere) {
    fixes.push({
      title: 'Reclaim Docker space',
      detail: `Remove exited containers and dangling images, cap json-file logs, or move the data root to a larger disk (--data-root, --graph on old releases).${failedLogsNote(facts)}`,
      commands: ['docker system prune', 'docker rm $(docker ps -aq -f status=exited)'], daemon_options: [logCap(facts, fs).options],
    });
  }
  if (loop) {
    fixes.push({
      title: 'The loop-lvm data file lives here: it grows until this filesystem is full',
      detail:
        'A sparse data file larger than its filesystem turns a full disk into I/O errors inside every container. Docker never shrinks an existing loop file ' +
        '(a smaller dm.loopdatasize applies only to a new pool): free space here and move the pool to its own disk (direct-lvm).',
      daemon_options: ['--storage-opt dm.thinpooldev=/dev/mapper/docker-thinpool'],
    });
  }
  // loop devices whose files are here: what is mounted from them fails its writes once this is full
  const images = facts.disks.loopDevices.filter((l) => filesystemOf(l.backingFile, facts.disks.filesystems) === fs);
  if (images.length) {
    const names = images.map((l) => l.device);
    const mountedFrom = images.flatMap((l) => mountsOfDevice(facts.disks.mounts, l.device).map((m) => m.mount));
    fixes.push({
      title: `${names.length === 1 ? `${names[0]}'s file lives` : `The files of ${names.join(', ')} live`} here (${images.map((l) => l.backingFile).slice(0, 3).join(', ')}): ${full ? 'writes to' : 'once this is full, writes to'} ${mountedFrom.length ? mountedFrom.slice(0, 3).join(', ') : names.join(', ')} fail${full ? '' : ' too'}`,
      detail: 'A sparse image file grows as what is mounted from it is written: give it room here, or move it to a filesystem that has it.',
      commands: images.slice(0, 3).map((l) => `ls -ls ${shellArg(l.backingFile)}`),
    });
  }
  return {
    code: full ? 'FS_FULL' : 'FS_HIGH',
    severity: full ? 'critical' : 'warning',
    title: `${full ? 'Filesystem full' : 'Filesystem filling up'}: ${what} ${fs.usePct} % used, ${formatBytes(fs.availableBytes)} free of ${formatBytes(fs.sizeBytes)}${docker}`,
    // The line that says where the data root is, so the reader sees why this filesystem holds it.
    evidence: [toEvidence(fs.line), ...evidenceOf(root?.line)],
    fixes,
    subject: fs.mount,
    data: {
      mount: fs.mount,
      source: fs.source,
      used_pct: fs.usePct,
      available_bytes: fs.availableBytes,
      size_bytes: fs.sizeBytes,
      docker_root: dockerRootHere ?? null,
      ...(root ? { docker_root_from: root.from } : {}),
    },
  };
}
