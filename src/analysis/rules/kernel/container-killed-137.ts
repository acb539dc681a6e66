import { escapeRegExp, type Finding } from '../../../domain/index.js';
import { seenOf } from '../../facts/clock.js';
import type { Rule } from '../rule.js';
import { containerEvidence, containerLabel, lastWordsOf } from '../docker/docker-context.js';
import { endedWhen, exitCodeOf } from '../docker/how-it-ended.js';
import { findContainer, longerStopTimeout, stopGraceSeconds } from './support.js';

/** CONTAINER_KILLED_137: a container exited 137 (SIGKILL) with no OOM evidence for it: killed from outside. */
export const containerKilled137Rule: Rule = {
  codes: ['CONTAINER_KILLED_137'],
  run(facts) {
    const oomIds = facts.kernel.oomKills.filter((k) => k.kind === 'memcg' && k.containerId).map((k) => k.containerId as string);
    const findings: Finding[] = [];
    for (const c of facts.docker.containers) {
      if (exitCodeOf(c) !== 137 || c.oomKilled === true) continue;
      if (oomIds.some((id) => findContainer([c], id))) continue;
      const globalKills = facts.kernel.oomKills.filter((k) => k.kind === 'global');
      // A global OOM kill in this container's cgroup, or of the very program it runs, explains the 137 too (its pid is gone once it exited).
      if (globalKills.some((k) => k.containerId && findContainer([c], k.containerId))) continue;
      if (globalKills.some((k) => k.process && c.command && new RegExp(`(?:^|[\\s/"])${escapeRegExp(k.process)}(?:[\\s"]|$)`).test(c.command))) continue;
      const globalOom = globalKills.length > 0;
      const stop = facts.dockerd.stopFailures.find((s) => findContainer([c], s.containerId));
      const grace = stop ? stopGraceSeconds(stop.lines) : undefined;
      // what it printed last before the kill, where its log tail was read (a shutdown it did not finish, a hang)
      const said = lastWordsOf(facts, c.id);
      const ended = endedWhen(c);
      findings.push({
        code: 'CONTAINER_KILLED_137',
        severity: 'warning',
        subject: c.id,
        title: `container ${containerLabel(c.id, c)} exited with 137 (SIGKILL) and no memory-cgroup OOM kill for it` + (ended.at ? ` at ${ended.at}` : ''),
        evidence: [
          ...(c.line ? containerEvidence(c, 'ExitCode', 'OOMKilled', 'FinishedAt') : [{ spec: 'docker_inspect' as const, text: `"ExitCode": 137, "OOMKilled": false (container ${containerLabel(c.id, c)})` }]),
          ...(stop?.lines[0] ? [{ spec: stop.lines[0].spec, text: stop.lines[0].text, line: stop.lines[0].line }] : []),
          ...said.evidence,
        ],
        fixes: [
          {
            title: 'Find who sent SIGKILL: `docker stop`/`docker kill` after the stop timeout, the scheduler (Marathon/Mesos health checks, deploys), or a person',
            detail:
              (stop ? 'dockerd logged that the container failed to exit after SIGTERM, so it was killed: give the app time to shut down or handle SIGTERM. ' : '') +
              (said.sentence ? `${said.sentence} ` : '') +
              (globalOom ? 'The kernel also ran out of memory host-wide: check the global OOM kill report. ' : '') +
              'Mesos shows this as "Container exited with status 137".',
            commands: [`docker inspect --format '{{.State.FinishedAt}} {{.State.ExitCode}} {{.State.OOMKilled}}' ${c.id.slice(0, 12)}`, `journalctl -u docker | grep ${c.id.slice(0, 12)}`],
          },
          {
            title: `If the app needs longer to stop${grace ? ` than the ${grace} s it had` : ''}, raise the stop timeout instead of letting it be killed`,
            detail: 'docker stop -t applies to one stop; --stop-timeout (docker run, Compose stop_grace_period) to every stop of a container created with it.',
            commands: [`docker stop -t ${longerStopTimeout(grace)} ${c.id.slice(0, 12)}`, `docker run --stop-timeout ${longerStopTimeout(grace)} ...`],
          },
        ],
        seen: seenOf(facts.clock, ended.at ? [ended.at] : [], 1),
        data: { container_id: c.id, container_name: c.name?.replace(/^\//, '') ?? null, exit_code: 137, ...ended.data },
      });
    }
    return findings;
  },
};
