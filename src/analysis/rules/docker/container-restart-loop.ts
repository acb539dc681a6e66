import type { Finding } from '../../../domain/index.js';
import type { ContainerRecord } from '../../facts/index.js';
import type { Thresholds } from '../../thresholds.js';
import type { Rule } from '../rule.js';
import { containerEvidence, containerLabel } from './docker-context.js';
import { exitMeaning } from './exit-status.js';
import { howItEnded } from './how-it-ended.js';
import { schedulerOf } from './scheduler.js';

/** A container Docker restarts again and again: RestartCount at the threshold, or Restarting now. */
export function inRestartLoop(c: ContainerRecord, thresholds: Pick<Thresholds, 'restartLoopMin'>): boolean {
  return (c.restartCount ?? 0) >= thresholds.restartLoopMin || c.status === 'restarting' || /^Restarting\b/.test(c.statusText ?? '');
}

/** A Compose service's container is recreated from its file: a policy set by docker update is lost then. */
function composeNote(c: ContainerRecord): string {
  const scheduler = schedulerOf(c);
  return scheduler?.kind === 'compose'
    ? ` It is Compose service ${scheduler.service} of project ${scheduler.project}, which Compose recreates from its file: set restart: on-failure:5 for the service there too.`
    : '';
}

/** CONTAINER_RESTART_LOOP: a container restarted again and again (RestartCount, or Restarting in docker ps). */
export const containerRestartLoopRule: Rule = {
  codes: ['CONTAINER_RESTART_LOOP'],
  run(facts, ctx) {
    const findings: Finding[] = [];
    for (const c of facts.docker.containers) {
      if (!inRestartLoop(c, ctx.thresholds)) continue;
      const count = c.restartCount ?? 0;
      const what = count >= ctx.thresholds.restartLoopMin ? `restarted ${count} times` : 'is restarting';
      // its last status in words: an OOM kill, a command not found, the signal it died of
      const said = c.oomKilled ? 'OOM killed' : c.exitCode !== undefined ? exitMeaning(c.exitCode)?.short : undefined;
      const exit = c.exitCode !== undefined && c.exitCode !== 0 ? `, last exit ${c.exitCode}${said ? ` (${said})` : ''}` : '';
      // what it printed last, where its log tail was read (docker-host reads each restarting
      // container's): its own words on why it dies, and what it ran out of
      const ended = howItEnded(facts, c);
      findings.push({
        code: 'CONTAINER_RESTART_LOOP',
        severity: 'warning',
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} ${what}${exit}${c.statusText ? ` (${c.statusText})` : ''}`,
        evidence: [...containerEvidence(c, 'RestartCount', 'ExitCode', 'OOMKilled'), ...ended.evidence],
        fixes: [
          ...ended.fixes,
          {
            title: 'Read why it dies before it restarts again',
            detail: `${ended.sentence ? `${ended.sentence} ` : ''}The last lines before each exit usually name the cause: a missing config, a dependency that is down, an OOM kill (exit 137).`,
            commands: [`docker logs --tail 100 ${c.id.slice(0, 12)}`, `docker inspect -f '{{json .State}}' ${c.id.slice(0, 12)}`],
          },
          {
            title: 'Bound the restart policy so a broken container does not thrash the host',
            detail: `Use on-failure with a retry limit instead of always while you investigate.${composeNote(c)}`,
            commands: [`docker update --restart=on-failure:5 ${c.id.slice(0, 12)}`],
          },
        ],
        subject: c.id,
        data: {
          container_id: c.id,
          container_name: c.name ?? null,
          restart_count: count,
          ...(c.exitCode !== undefined ? { exit_code: c.exitCode } : {}),
          ...ended.data,
        },
      });
    }
    return findings;
  },
};
