import { plural, type Evidence, type Finding, type Fix } from '../../../domain/index.js';
import { shellArg } from '../../../domain/shell.js';
import { seenOf } from '../../facts/clock.js';
import type { ContainerRecord, Facts, PidsLimitEvent, ProcessInfo } from '../../facts/index.js';
import { toEvidence } from '../../facts/index.js';
import { processLevelsBelow } from '../../facts/system.js';
import { containerEvidence, containerLabel } from '../docker/docker-context.js';
import { runsJava } from '../docker/jvm.js';
import { schedulerOf } from '../docker/scheduler.js';
import type { Rule } from '../rule.js';
import { findContainer, quote } from './support.js';

/** Docker's own units: their limit is the daemon's, and every container start needs them to fork. */
const DOCKER_UNIT = /^\/system\.slice\/(docker|containerd)\.service$/;
/** A systemd unit inside a container's cgroup (a container that runs systemd): `.../docker-ID.scope/system.slice/app.service`. */
const UNIT_INSIDE = /[0-9a-f]{64}(?:\.scope)?\/(?:.*\/)?([\w@.-]+\.service)$/;
/** A path the fixes may name in a command: what cgroupfs and systemd paths hold, nothing a shell reads. */
const PLAIN_CGROUP = /^\/[\w@.:/-]*$/;
/** Below this many, defunct processes are noise; from it on they are what fills the limit. */
const ZOMBIES_THAT_MATTER = 5;
/** How deep the processes below a container's main one are counted (a shell, a supervisor, their children). */
const TREE_DEPTH = 8;

/** Every process at or below a container's main one, as ps lists them. */
function processesOf(c: ContainerRecord | undefined, facts: Facts): ProcessInfo[] {
  return c?.pid ? processLevelsBelow(facts.system, c.pid, TREE_DEPTH).flat() : [];
}

/** How to read the cgroup's count and limit, on cgroup v1 (the pids hierarchy) or v2 (the unified one). */
function readLimitFix(event: PidsLimitEvent): Fix | undefined {
  if (!PLAIN_CGROUP.test(event.cgroup)) return undefined;
  const v1 = `/sys/fs/cgroup/pids${event.cgroup}`;
  const v2 = `/sys/fs/cgroup${event.cgroup}`;
  return {
    title: 'Read how many tasks the cgroup holds against its limit, and how often it was refused',
    detail: 'pids.current counts threads as well as processes; pids.events counts the forks refused (max). The limit that was hit may be a parent cgroup\'s: read the same files one level up.',
    commands: [`cd ${shellArg(v1)} 2>/dev/null || cd ${shellArg(v2)}; grep -H . pids.current pids.max pids.events`],
  };
}

function containerFixes(c: ContainerRecord | undefined, id: string, event: PidsLimitEvent, zombies: readonly ProcessInfo[], unit: string | undefined): Fix[] {
  const short = id.slice(0, 12);
  const fixes: Fix[] = [];
  if (zombies.length >= ZOMBIES_THAT_MATTER) {
    fixes.push({
      title: `${plural(zombies.length, 'defunct process', 'defunct processes')} in it: its PID 1 does not reap the children that end, and each still takes a pid`,
      detail: 'A program run as PID 1 that is not an init (a shell script, a JVM, node) leaves its ended children as zombies. Run it under an init that reaps them: docker run --init, or init: true in Compose; the image may also ship tini or dumb-init.',
      commands: [`docker top ${short} -o pid,ppid,stat,args`],
    });
  }
  const java = c !== undefined && runsJava(c);
  const scheduler = c ? schedulerOf(c) : undefined;
  if (unit) {
    fixes.push({
      title: `The container runs systemd, whose unit ${unit} has a task limit of its own: lift it inside the container`,
      detail: "The container's systemd gives its units its DefaultTasksMax (in the container's /etc/systemd/system.conf). set-property applies at once; put TasksMax=infinity in the unit's drop-in in the image to keep it.",
      commands: [`docker exec ${short} systemctl show -p TasksMax ${shellArg(unit)}`, `docker exec ${short} systemctl set-property ${shellArg(unit)} TasksMax=infinity`],
    });
  } else if (scheduler?.kind === 'kubernetes' || /\/kubepods/.test(event.cgroup)) {
    fixes.push({
      title: "The pod's pids limit is the kubelet's podPidsLimit (--pod-max-pids): raise it there, or find what makes so many",
      detail: 'The kubelet limits every pod alike; a pod that needs more tasks than the rest is better fixed where it makes them.',
      ...(scheduler?.kind === 'kubernetes' ? { commands: [`kubectl -n ${shellArg(scheduler.namespace)} describe pod ${shellArg(scheduler.pod)}`] } : {}),
    });
  } else if (c?.pidsLimit !== undefined) {
    fixes.push({
      title: `Its --pids-limit is ${c.pidsLimit}: find what takes so many tasks, or raise it`,
      detail: `Threads count as well as processes${java ? ': a JVM counts every thread it starts (its pools, GC and compiler threads), and at the limit it fails with "unable to create native thread"' : ''}. docker update changes the limit of the running container (Docker 19.03+); set it where the container is created too, or the next one gets the old one.`,
      commands: [`docker update --pids-limit ${c.pidsLimit * 2} ${short}`],
    });
  } else if (/docker-[0-9a-f]{64}\.scope/.test(event.cgroup)) {
    fixes.push({
      title: "No --pids-limit is set on it: the limit is systemd's TasksMax for the container's scope (DefaultTasksMax)",
      detail: "With the systemd cgroup driver, each container is a scope, and systemd gives scopes its DefaultTasksMax (512 on systemd 228 to 230, a share of kernel.pid_max later). Lift it for this container now, and for all of them in /etc/systemd/system.conf (DefaultTasksMax=infinity, then systemctl daemon-reexec), or set a --pids-limit of your own on each container.",
      commands: [`systemctl show -p TasksMax docker-${id}.scope`, `systemctl set-property --runtime docker-${id}.scope TasksMax=infinity`],
    });
  } else if (c === undefined) {
    // not in docker inspect (gone, or not read): where its limit came from is not known here
    fixes.push({
      title: "Its limit was its own --pids-limit, the daemon's default-pids-limit or a parent cgroup's: find which, where it is defined",
      detail: `docker inspect -f '{{.HostConfig.PidsLimit}}' of the container (or of the one that replaced it) gives its own; a limit of none there means the daemon's default (daemon.json) or a cgroup above it. Threads count as well as processes.`,
    });
  } else {
    fixes.push({
      title: 'No --pids-limit is set on it: the limit is the daemon\'s default-pids-limit or a parent cgroup\'s',
      detail: 'dockerd gives containers without a limit of their own its default-pids-limit (daemon.json); otherwise a cgroup above the container\'s holds the limit.',
    });
  }
  const read = readLimitFix(event);
  return read ? [...fixes, read] : fixes;
}

