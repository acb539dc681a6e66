import { ranClean, type Bundle, type SpecName } from '../../domain/index.js';
import { parseDockerInfo, type DockerInfo } from '../parsers/docker-info.js';
import { parseDockerInspect, type InspectContainer, type InspectKey } from '../parsers/docker-inspect.js';
import { duUnitFromCommand, parseDataRootHeader, parseDockerLogSizes, type DataRootLine } from '../parsers/docker-log-sizes.js';
import { parseDockerPs, type PsContainer } from '../parsers/docker-ps.js';
import { parseContainerMemory, type MemoryReading } from '../parsers/container-memory.js';
import { parseContainerLogTails, type ContainerLogTail } from '../parsers/container-log-tail.js';
import { parseDockerVersion } from '../parsers/docker-version.js';
import { parseDockerdCommands, type DockerdCommand } from '../parsers/dockerd-command.js';
import { parseDockerdStartup } from '../parsers/dockerd-startup.js';
import { specLines } from '../parsers/text-lines.js';
import type { LogLine } from '../parsers/log-line.js';

export type { ContainerLogTail, DataRootLine, DockerInfo, MemoryReading };

/**
 * One container, merged from docker inspect (preferred) and docker ps. The inspect fields
 * (id, name, image, status, running, exitCode, oomKilled, restartCount, memoryLimitBytes, command,
 * entrypoint, env, startedAt, finishedAt, pid, logPath) are documented on InspectContainer; a record
 * from ps alone has id, name, image, command, status, running and exitCode.
 */
export interface ContainerRecord extends Omit<InspectContainer, 'line' | 'lines'> {
  /** Raw docker ps status text: "Up 18 minutes", "Exited (137) 5 hours ago". */
  statusText?: string;
  /** How long ago it exited, at least, as a ps-only record's status says ("Exited (1) 2 weeks ago"). */
  endedAtLeastSecondsAgo?: number;
  /** Where this record came from: inspect is complete, ps only has what the table shows. */
  source?: 'inspect' | 'ps';
  /** The container's first line: inspect's `"Id"` line, or its docker ps row. */
  line?: LogLine;
  /** The docker ps row, when ps listed it (also for inspect records). */
  psLine?: LogLine;
  /** Inspect lines of notable keys: RestartCount, OOMKilled, ExitCode, Memory, Name, Path, the Env entries JVMs are read from. */
  lines?: Partial<Record<InspectKey, LogLine>>;
}

/** What the daemon says about itself outside `docker info`: its log and its command line. */
export interface DockerDaemonFacts {
  /** From dockerd's start line in journal_docker or messages (`msg="Docker daemon" ... version=1.10.3`). */
  version?: string;
  versionLine?: LogLine;
  storageDriver?: string;
  storageDriverLine?: LogLine;
  /** devmapper warned at start that the pool sits on loop devices. */
  loopWarning?: LogLine;
  /** Why dockerd's last start failed, as it said it (no start succeeded after it). */
  startFailure?: { reason: string; line: LogLine };
  /** systemd's "Start request repeated too quickly" for the docker unit, since its last good start. */
  startLimit?: LogLine;
  /**
   * dockerd's command line in ps, with its storage options: with several daemons, the one the
   * docker client answered from (its data root in docker info), else the one the data-root step
   * picked from the command lines, else the one on the default socket.
   */
  command?: DockerdCommand;
  /** The other daemons ps lists, when there are several. */
  others: DockerdCommand[];
}

export interface DockerFacts {
  info: DockerInfo | null;
  version: { client?: string; server?: string; line?: LogLine } | null;
  containers: ContainerRecord[];
  /**
   * docker ps or docker inspect answered, an empty list included: a container missing from
   * `containers` is really gone. False when neither was collected, or both hung or failed.
   */
  containersListed: boolean;
  /** `directory`: the figure is the container's directory, not its json log alone. */
  logSizes: { containerId: string; bytes: number; path: string; directory: boolean; line: LogLine }[];
  /** Docker's data root as the docker_log_sizes step found it on the host, and where it learned it. */
  dataRoot?: DataRootLine;
  /** Client output that says the daemon cannot be reached at all ("Cannot connect to the Docker daemon"). */
  daemonUnreachable: LogLine[];
  /** Running containers' memory from their cgroups (or docker stats): find one with memoryOf. */
  memory: MemoryReading[];
  /** What containers printed last (container_log_tail: one container, or each in a restart loop or lately failed): find one with logTailOf. */
  logTails: ContainerLogTail[];
  daemon: DockerDaemonFacts;
}

