import type { ContainerRecord } from '../../facts/docker.js';
import { seenOf } from '../../facts/clock.js';
import type { Rule } from '../rule.js';
import { containerEvidence, containerLabel } from '../docker/docker-context.js';
import { plural, type Finding } from '../../../domain/index.js';
import { findContainer, longerStopTimeout, quote, stopGraceSeconds } from './support.js';

const GONE = new Set(['exited', 'dead', 'removing']);

/** docker ps still shows it alive (or at least not exited): the stop never completed. */
function stillListed(c: ContainerRecord): boolean {
  if (c.status && GONE.has(c.status.toLowerCase())) return false;
  if (c.statusText && /^(?:Exited|Dead)\b/i.test(c.statusText)) return false;
  return true;
}

/** A container restarted after the failed stop is a new run, not a stuck one. */
function restartedSince(c: ContainerRecord, failureTime: string | undefined): boolean {
  if (!failureTime || !c.startedAt) return false;
  const failed = Date.parse(failureTime);
  const started = Date.parse(c.startedAt);
  return Number.isFinite(failed) && Number.isFinite(started) && started > failed;
}

/**
 * CONTAINER_STOP_TIMEOUT: dockerd logged `failed to exit within N seconds`, `container kill failed`,
 * `Cannot kill container` or `containerd: container not found` for a container docker ps still lists;
 * without docker ps or inspect to check, for a container whose kill itself failed.
 */
export const containerStopTimeoutRule: Rule = {
  codes: ['CONTAINER_STOP_TIMEOUT'],
  run(facts) {
    const findings: Finding[] = [];
    // No docker ps or inspect to check against (not collected, or it hung with the daemon): only a
    // kill that itself failed says the container is stuck; a forced stop after SIGTERM is routine.
    const unchecked = !facts.docker.containersListed && facts.docker.containers.length === 0;
    for (const stop of facts.dockerd.stopFailures) {
      const killFailed = stop.lines.some((l) => /kill failed|Cannot kill|container not found/.test(l.text));
      const sigkillIgnored = stop.lines.some((l) => /failed to exit within \d+(?:s| seconds) of kill\b/.test(l.text));
      const c = findContainer(facts.docker.containers, stop.containerId);
      if (c ? !stillListed(c) || restartedSince(c, stop.firstTime) : !(unchecked && (killFailed || sigkillIgnored))) continue;
      const timeout = stopGraceSeconds(stop.lines);
      const label = containerLabel(stop.containerId, c);
      findings.push({
        code: 'CONTAINER_STOP_TIMEOUT',
        severity: 'warning',
        subject: c?.id ?? stop.containerId,
        title:
          `container ${label} did not stop` +
          (timeout ? ` within ${timeout} s of SIGTERM` : '') +
          (killFailed ? ' and the kill failed' : sigkillIgnored ? ' and SIGKILL did not end it' : '') +
          (c ? `, yet docker ps still lists it${c.statusText ? ` (${c.statusText})` : ''}` : ' (docker ps was not there to check whether it is still listed)'),
        evidence: [...quote(stop.lines, 6), ...(c ? containerEvidence(c) : [])],
        fixes: [
          {
            title: 'Remove the half-dead container: `docker rm -f` works where stop, kill and exec fail',
            detail:
              'Its main process has already exited but dockerd/containerd lost track of it, so docker still lists it and ' +
              `every operation answers "container not found". ${plural(stop.lines.length, 'dockerd line')} ${stop.lines.length === 1 ? 'shows' : 'show'} it.`,
            commands: [`docker rm -f ${stop.containerId.slice(0, 12)}`],
          },
          {
            title: 'Upgrade Docker: later releases fixed several causes of stops that never complete',
          },
          {
            title: `Give slow-stopping apps more time instead of relying on the kill path${timeout ? ` (it had ${timeout} s)` : ''}`,
            commands: [`docker stop -t ${longerStopTimeout(timeout)} ${stop.containerId.slice(0, 12)}`],
          },
        ],
        seen: seenOf(facts.clock, stop.lines, 1),
        data: { container_id: c?.id ?? stop.containerId, container_name: c?.name?.replace(/^\//, '') ?? null, kill_failed: killFailed },
      });
    }
    return findings;
  },
};
