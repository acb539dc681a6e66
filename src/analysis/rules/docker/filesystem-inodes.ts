import { shellArg, type Finding } from '../../../domain/index.js';
import { filesystemOf } from '../../facts/disks.js';
import { toEvidence } from '../../facts/index.js';
import type { Rule } from '../rule.js';
import { failedLogsNote } from './how-it-ended.js';
import { dockerRootOf, evidenceOf } from './docker-context.js';
import { filesystemKey, isReportableFilesystem } from './filesystem-scope.js';

/** FS_INODES_FULL: a filesystem out of inodes (df -i), which fails writes while df shows free space. */
export const filesystemInodesRule: Rule = {
  codes: ['FS_INODES_FULL'],
  run(facts, ctx) {
    const root = dockerRootOf(facts);
    const rootFs = filesystemOf(root.path, facts.disks.inodes);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const fs of facts.disks.inodes) {
      const key = filesystemKey(fs, [fs.inodes, fs.used]);
      if (!isReportableFilesystem(fs) || seen.has(fs.mount) || seen.has(key) || fs.inodes === 0) continue;
      seen.add(fs.mount);
      seen.add(key);
      if (fs.usePct < ctx.thresholds.inodesFullPct) continue;
      const holdsDocker = fs === rootFs;
      const docker = holdsDocker ? `; it holds Docker's ${root.from === 'default' ? 'default data root' : 'data root'} ${root.path}` : '';
      const finding: Finding = {
        code: 'FS_INODES_FULL',
        severity: 'critical',
        title: `Inodes exhausted on ${fs.mount} (${fs.source}): ${fs.used.toLocaleString('en-US')} of ${fs.inodes.toLocaleString('en-US')} used (${fs.usePct} %)${docker}`,
        evidence: [toEvidence(fs.line), ...(holdsDocker ? evidenceOf(root.line) : [])],
        fixes: [
          {
            title: `Find and remove the many small files on ${fs.mount}`,
            detail: `Writes fail with "No space left on device" although df shows free blocks. Count files per directory and clear session files, mail queues, caches or orphaned image layers.${docker ? failedLogsNote(facts) : ''}`,
            commands: [`find ${shellArg(fs.mount)} -xdev -type f | cut -d/ -f2-4 | sort | uniq -c | sort -n | tail -20`, ...(docker ? ['docker image prune -a', 'docker rm $(docker ps -aq -f status=exited)'] : [])],
          },
          {
            title: 'Recreate the filesystem with more inodes when the workload needs them',
            detail: 'ext4 fixes the inode count at mkfs time (mkfs.ext4 -i 8192 or -N); xfs allocates inodes dynamically (raise imaxpct with xfs_growfs -m).',
          },
        ],
        subject: fs.mount,
        data: { mount: fs.mount, inodes: fs.inodes, used: fs.used, used_pct: fs.usePct, ...(holdsDocker ? { docker_root: root.path, docker_root_from: root.from } : {}) },
      };
      findings.push(finding);
    }
    return findings;
  },
};