const DOCKER_CLIENT_SPECS: readonly SpecName[] = ['docker_version', 'docker_info', 'docker_ps', 'docker_inspect'];
// Docker 1.2 and older print only the failed dial: "dial unix /var/run/docker.sock: no such file or directory".
const UNREACHABLE =
  /Cannot connect to the Docker daemon|Is the docker daemon running|Are you trying to connect to a TLS-enabled daemon without TLS|dial unix \S*docker\.sock: (?:connect: )?(?:no such file or directory|connection refused)/i;

export function buildDockerFacts(bundle: Bundle): DockerFacts {
  const file = (spec: SpecName): string | undefined => bundle.files.get(spec);
  const steps = bundle.meta.steps ?? {};
  const infoText = file('docker_info');
  const info = infoText?.trim() ? parseDockerInfo(infoText) : null;
  const versionText = file('docker_version');
  const version = versionText?.trim() ? parseDockerVersion(versionText) : null;

  const inspectText = file('docker_inspect');
  const inspected = inspectText?.trim() ? parseDockerInspect(inspectText) : [];
  const psText = file('docker_ps');
  const memoryText = file('container_memory');
  const logTailText = file('container_log_tail');
  const ps = psText?.trim() ? parseDockerPs(psText) : [];

  const duUnit = duUnitFromCommand(steps['docker_log_sizes']?.command);
  const logText = file('docker_log_sizes');
  const logSizes = (logText ? parseDockerLogSizes(logText) : []).map((row) => ({
    containerId: row.containerId,
    bytes: row.human ? row.size : row.size * duUnit,
    path: row.path,
    directory: row.directory,
    line: row.line,
  }));
  const dataRoot = logText ? parseDataRootHeader(logText) : undefined;

  // The docker client says "Cannot connect to the Docker daemon" on stderr, which a live collection
  // keeps in meta.json (the spec file holds stdout only); captured bundles often have it inline.
  const daemonUnreachable = DOCKER_CLIENT_SPECS.flatMap((spec): LogLine[] => {
    const text = file(spec);
    if (text && UNREACHABLE.test(text)) return specLines(spec, text).filter((l) => UNREACHABLE.test(l.text)).slice(0, 2);
    const stderr = steps[spec]?.['stderr'];
    if (typeof stderr !== 'string' || !UNREACHABLE.test(stderr)) return [];
    const said = stderr.split('\n').find((l) => UNREACHABLE.test(l)) ?? stderr;
    return [{ spec, line: 0, text: `${said.trim()}  (stderr)` }];
  });

  // Without a step record (a captured bundle) a non-empty file is an answer; with one, a clean exit.
  const answered = (spec: SpecName): boolean => {
    const text = file(spec);
    const step = steps[spec];
    if (text === undefined || UNREACHABLE.test(text)) return false;
    return step ? ranClean(step) : text.trim() !== '';
  };

  return {
    info: info && info.lines.size > 0 ? info : null,
    version: version && (version.client || version.server) ? versionFacts(version) : null,
    containers: mergeContainers(inspected, ps),
    containersListed: answered('docker_ps') || answered('docker_inspect'),
    logSizes,
    ...(dataRoot ? { dataRoot } : {}),
    daemonUnreachable,
    memory: memoryText?.trim() ? parseContainerMemory(memoryText) : [],
    logTails: logTailText?.trim() ? parseContainerLogTails(logTailText) : [],
    daemon: daemonFacts(bundle, info?.dockerRootDir, dataRoot),
  };
}

/**
 * What a container printed last: the section whose header names it, or, in a capture without one,
 * the only container the bundle has.
 */
