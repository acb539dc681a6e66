import { agoText, clip, type Evidence, type Finding, type Fix } from '../../../domain/index.js';
import { shellArg } from '../../../domain/shell.js';
import { seenOf } from '../../facts/clock.js';
import type { ContainerRecord, Facts } from '../../facts/index.js';
import { distinctEvidence, toEvidence } from '../../facts/index.js';
import type { ContainerHealth, HealthProbe } from '../../parsers/docker-inspect.js';
import { healthFromStatus } from '../../parsers/docker-ps.js';
import type { Rule } from '../rule.js';
import { baseName, containerEvidence, containerLabel } from './docker-context.js';
import { howItEnded } from './how-it-ended.js';
import { containerJvmProcess, runsJava } from './jvm.js';
import { schedulerOf, type Scheduler } from './scheduler.js';

/** Docker's HEALTHCHECK defaults (the Dockerfile reference): what applies where Config.Healthcheck leaves one at 0. */
const DEFAULT_INTERVAL_SECONDS = 30;
const DEFAULT_TIMEOUT_SECONDS = 30;

/**
 * Why the last check failed, read from what Docker kept of it: its exit code and its output.
 * timeout: Docker stopped it ("Health check exceeded timeout (30s)", exit -1); missing: the check's
 * own program is not in the image (exit 127, sh's "not found", runc's "executable file not found");
 * refused: nothing listens where it connects; http: the service answered with an HTTP error;
 * resolve: the name it connects to does not resolve; exec: the runtime could not start the check in
 * the container at all ("OCI runtime exec failed"); failed: anything else.
 */
export type HealthFailure =
  | { kind: 'timeout'; seconds?: string }
  | { kind: 'exec'; reason: string }
  | { kind: 'missing'; program?: string }
  | { kind: 'refused'; port?: string }
  | { kind: 'http'; status: string }
  | { kind: 'resolve'; name?: string }
  | { kind: 'failed'; exitCode?: number };

export function healthFailureOf(probe: HealthProbe, test: readonly string[] | undefined): HealthFailure {
  const out = probe.output;
  const timeout = /Health check exceeded timeout \(([^)]+)\)/.exec(out);
  if (timeout) return { kind: 'timeout', seconds: timeout[1] as string };
  const missing =
    /exec: "([^"]+)": executable file not found/.exec(out) ??
    /(?:^|\n|: )(?:line \d+: )?([\w.+-]+): (?:command )?not found/.exec(out) ??
    /can't execute '([^']+)': No such file/.exec(out);
  if (missing || probe.exitCode === 127) return { kind: 'missing', ...(missing?.[1] ? { program: missing[1] } : checkProgram(test)) };
  const exec = /OCI runtime exec failed: (?:exec failed: )?([^\n]*?)(?:: unknown)?$/m.exec(out);
  if (exec) return { kind: 'exec', reason: exec[1] as string };
  const http = /returned error: (\d{3})|(?:server returned|ERROR|HTTP request sent, awaiting response\.\.\.) ?(?:HTTP\/[\d.]+ )?(\d{3})\b|\bHTTP\/[\d.]+ ([45]\d\d)\b/.exec(out);
  if (http) return { kind: 'http', status: (http[1] ?? http[2] ?? http[3]) as string };
  if (/connection refused|ECONNREFUSED|Couldn't connect to server|can't connect to remote host/i.test(out)) {
    const port = /port (\d+)|:(\d+)\b/.exec(out) ?? /:(\d+)/.exec((test ?? []).join(' '));
    return { kind: 'refused', ...(port ? { port: (port[1] ?? port[2]) as string } : {}) };
  }
  const resolve = /Could not resolve host:? ?([\w.-]+)?|bad address '([^']+)'|getaddrinfo ENOTFOUND ([\w.-]+)|Name or service not known/i.exec(out);
  if (resolve) {
    const name = resolve[1] ?? resolve[2] ?? resolve[3];
    return { kind: 'resolve', ...(name ? { name } : {}) };
  }
  return { kind: 'failed', ...(probe.exitCode !== undefined ? { exitCode: probe.exitCode } : {}) };
}

/** The program a check runs: the first word of its line. */
function checkProgram(test: readonly string[] | undefined): { program?: string } {
  const first = checkLine(test)?.split(/\s+/)[0];
  return first ? { program: baseName(first) } : {};
}

/**
 * Seconds between two checks: Config.Healthcheck's interval (Docker's default where it is 0 and the
 * check is there), else what the log's own start times show (the median gap), else unknown.
 */
export function checkInterval(health: ContainerHealth): number | undefined {
  if (health.intervalSeconds) return health.intervalSeconds;
  if (health.test) return DEFAULT_INTERVAL_SECONDS;
  const starts = health.probes.map((p) => Date.parse(p.start ?? '')).filter((ms) => Number.isFinite(ms) && ms > 0);
  const gaps = starts.slice(1).map((ms, i) => (ms - (starts[i] as number)) / 1000).filter((g) => g > 0).sort((a, b) => a - b);
  return gaps.length > 0 ? Math.round(gaps[Math.floor(gaps.length / 2)] as number) : undefined;
}

