/**
 * Resolves a failed Mesos task's Docker container on its host. The command line is a constant: no
 * field of the alert reaches the shell. Matching happens here, on anchored, validated values.
 */
import { CONTAINER_ID, hostNamed, InputError, type CommandRunner, type HostDirectory, type SshTarget } from '../domain/index.js';
import { type FailedTask } from './failed-task.schema.js';
import { silentLogger, type AlertLogger, type ContainerResolver } from './ports.js';

/** The canonical `docker_ps` spec command (docs/evidence.md): one JSON object per container. */
export const DOCKER_PS_COMMAND = "docker ps -a --no-trunc --format '{{json .}}'";

interface PsLine {
  ID?: unknown;
  Names?: unknown;
  Mounts?: unknown;
}

/** What identifies the report's container, as said in the thread when it is not on the host. */
export function containerClues(task: Pick<FailedTask, 'taskId' | 'mesosContainerId' | 'agentId' | 'container'>): string[] {
  const clues: string[] = [];
  if (task.container?.id) clues.push(`id ${task.container.id.slice(0, 12)}`);
  if (task.container?.name) clues.push(`name ${task.container.name}`);
  if (task.mesosContainerId) clues.push(`name mesos-${task.agentId ? `${task.agentId}.` : ''}${task.mesosContainerId}`);
  if (task.taskId) clues.push(`a mesos-* container with sandbox .../executors/${task.taskId}/runs/`);
  return clues;
}

/**
 * PURE: the Docker id of the report's container in `docker ps --format '{{json .}}'` output: by the
 * Docker id or name an alert carries, else by Mesos' name `mesos-<agent id>.<container uuid>` (older
 * agents) or `mesos-<container uuid>`, else by the sandbox Mesos mounts, `.../executors/<task id>/runs/<uuid>`,
 * which identifies it when an event (as Marathon's do) carries no container id.
 */
export function pickMesosContainer(psOutput: string, task: Pick<FailedTask, 'taskId' | 'mesosContainerId' | 'agentId' | 'container'>): string | undefined {
  const names = new Set<string>();
  if (task.container?.name) names.add(task.container.name);
  if (task.mesosContainerId) {
    names.add(`mesos-${task.mesosContainerId}`);
    if (task.agentId) names.add(`mesos-${task.agentId}.${task.mesosContainerId}`);
  }
  const wantedId = task.container?.id;
  const sandbox = task.taskId ? `/executors/${task.taskId}/runs/` : undefined;
  for (const line of psOutput.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let row: PsLine;
    try {
      row = JSON.parse(line) as PsLine;
    } catch {
      continue;
    }
    if (typeof row.ID !== 'string' || !CONTAINER_ID.pattern.test(row.ID)) continue;
    const rowNames = typeof row.Names === 'string' ? row.Names.split(',') : [];
    const byId = wantedId !== undefined && row.ID.startsWith(wantedId);
    const byName = rowNames.some((name) => names.has(name));
    const bySandbox =
      sandbox !== undefined && typeof row.Mounts === 'string' && rowNames.some((n) => n.startsWith('mesos-')) && row.Mounts.split(',').some((m) => m.includes(sandbox));
    if (byId || byName || bySandbox) return row.ID;
  }
  return undefined;
}

export interface DockerPsResolverDeps {
  /** Opens a CommandRunner on the task's host (the SSH adapter, host keys verified). */
  connect(host: string): Promise<CommandRunner>;
  /** @defaultValue 15000 */
  timeoutMs?: number;
  logger?: AlertLogger;
}

/** A ContainerResolver that runs `docker ps` on the host over a CommandRunner. */
export function createDockerPsContainerResolver(deps: DockerPsResolverDeps): ContainerResolver {
  const logger = deps.logger ?? silentLogger;
  return {
    async resolve(task) {
      const lookedFor = containerClues(task);
      if (lookedFor.length === 0) return { kind: 'not_applicable' };
      const runner = await deps.connect(task.host ?? '');
      try {
        const result = await runner.run(DOCKER_PS_COMMAND, { timeoutMs: deps.timeoutMs ?? 15_000, maxBytes: 4 * 1024 * 1024 });
        if (result.exit !== 0) {
          logger.warn({ host: task.host, exit: result.exit, error: result.error, stderr: result.stderr.slice(0, 200) }, 'docker ps failed while resolving a Mesos container');
          return { kind: 'unavailable', reason: `docker ps failed on the host (exit ${result.exit ?? 'none'})` };
        }
        const id = pickMesosContainer(result.stdout, task);
        return id ? { kind: 'found', id } : { kind: 'absent', lookedFor };
      } finally {
        await runner.close();
      }
    },
  };
}

/**
 * The ContainerResolver over SSH: `docker ps` on the task's inventory host (host keys verified by the
 * runner). A host that is not in the inventory is not connected to: the container stays unknown and
 * the sink says so in the thread.
 */
export function createInventoryContainerResolver(
  directory: HostDirectory,
  connect: (target: SshTarget) => Promise<CommandRunner>,
  logger?: AlertLogger,
): ContainerResolver {
  const inner = createDockerPsContainerResolver({
    connect: async (name) => {
      const host = hostNamed(directory, name);
      if (!host) throw new InputError('host_unknown', `${name} is not in the inventory of this intake.`);
      return connect(host.ssh);
    },
    ...(logger ? { logger } : {}),
  });
  return {
    async resolve(task) {
      if (containerClues(task).length === 0) return { kind: 'not_applicable' };
      return task.host && hostNamed(directory, task.host) ? inner.resolve(task) : { kind: 'unavailable', reason: 'the host is not in the inventory' };
    },
  };
}
