import { plural, shellArg, type Finding, type Fix } from '../../../domain/index.js';
import { filesystemOf } from '../../facts/disks.js';
import { toEvidence, type Facts, type Filesystem } from '../../facts/index.js';
import { formatBytes } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { containerLabel, dockerRootOf } from './docker-context.js';

/** CONTAINER_LOGS_HUGE: one container's json-file log is enormous, in bytes or as a share of its filesystem. */
export const containerLogsHugeRule: Rule = {
  codes: ['CONTAINER_LOGS_HUGE'],
  run(facts, ctx) {
    const t = ctx.thresholds;
    const findings: Finding[] = [];
    for (const log of facts.docker.logSizes) {
      const container = facts.docker.containers.find((c) => log.containerId.startsWith(c.id) || c.id.startsWith(log.containerId)) ?? { id: log.containerId };
      const logPath = log.directory ? jsonLogIn(log.path, log.containerId, container.logPath, dockerRootOf(facts).path) : log.path;
      const fs = filesystemOf(logPath, facts.disks.filesystems);
      const fsPct = fs && fs.sizeBytes > 0 ? (log.bytes / fs.sizeBytes) * 100 : undefined;
      if (log.bytes < t.containerLogHugeBytes && (fsPct === undefined || fsPct < t.containerLogHugeFsPct)) continue;
      const share = fs && fsPct !== undefined ? `, ${fsPct.toFixed(0)} % of ${fs.mount}` : '';
      findings.push({
        code: 'CONTAINER_LOGS_HUGE',
        severity: 'warning',
        title: `Container ${containerLabel(container.id, container, 'parenthesised')} json log${log.directory ? ' directory' : ''} is ${formatBytes(log.bytes)}${share}`,
        evidence: [toEvidence(log.line), ...(fs ? [toEvidence(fs.line)] : [])],
        fixes: [
          {
            title: 'Truncate the log file now (the container keeps running)',
            detail: 'Do not rm it: dockerd holds the file open and the space would not come back until the container restarts.',
            commands: [`truncate -s 0 -- ${shellArg(logPath)}`],
          },
          capLogsFix(facts, fs),
          { title: 'Make the application log less, or to a log shipper instead of stdout at debug level' },
        ],
        subject: log.containerId,
        data: {
          container_id: log.containerId,
          container_name: container.name ?? null,
          log_bytes: log.bytes,
          log_path: logPath,
          ...(fsPct !== undefined ? { fs_pct: Math.round(fsPct * 10) / 10 } : {}),
        },
      });
    }
    return findings;
  },
};

/** Files json-file keeps per container once capped: the one written and two rotated. */
const LOG_FILES = 3;
/** The share of the logs' filesystem all capped logs together may take. */
const LOG_BUDGET_SHARE = 0.1;

/**
 * A json-file cap sized so that every container's logs together (containers × 3 files × max-size)
 * stay within a tenth of the filesystem that holds them: 10m to 100m per file.
 */
export function logCap(facts: Facts, fs: Filesystem | undefined): { options: string; why: string } {
  // how many containers there are is known from docker info, else from a listing that answered
  const known = facts.docker.info?.containers ?? (facts.docker.containersListed ? facts.docker.containers.length : undefined);
  const containers = Math.max(1, known ?? 0);
  const perFileMb = fs && known !== undefined ? Math.floor((fs.sizeBytes * LOG_BUDGET_SHARE) / (containers * LOG_FILES) / 1e6) : 100;
  const sizeMb = Math.min(100, Math.max(10, perFileMb));
  const why = fs && known !== undefined
    ? ` ${plural(containers, 'container')} × ${LOG_FILES} files × ${sizeMb} MB is ${formatBytes(containers * LOG_FILES * sizeMb * 1e6)}, ${perFileMb < 10 ? 'more than' : 'within'} a tenth of ${fs.mount} (${formatBytes(fs.sizeBytes)}).`
    : '';
  return { options: `--log-opt max-size=${sizeMb}m --log-opt max-file=${LOG_FILES}`, why };
}

function capLogsFix(facts: Facts, fs: Filesystem | undefined): Fix {
  const { options, why } = logCap(facts, fs);
  return {
    title: 'Cap json-file logs for every container',
    detail: `Set log-opts in /etc/docker/daemon.json and restart Docker; existing containers keep their old settings until recreated. Per container: docker run ${options}.${why}`,
    daemon_options: [options],
  };
}

/** The json log inside a container directory du measured: inspect's LogPath, else <dir>/<id>-json.log under the data root. */
function jsonLogIn(dir: string, id: string, inspected: string | undefined, root: string): string {
  if (inspected) return inspected;
  const base = dir.startsWith('/') ? dir.replace(/\/$/, '') : `${root}/containers/${id}`;
  return `${base}/${id}-json.log`;
}
