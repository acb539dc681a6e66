import { clip } from '../../../domain/index.js';
import { seenOf } from '../../facts/clock.js';
import type { Rule } from '../rule.js';
import { quote } from './support.js';
import { dockerService } from '../docker/docker-context.js';

/** The fatal as dockerd said it, cut to fit a title. */
function shorten(said: string): string {
  return clip(said, 90, '...');
}

/** CONTAINERD_RESTORE_FAILED: dockerd started or found its containerd and died with a containerd fatal (EOF, a timeout, a corrupt events.log). */
export const containerdRestoreFailedRule: Rule = {
  codes: ['CONTAINERD_RESTORE_FAILED'],
  run(facts) {
    const lines = facts.dockerd.containerdRestoreFailure;
    if (!lines || lines.length === 0) return [];
    const times = facts.dockerd.containerdRestoreFailures;
    const service = dockerService(facts);
    return [
      {
        code: 'CONTAINERD_RESTORE_FAILED',
        severity: 'critical',
        title: `dockerd dies at start-up restoring containerd state (${shorten(facts.dockerd.containerdRestoreFatal ?? 'fatal')})${times > 1 ? `, ${times} times` : ''}`,
        evidence: quote(lines, 4),
        fixes: [
          {
            title: 'Stop Docker, move the libcontainerd state aside, start Docker',
            detail:
              'containerd replays its past events to restore containers and chokes on its own state; dockerd then exits ' +
              'with EOF before it can even dump its stacks. Moving the directory aside (rather than deleting it) keeps it for a bug report.',
            commands: [service.stop, 'mv /var/lib/docker/libcontainerd /var/lib/docker/libcontainerd.broken-$(date +%s)', service.start],
          },
          {
            title: 'Upgrade Docker: the containerd supervisor was reworked after 1.12.x',
          },
        ],
        seen: seenOf(facts.clock, lines, Math.max(times, 1)),
        data: { failures: times },
      },
    ];
  },
};