function dockerUnitFixes(unit: string): Fix[] {
  return [
    {
      title: `Lift systemd's task limit of ${unit}: every container's processes count against it`,
      detail: `Docker's own unit file sets TasksMax=infinity; older packages and systemd 228 to 230 (DefaultTasksMax=512) left ${unit} with a few hundred tasks, which a busy host passes. set-property applies at once and persists in a drop-in.`,
      commands: [`systemctl show -p TasksMax ${unit}`, `systemctl set-property ${unit} TasksMax=infinity`],
    },
  ];
}

/**
 * PIDS_LIMIT_REACHED: the kernel refused a fork or a new thread to a cgroup at its pids limit. One
 * finding per cgroup: a container (with its --pids-limit, or the systemd scope or kubelet limit it
 * is under, and the defunct processes that fill it), Docker's own unit (TasksMax), or another unit.
 */
export const pidsLimitRule: Rule = {
  codes: ['PIDS_LIMIT_REACHED'],
  run(facts) {
    const findings: Finding[] = [];
    for (const event of facts.kernel.pidsLimits) {
      const seen = seenOf(facts.clock, event.lines, event.occurrences);
      const times = event.occurrences > 1 ? ` (${plural(event.occurrences, 'time')}: the cgroup was made again)` : '';
      const dockerUnit = DOCKER_UNIT.exec(event.cgroup);
      if (dockerUnit) {
        const unit = `${dockerUnit[1] as string}.service`;
        findings.push({
          code: 'PIDS_LIMIT_REACHED',
          severity: 'critical',
          subject: event.cgroup,
          title: `${unit} hit its pids limit: the kernel refused ${dockerUnit[1] === 'docker' ? 'dockerd' : 'containerd'} a new process or thread${times}`,
          evidence: quote(event.lines, 3),
          fixes: dockerUnitFixes(unit),
          seen,
          data: { cgroup: event.cgroup, unit, occurrences: event.occurrences },
        });
        continue;
      }
      if (event.containerId) {
        const c = findContainer(facts.docker.containers, event.containerId);
        const zombies = processesOf(c, facts).filter((p) => p.state.startsWith('Z'));
        const unit = UNIT_INSIDE.exec(event.cgroup)?.[1];
        const label = containerLabel(event.containerId, c, 'parenthesised');
        const limit = c?.pidsLimit !== undefined ? ` of ${c.pidsLimit}` : '';
        const evidence: Evidence[] = [...quote(event.lines, 3), ...(c ? containerEvidence(c, 'PidsLimit') : []), ...zombies.slice(0, 3).map((z) => toEvidence(z.line))];
        findings.push({
          code: 'PIDS_LIMIT_REACHED',
          severity: 'warning',
          subject: event.containerId,
          title: `${unit ? `${unit} in container ${label}` : `Container ${label}`} hit its pids limit${limit}: the kernel refused it a new process or thread${times}`,
          evidence,
          fixes: containerFixes(c, event.containerId, event, zombies, unit),
          seen,
          data: {
            container_id: event.containerId,
            container_name: c?.name ?? null,
            cgroup: event.cgroup,
            occurrences: event.occurrences,
            ...(c?.pidsLimit !== undefined ? { pids_limit: c.pidsLimit } : {}),
            ...(zombies.length > 0 ? { defunct: zombies.length } : {}),
          },
        });
        continue;
      }
      const read = readLimitFix(event);
      findings.push({
        code: 'PIDS_LIMIT_REACHED',
        severity: 'warning',
        subject: event.cgroup,
        title: `cgroup ${event.cgroup} hit its pids limit: the kernel refused it a new process or thread${times}`,
        evidence: quote(event.lines, 3),
        fixes: read ? [read] : [],
        seen,
        data: { cgroup: event.cgroup, occurrences: event.occurrences },
      });
    }
    return findings;
  },
};