export function logTailOf(docker: Pick<DockerFacts, 'logTails' | 'containers'>, id: string): ContainerLogTail['lines'] | undefined {
  const its = (tail: ContainerLogTail): boolean =>
    tail.container ? id.startsWith(tail.container) || tail.container.startsWith(id) : docker.logTails.length === 1 && docker.containers.length === 1 && docker.containers[0]?.id === id;
  const lines = docker.logTails.find(its)?.lines;
  return lines?.length ? lines : undefined;
}

/**
 * A container's memory reading: by its id (full, or a prefix either way, as docker stats prints
 * 12 digits), else by the name docker stats gives it. Works for containers docker inspect could
 * not list: the cgroups answer while dockerd hangs.
 */
export function memoryOf(docker: Pick<DockerFacts, 'memory'>, id: string, name?: string): MemoryReading | undefined {
  const bare = name?.replace(/^\//, '');
  return (
    docker.memory.find((r) => r.container.length >= 12 && /^[0-9a-f]+$/.test(r.container) && (id.startsWith(r.container) || r.container.startsWith(id))) ??
    (bare ? docker.memory.find((r) => r.container === bare || r.name === bare) : undefined)
  );
}

function versionFacts(v: ReturnType<typeof parseDockerVersion>): NonNullable<DockerFacts['version']> {
  const line = v.serverLine ?? v.clientLine;
  return { ...(v.client ? { client: v.client } : {}), ...(v.server ? { server: v.server } : {}), ...(line ? { line } : {}) };
}

/** Inspect records win; ps fills in only the status text, or everything when inspect gave nothing. */
function mergeContainers(inspected: readonly InspectContainer[], ps: readonly PsContainer[]): ContainerRecord[] {
  const psById = (id: string): PsContainer | undefined => ps.find((p) => id.startsWith(p.id) || p.id.startsWith(id));
  if (inspected.length > 0) {
    return inspected.map((c) => {
      const row = psById(c.id);
      return {
        ...c,
        source: 'inspect' as const,
        ...(row?.statusText ? { statusText: row.statusText } : {}),
        ...(row ? { psLine: row.line } : {}),
      };
    });
  }
  return ps.map((row) => ({ ...row, source: 'ps' as const, psLine: row.line }));
}

const DEFAULT_DATA_ROOT = '/var/lib/docker';
const DEFAULT_SOCKET = /^(?:unix:\/\/)?\/(?:var\/)?run\/docker\.sock$/;

/** Which of several daemons the collection spoke to (see DockerDaemonFacts.command). */
function chooseDaemon(commands: readonly DockerdCommand[], infoRoot: string | undefined, dataRoot: DataRootLine | undefined): DockerdCommand | undefined {
  if (commands.length < 2) return commands[0];
  const rootOf = (c: DockerdCommand) => (c.dataRoot ?? DEFAULT_DATA_ROOT).replace(/\/+$/, '');
  const byRoot = (root: string | undefined) => (root === undefined ? undefined : commands.find((c) => rootOf(c) === root.replace(/\/+$/, '')));
  return (
    byRoot(infoRoot) ??
    byRoot(dataRoot && dataRoot.source !== 'default' ? dataRoot.path : undefined) ??
    commands.find((c) => c.hosts.length === 0 || c.hosts.some((h) => DEFAULT_SOCKET.test(h))) ??
    commands[0]
  );
}

function daemonFacts(bundle: Bundle, infoRoot: string | undefined, dataRoot: DataRootLine | undefined): DockerDaemonFacts {
  // journal_docker is dockerd's own log; messages is the fallback. Where both speak, the journal wins.
  const [fromMessages, fromJournal] = (['messages', 'journal_docker'] as const).map((spec) => {
    const text = bundle.files.get(spec);
    return text ? parseDockerdStartup(spec, text) : {};
  });
  const psText = bundle.files.get('ps');
  const commands = psText ? parseDockerdCommands(specLines('ps', psText)) : [];
  const command = chooseDaemon(commands, infoRoot, dataRoot);
  return { ...fromMessages, ...fromJournal, ...(command ? { command } : {}), others: commands.filter((c) => c !== command) };
}