/** The check as one line a person reads: CMD-SHELL's line, or CMD's words. */
export function checkLine(test: readonly string[] | undefined): string | undefined {
  const [form, ...rest] = test ?? [];
  if (form !== 'CMD' && form !== 'CMD-SHELL') return undefined;
  const line = rest.join(' ').trim();
  return line === '' ? undefined : line;
}

/** The first line that says something: what a title or a sentence quotes of a check's output. */
function firstWords(output: string): string {
  return clip(output.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '', 160);
}

function failureWords(f: HealthFailure): string {
  switch (f.kind) {
    case 'timeout':
      return `it timed out${f.seconds ? ` after ${f.seconds}` : ''}`;
    case 'exec':
      return 'the runtime could not run it';
    case 'missing':
      return f.program ? `${f.program} is not in the image` : 'its command is not in the image';
    case 'refused':
      return `connection refused${f.port ? ` on port ${f.port}` : ''}`;
    case 'http':
      return `HTTP ${f.status}`;
    case 'resolve':
      return f.name ? `${f.name} does not resolve` : 'a name does not resolve';
    case 'failed':
      return f.exitCode !== undefined ? `exit ${f.exitCode}` : 'it failed';
  }
}

function isUnhealthy(c: ContainerRecord): boolean {
  return (c.health?.status ?? healthFromStatus(c.statusText)) === 'unhealthy';
}

/** Running: an exited container's last health is history, and CONTAINER_EXITED says why it ended. */
function isRunning(c: ContainerRecord): boolean {
  return c.status === 'running' || (c.status === undefined && c.running === true);
}

/** What to do for the cause the output shows. */
function causeFixes(c: ContainerRecord, failure: HealthFailure, health: ContainerHealth | undefined, facts: Facts): Fix[] {
  const short = c.id.slice(0, 12);
  const check = checkLine(health?.test);
  const runByHand: Fix = {
    title: 'Run the check by hand inside the container and read what it says',
    commands: [check ? `docker exec ${short} sh -c ${shellArg(check)}; echo "exit $?"` : `docker inspect -f '{{json .State.Health}}' ${short}`],
  };
  switch (failure.kind) {
    case 'missing':
      return [
        {
          title: `The check can never pass: ${failure.program ?? 'the program it runs'} is not in the image`,
          detail: `It fails whatever the service does, and restarting the container will not help. Run the check with a program the image has (BusyBox and Alpine images have wget: wget -q --spider URL), install ${failure.program ?? 'it'} in the image, or drop the check. The service itself may well be fine: try it from outside.`,
          commands: [`docker exec ${short} sh -c 'command -v curl wget nc'`],
        },
      ];
    case 'exec':
      return [
        {
          title: 'The check never ran: the runtime could not start it in the container',
          detail: /has stopped|not running/.test(failure.reason)
            ? "The container's process has ended while Docker still lists it as running: dockerd and containerd disagree. A restart makes them agree again; dockerd's log around the first failure says how it came apart."
            : `The runtime refused to exec the check (${failure.reason}). The service may be fine; the container's runtime state is not.`,
          commands: [`docker top ${short}`, `journalctl -u docker -u containerd --since -2h --no-pager | grep ${short}`],
        },
      ];
    case 'timeout': {
      const jvm = runsJava(c) || containerJvmProcess(c, facts) !== undefined;
      const seconds = failure.seconds ?? `${health?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS} s`;
      return [
        {
          title: 'The service did not answer its check in time: it is hung, overloaded or waiting on something',
          detail: `Docker stopped the check after ${seconds}. Look at what it waits on before restarting it, since a restart loses that state.${jvm ? ' It runs a JVM: a thread dump shows what its threads are blocked on (a deadlock, a pool exhausted, a GC that never ends).' : ''} If the check itself is slow, not the service, give it more time (--health-timeout, HEALTHCHECK --timeout).`,
          commands: [
            `docker top ${short}`,
            `docker stats --no-stream ${short}`,
            ...(jvm ? [`docker exec ${short} sh -c 'jcmd 1 Thread.print || kill -QUIT 1'`] : []),
            `docker logs --tail 100 ${short}`,
          ],
        },
        runByHand,
      ];
    }
    case 'refused':
      return [
        {
          title: `Nothing listens where the check connects${failure.port ? ` (port ${failure.port})` : ''}: the service is down inside the container, or listens elsewhere`,
          detail: 'The container still runs, but the server in it does not accept connections: it crashed in a child process, is still starting, or listens on another port or only on another address. Its log says which.',
          commands: [`docker logs --tail 100 ${short}`, `docker top ${short}`],
        },
        runByHand,
      ];
    case 'http':
      return [
        {
          title: `The service answers its check with HTTP ${failure.status}: it is up but says it is not well`,
          detail: /^5/.test(failure.status)
            ? 'A 5xx from a health endpoint usually names a dependency it cannot reach (a database, a cache, a disk): its log says which.'
            : 'A 4xx means the check asks for something the service refuses (a path that moved, a login it needs): check the URL the check uses.',
          commands: [`docker logs --tail 100 ${short}`],
        },
        runByHand,
      ];
    case 'resolve':
      return [
        {
          title: `The check's host name ${failure.name ? `${failure.name} ` : ''}does not resolve inside the container`,
          detail: 'A check should ask the service on localhost; a name that only resolves on a network the container left (or a DNS server it cannot reach) fails every time.',
          commands: [`docker exec ${short} cat /etc/resolv.conf`],
        },
        runByHand,
      ];
    case 'failed':
      return [runByHand];
  }
}

