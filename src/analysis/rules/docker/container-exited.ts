import type { Finding } from '../../../domain/index.js';
import { seenOf } from '../../facts/clock.js';
import type { Rule } from '../rule.js';
import { inRestartLoop } from './container-restart-loop.js';
import { containerEvidence, containerLabel } from './docker-context.js';
import { endedInFailure, exitMeaning } from './exit-status.js';
import { endedWhen, exitCodeOf, howItEnded } from './how-it-ended.js';
import { startAgainFix } from './scheduler.js';

/**
 * CONTAINER_EXITED: a container whose main process ended with a failure status and that Docker did
 * not start again (a failed task of a scheduler, a one-off run): when, its status in words, what
 * it printed last, where its log tail was read, and what starts it again.
 */
export const containerExitedRule: Rule = {
  codes: ['CONTAINER_EXITED'],
  run(facts, ctx) {
    const findings: Finding[] = [];
    for (const c of facts.docker.containers) {
      const code = exitCodeOf(c);
      // SIGKILL (137) has its own codes: an OOM kill, or CONTAINER_KILLED_137
      if (c.running === true || !endedInFailure(code) || code === 137 || c.oomKilled === true) continue;
      if (c.status === 'running' || c.status === 'paused' || inRestartLoop(c, ctx.thresholds)) continue;
      const meaning = exitMeaning(code);
      const ended = howItEnded(facts, c);
      const short = c.id.slice(0, 12);
      const { at, data: when } = endedWhen(c);
      const stateError = c.error ? ` Docker's own error: "${c.error}".` : '';
      findings.push({
        code: 'CONTAINER_EXITED',
        severity: 'warning',
        subject: c.id,
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} exited with ${code}${meaning ? ` (${meaning.short})` : ''}${at ? ` at ${at}` : c.statusText ? ` (${c.statusText})` : ''}`,
        evidence: [...containerEvidence(c, 'ExitCode', 'FinishedAt', 'Error'), ...ended.evidence],
        fixes: [
          ...ended.fixes,
          {
            title: 'Read why it exited: its last lines, and its state',
            detail: `${ended.sentence ?? meaning?.sentence ?? `Exit ${code} is the application's own status: its last lines say what it means.`}${stateError}`,
            commands: [`docker logs --tail 100 ${short}`, `docker inspect -f '{{json .State}}' ${short}`],
          },
          startAgainFix(c, short),
        ],
        seen: seenOf(facts.clock, at ? [at] : [], 1),
        data: { container_id: c.id, container_name: c.name ?? null, exit_code: code, ...(meaning?.signal ? { signal: meaning.signal } : {}), ...when, ...ended.data },
      });
    }
    return findings;
  },
};

