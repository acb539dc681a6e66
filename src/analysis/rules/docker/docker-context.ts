import { clip, type Evidence, type Finding } from '../../../domain/index.js';
import type { ContainerRecord, Facts, LogLine } from '../../facts/index.js';
import { logTailOf, type ContainerLogTail } from '../../facts/docker.js';
import type { DataRootSource } from '../../parsers/docker-log-sizes.js';
import { distinctEvidence, toEvidence, type ProcessInfo } from '../../facts/index.js';
import { processLevelsBelow } from '../../facts/system.js';

/** Where Docker keeps its data when nothing says otherwise. */
export const DEFAULT_DOCKER_ROOT = '/var/lib/docker';

/** docker info's line for a key ("Data Space Used"), as evidence. */
export function infoEvidence(facts: Facts, ...keys: string[]): Evidence[] {
  const lines = facts.docker.info?.lines;
  return keys.flatMap((key) => {
    const line = lines?.get(key);
    return line ? [toEvidence(line)] : [];
  });
}

export function evidenceOf(...lines: (LogLine | undefined)[]): Evidence[] {
  return lines.filter((l): l is LogLine => l !== undefined).map(toEvidence);
}

export interface DockerRoot {
  path: string;
  /** Where it was learned: the daemon (docker info), daemon.json, dockerd's command line, or nowhere. */
  from: DataRootSource;
  /** The line that says so, when one does. */
  line?: LogLine;
}

/**
 * Docker's data root: docker info's `Docker Root Dir`, then what the docker_log_sizes step found on
 * the host (daemon.json or dockerd's command line when the daemon did not answer), then the
 * `--data-root`/`--graph` of dockerd in ps (bundles without that step's header), then the default.
 */
export function dockerRootOf(facts: Facts): DockerRoot {
  const { info, dataRoot, daemon } = facts.docker;
  if (info?.dockerRootDir) return { path: info.dockerRootDir, from: 'docker-info', ...lineOpt(info.lines.get('Docker Root Dir')) };
  if (dataRoot && dataRoot.source !== 'default') return { path: dataRoot.path, from: dataRoot.source, line: dataRoot.line };
  if (daemon.command?.dataRoot) return { path: daemon.command.dataRoot, from: 'dockerd-cmdline', line: daemon.command.line };
  if (dataRoot) return { path: dataRoot.path, from: 'default', line: dataRoot.line };
  return { path: DEFAULT_DOCKER_ROOT, from: 'default' };
}

/** The storage driver and the line that names it: docker info, dockerd's log, then its command line. */
export function storageDriverOf(facts: Facts): { driver: string; line?: LogLine } | undefined {
  const { info, daemon } = facts.docker;
  if (info?.storageDriver) return { driver: info.storageDriver, ...lineOpt(info.lines.get('Storage Driver')) };
  if (daemon.storageDriver) return { driver: daemon.storageDriver, ...lineOpt(daemon.storageDriverLine) };
  if (daemon.command?.storageDriver) return { driver: daemon.command.storageDriver, line: daemon.command.line };
  return undefined;
}

/** The server's version and where it was read: docker version, docker info, then dockerd's start line. */
export function dockerVersionOf(facts: Facts): { version: string; line?: LogLine } | undefined {
  const { version, info, daemon } = facts.docker;
  if (version?.server) return { version: version.server, ...lineOpt(version.line) };
  if (info?.serverVersion) return { version: info.serverVersion, ...lineOpt(info.lines.get('Server Version')) };
  if (daemon.version) return { version: daemon.version, ...lineOpt(daemon.versionLine) };
  return undefined;
}

function lineOpt(line: LogLine | undefined): { line?: LogLine } {
  return line ? { line } : {};
}

/**
 * How a title names a container: "app-15 7ee2ab85e511" where the kernel's wording is followed ("in
 * container NAME ID"), "app-15 (7ee2ab85e511)" in Docker's, or the short id alone when the name is
 * unknown. `id` is the id as logged (12 or 64 hex), `container` the record it was matched to.
 */