/**
 * Who acts on unhealthy: only a Swarm service replaces an unhealthy task. Docker itself, Compose,
 * Marathon, Nomad and the kubelet (which use checks of their own) leave the container running.
 */
function whoActsFix(c: ContainerRecord, failure: HealthFailure, scheduler: Scheduler | undefined): Fix | undefined {
  const short = c.id.slice(0, 12);
  if (scheduler?.kind === 'swarm') {
    return {
      title: `Swarm replaces unhealthy tasks of service ${scheduler.service} by itself: read why its tasks fail`,
      commands: [`docker service ps --no-trunc ${shellArg(scheduler.service)}`],
    };
  }
  if (failure.kind === 'missing') return undefined;
  return {
    title: 'Docker does not restart an unhealthy container by itself: restart it once you know why it failed',
    detail: `Only a Swarm service acts on its health; here it keeps running, marked unhealthy, while whatever depends on it fails.${scheduler?.kind === 'compose' ? ` Compose service ${scheduler.service} does not restart it either.` : ''}`,
    commands: [`docker restart ${short}`],
  };
}

/** The check's lines that prove the title: its status and streak, the last output, and the check itself. */
function healthEvidence(c: ContainerRecord, health: ContainerHealth, last: HealthProbe | undefined): Evidence[] {
  const lines = [health.statusLine, health.streakLine, last?.line, health.testLine].filter((l) => l !== undefined);
  return [...containerEvidence(c, 'Name'), ...lines.map(toEvidence)];
}

/**
 * CONTAINER_UNHEALTHY: a running container its own HEALTHCHECK calls unhealthy, with how long the
 * check has failed, why the last run failed in its own output, and what to do for that cause.
 */
export const containerUnhealthyRule: Rule = {
  codes: ['CONTAINER_UNHEALTHY'],
  run(facts) {
    const findings: Finding[] = [];
    for (const c of facts.docker.containers) {
      if (!isUnhealthy(c) || !isRunning(c)) continue;
      const health = c.health;
      const failed = (health?.probes ?? []).filter((p) => p.exitCode !== 0);
      const last = failed.at(-1);
      const failure: HealthFailure = last ? healthFailureOf(last, health?.test) : { kind: 'failed' };
      const streak = health?.failingStreak;
      const interval = health ? checkInterval(health) : undefined;
      const [first, ...rest] = causeFixes(c, failure, health, facts);
      const said = last ? firstWords(last.output) : '';
      // where its log tail was read: its own last words, and a JVM's OutOfMemoryError or node's heap
      // exhaustion that left it running but unable to answer
      const ended = howItEnded(facts, c);
      // how long, from the streak and the check's interval: said only from a minute on
      const failingFor = streak && interval && streak * interval >= 60 ? `, for about ${agoText(streak * interval)}` : '';
      const scheduler = schedulerOf(c);
      const who = whoActsFix(c, failure, scheduler);
      findings.push({
        code: 'CONTAINER_UNHEALTHY',
        severity: 'warning',
        subject: c.id,
        title: `Container ${containerLabel(c.id, c, 'parenthesised')} is unhealthy${streak ? `: its health check failed ${streak} times in a row${failingFor}` : ''}${last ? ` (${failureWords(failure)})` : c.statusText ? ` (${c.statusText})` : ''}`,
        evidence: distinctEvidence([...(health ? healthEvidence(c, health, last) : containerEvidence(c)), ...ended.evidence]),
        fixes: [
          ...ended.fixes,
          ...(first ? [{ ...first, detail: [said ? `The last check said: "${said}".` : '', ended.lastWords ?? '', first.detail ?? ''].filter((t) => t !== '').join(' ') }] : []),
          ...rest,
          ...(who ? [who] : []),
        ],
        // a check that can never pass is not fixed by a restart, and Swarm replaces its own tasks
        ...(failure.kind === 'missing' || scheduler?.kind === 'swarm' ? { will_not_help: ['docker restart'] } : {}),
        seen: seenOf(
          facts.clock,
          failed.map((p) => p.end ?? p.start ?? ''),
          streak ?? failed.length,
        ),
        data: {
          container_id: c.id,
          container_name: c.name ?? null,
          health_failure: failure.kind,
          ...(streak !== undefined ? { failing_streak: streak } : {}),
          ...(last?.exitCode !== undefined ? { last_exit_code: last.exitCode } : {}),
          ...(health?.test ? { check: checkLine(health.test) ?? null } : {}),
          // what its log says it ran out of: a full filesystem or pool is then why it fails its check
          ...ended.data,
        },
      });
    }
    return findings;
  },
};