export function containerLabel(id: string, container?: Pick<ContainerRecord, 'name'>, style: 'plain' | 'parenthesised' = 'plain'): string {
  const name = container?.name?.replace(/^\//, '');
  const short = id.slice(0, 12);
  if (!name) return short;
  return style === 'parenthesised' ? `${name} (${short})` : `${name} ${short}`;
}

/** A variable of the container's environment (inspect's Config.Env), without its name. */
export function envValue(c: Pick<ContainerRecord, 'env'>, name: string): string | undefined {
  const entry = c.env?.find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

/** The container gives the variable a value (an empty `NAME=` holds nothing to keep). */
export function envHolds(c: Pick<ContainerRecord, 'env'> | undefined, name: string): boolean {
  return c !== undefined && (envValue(c, name) ?? '') !== '';
}

/**
 * A variable a fix sets on the container (a Fix's container_env): added to what the container holds
 * in it, when it sets one already (its value is never repeated: it may carry an agent or a secret).
 */
export function envSetting(name: string, value: string, alreadySet: boolean): string {
  return `${name}=${alreadySet ? '<what it holds now> ' : ''}${value}`;
}

/** The programs a container's entrypoint and command name, without their directories: "java", "catalina.sh", "node". */
export function commandPrograms(c: Pick<ContainerRecord, 'entrypoint' | 'command'>): string[] {
  return `${c.entrypoint ?? ''} ${c.command ?? ''}`.split(/[\s;&|'"]+/).map(baseName);
}

/** The last part of a path: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" is "java". */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The tag of an image reference: "8u181-jre" of "openjdk:8u181-jre", "" when it has none. A colon
 * followed by a slash is a registry's port ("registry.local:5000/app"), not a tag; a digest
 * ("@sha256:...") is not a tag either.
 */
export function imageTag(image: string): string {
  const name = image.split('@', 1)[0] ?? '';
  const colon = name.lastIndexOf(':');
  return colon === -1 || name.includes('/', colon) ? '' : name.slice(colon + 1);
}

/** The lines that prove what a rule says about a container: the given inspect keys, else its first line. */
export function containerEvidence(c: ContainerRecord, ...keys: (keyof NonNullable<ContainerRecord['lines']>)[]): Evidence[] {
  const picked = keys.map((k) => c.lines?.[k]).filter((l): l is LogLine => l !== undefined);
  // Its id and name (which titles name), the keys asked for, and its docker ps row (the status titles quote).
  const lines = picked.length > 0 ? [c.line, c.lines?.Name, ...picked, c.psLine] : [c.line, c.lines?.Name, c.psLine];
  return distinctEvidence(lines.filter((l): l is LogLine => l !== undefined).map(toEvidence));
}

/**
 * Whether docker commands in a fix can work now: the client reached the daemon and it answered.
 * When it is down or hangs, a fix says what to do without it first.
 */
export function daemonAnswers(facts: Facts): boolean {
  return facts.docker.daemonUnreachable.length === 0 && !(['docker_info', 'docker_ps'] as const).some((spec) => facts.steps[spec]?.timed_out === true);
}

/** Docker's own cleanup: what frees space through the daemon (command prefixes, also what will_not_help matches). */
const DOCKER_CLEANUP = ['docker system prune', 'docker image prune', 'docker container prune', 'docker rmi ', 'docker rm '];
const isDockerCleanup = (command: string): boolean => DOCKER_CLEANUP.some((prefix) => command.startsWith(prefix));
const isDockerCommand = (command: string): boolean => command.startsWith('docker ');

/**
 * A finding as it can be acted on now, while the daemon does not answer: its cleanup (prune, rm,
 * rmi) cannot work, so it leaves the fixes and a fix that had it says to free room without it
 * first; other docker commands stay (they are what to run once it answers) with that said; and
 * `will_not_help` keeps remediations that run them from being offered. Applied to every finding
 * but the daemon's own (analyze), so that no fix hangs a reader's terminal unannounced.
 */
export function whileDaemonAnswers(finding: Finding, facts: Facts): Finding {
  if (daemonAnswers(facts)) return finding;
  if (!finding.fixes.some((f) => f.commands?.some(isDockerCommand))) return finding;
  return {
    ...finding,
    fixes: finding.fixes.map((f) => {
      if (!f.commands?.some(isDockerCommand)) return f;
      const { commands, ...rest } = f;
      const left = (commands ?? []).filter((c) => !isDockerCleanup(c));
      const note =
        left.length < (commands ?? []).length
          ? "Docker's own cleanup needs the daemon, which does not answer now: free room without it first, get Docker running, then clean up with docker."
          : 'The docker commands here need the daemon, which does not answer now: they work once it answers again.';
      return { ...rest, detail: `${f.detail ? `${f.detail} ` : ''}${note}`, ...(left.length ? { commands: left } : {}) };
    }),
    will_not_help: [...(finding.will_not_help ?? []), ...DOCKER_CLEANUP],
  };
}

/** systemd's restart of Docker: the text fix commands carry, and what `will_not_help` matches in them. */
export const RESTART_DOCKER = 'systemctl restart docker';

/**
 * How to drive the docker service on this host: systemctl and the unit's journal, or, where the
 * bundle shows no systemd (RHEL/CentOS 6, upstart), `service` and the log files those init
 * scripts write. systemd when unknown: what nearly every host runs today.
 */
export function dockerService(facts: Facts): { status: string; start: string; stop: string; restart: string; log: string; note: string; resetFailed?: string } {
  if (facts.system.serviceManager?.kind === 'service') {
    return {
      status: 'service docker status',
      start: 'service docker start',
      stop: 'service docker stop',
      restart: 'service docker restart',
      log: 'tail -n 100 /var/log/docker 2>/dev/null || tail -n 100 /var/log/upstart/docker.log',
      note: ` This host has no systemd (${facts.system.serviceManager.because}): its init script logs to /var/log/docker (upstart: /var/log/upstart/docker.log).`,
    };
  }
  return {
    status: 'systemctl status docker',
    start: 'systemctl start docker',
    stop: 'systemctl stop docker',
    restart: RESTART_DOCKER,
    log: 'journalctl -u docker --no-pager -n 100',
    note: '',
    // after its start limit, systemd refuses to start the unit until told to forget the failures
    resetFailed: 'systemctl reset-failed docker',
  };
}

/**
 * Lines of a stack trace or a crash banner, not words: Java's and node's "at f (file:1:2)" and "... 5
 * more", node's native frames (" 7: 0x10ea385 v8::internal::..." or " 1: node::Abort() [node]"), V8's
 * banners ("<--- JS stacktrace --->", "----- Native stack trace -----"), Python's "File ..., line N";
 * and a Go panic's goroutine listing: "goroutine 1 [running]:", its calls with their hex arguments
 * ("main.(*Cli).Run(0xc420078080, 0x164c7e0)"), their "\t/src/main.go:12 +0x1d" and "created by ...".
 */
const STACK_FRAME =
  /^\s*(?:at\s+\S|\.\.\. \d+ (?:more|common frames omitted)$|\d+: (?:0x[0-9a-f]+\b|node::|v8::|uv_)|<--- .* --->$|-----.*-----$|File ".*", line \d+|goroutine \d+ \[[^\]]*\]:$|\/\S+\.(?:go|s):\d+(?: \+0x[0-9a-f]+)?$|created by \S+)|^[\w./-]*?(?:\(\*?\w+\)\.)?[\w·$.]+\((?:(?:0x[0-9a-f]+|\?|\.\.\.|\{[0-9a-fx, ?.]*\})(?:, )?)*\)$/;

/**
 * A line that reports a failure, in the words programs use for one: an error or fatal level, a
 * panic, an exception, something that failed, could not, or was refused, denied, not found or
 * does not exist.
 */
const FAILURE_WORDS = /\b(?:error|fatal|panic|exception|failed|failure|cannot|can't|could not|unable to|denied|refused|not found|no such|does not exist|doesn't exist)\b/i;

/**
 * What a container printed last, where its log tail was read (the container playbook's container,
 * docker-host's restarting and lately failed ones): its last three lines that are words rather
 * than stack frames, and, where those end in a hint or a link, the last line that reports a
 * failure above them, as evidence; the sentence a fix leads with quotes both, with Docker's times
 * (`spoken`: the lines it quotes).
 */
export function lastWordsOf(facts: Facts, id: string): { evidence: Evidence[]; sentence?: string; spoken: readonly ContainerLogTail['lines'][number][] } {
  const printed = (logTailOf(facts.docker, id) ?? []).filter((l) => l.text.trim() !== '');
  // a crash ends in its stack: the words are above it (a Java "Caused by:", node's FATAL ERROR)
  const words = printed.filter((l) => !STACK_FRAME.test(l.text));
  const said = (words.length > 0 ? words : printed).slice(-3);
  const last = said.at(-1);
  if (!last) return { evidence: [], spoken: [] };
  // an error then its explanation ("You must specify ...", a URL): the error is why it stopped
  const failure = [...words].reverse().find((l) => FAILURE_WORDS.test(l.text));
  const quote = (l: (typeof printed)[number], what: string): string => `${what}${l.time ? ` (${l.time})` : ''}: "${clip(l.text.trim(), 200)}".`;
  const earlier = failure && failure !== last ? failure : undefined;
  return {
    evidence: [...(earlier && !said.includes(earlier) ? [earlier] : []), ...said].map((l) => toEvidence(l.line)),
    sentence: earlier ? `${quote(earlier, 'Its last error line')} ${quote(last, 'Its last line')}` : quote(last, 'Its last line'),
    spoken: earlier ? [earlier, last] : [last],
  };
}

/** The program a command line runs: its first word, as ps and inspect's Path + Args print it. */
export function programOf(command: string): string {
  return command.trim().split(/\s+/, 1)[0] ?? '';
}

/** How far below a container's main process its runtime is looked for: an init, then a script or two. */
const PROCESS_SEARCH_DEPTH = 3;

/**
 * The process of a running container whose command line `matches`, as ps lists it: its main process
 * (inspect's State.Pid) when that matches; else, where ps gives parents, the one nearest below it:
 * an init (tini, docker run --init) or a script that does not exec its program starts it as a child.
 * Two at the same depth: neither is taken for the container's.
 */
export function containerProcess(c: ContainerRecord, facts: Facts, matches: (command: string) => boolean): ProcessInfo | undefined {
  if (!c.running || !c.pid) return undefined;
  for (const level of processLevelsBelow(facts.system, c.pid, PROCESS_SEARCH_DEPTH)) {
    const found = level.filter((p) => matches(p.command));
    if (found.length > 0) return found.length === 1 ? found[0] : undefined;
  }
  return undefined;
}
