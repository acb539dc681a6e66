import type { Facts } from '../../facts/index.js';
import type { MemoryReading } from '../../facts/docker.js';
import { formatBytes, MIB } from '../../parsers/sizes.js';
import type { ContainerRecord } from '../../facts/index.js';
import { shellArg } from '../../../domain/shell.js';
import { schedulerOf } from './scheduler.js';

/** Below this a limit leaves no room for a shell or a log burst; Docker itself refuses under 6 MiB. */
const SMALLEST_LIMIT_MIB = 64;

/** The host's memory (MemTotal), in bytes. */
export function hostMemoryBytes(facts: Facts): number | undefined {
  return facts.system.memTotalKb !== undefined ? facts.system.memTotalKb * 1024 : undefined;
}

/** Whole MiB rounded up to a step that suits the size: 16 MiB under 256 MiB, 64 under 2 GiB, then 256. */
export function roundMiB(bytes: number): number {
  const mib = bytes / MIB;
  const step = mib < 256 ? 16 : mib < 2048 ? 64 : 256;
  return Math.ceil(mib / step) * step;
}

/** A limit of half again what was observed, in MiB, rounded up (see roundMiB). */
export function headroomMiB(observedBytes: number): number {
  return roundMiB(observedBytes * 1.5);
}

/** The `docker update` line that sets a limit, swap included so that the limit is the limit. */
export function memoryUpdateCommand(container: string, mib: number | undefined): string {
  const size = mib === undefined ? '<size>' : `${mib}m`;
  return `docker update --memory ${size} --memory-swap ${size} ${container}`;
}

/**
 * A memory limit for a container that has none, from what it uses now: half again its working set
 * (docker stats' figure), rounded up, 64 MiB at least. Its peak is page cache included, so it is a
 * reason to watch the container under load, not a size; and a limit the host cannot give is said.
 */
export function limitFromReading(
  container: string,
  reading: MemoryReading | undefined,
  hostBytes: number | undefined,
  record?: ContainerRecord,
): { mib?: number; detail?: string; commands: string[]; where?: string } {
  if (!reading) {
    const change = limitChange(record, container, undefined);
    return { commands: [`docker stats --no-stream ${container}`, ...change.commands], ...(change.where ? { detail: change.where, where: change.where } : {}) };
  }
  const headroom = headroomMiB(reading.workingSetBytes);
  const mib = Math.max(SMALLEST_LIMIT_MIB, headroom);
  const now = formatBytes(reading.workingSetBytes, 'binary');
  const basis =
    headroom < SMALLEST_LIMIT_MIB
      ? `${mib} MiB, the least worth setting: it uses ${now} now (its working set, as docker stats counts it).`
      : `${mib} MiB is half again the ${now} it uses now (its working set, as docker stats counts it), rounded up.`;
  const peak = reading.peakBytes !== undefined && reading.peakBytes > mib * MIB ? ` Its peak since it started was ${formatBytes(reading.peakBytes, 'binary')}, page cache included: watch docker stats under load before settling on a size.` : '';
  const host = hostBytes !== undefined && mib * MIB > hostBytes * 0.9 ? ` That is more than this host's ${formatBytes(hostBytes, 'binary')} can spare: the container needs a larger host or less work.` : '';
  const change = limitChange(record, container, mib);
  return {
    mib,
    detail: `${basis}${peak}${host}${change.where ? ` ${change.where}` : ''}`,
    commands: change.commands,
    ...(change.where ? { where: change.where } : {}),
  };
}

/** "It uses 250.0 MiB of its 256.0 MiB limit now (its working set, as docker stats counts it)": no full stop, callers go on. */
export function usageOfLimitText(reading: MemoryReading, limitBytes: number): string {
  return `It uses ${formatBytes(reading.workingSetBytes, 'binary')} of its ${formatBytes(limitBytes, 'binary')} limit now (its working set, as docker stats counts it)`;
}

/**
 * How to give a container a memory limit of `mib` MiB where it lasts: docker update for a container
 * nothing recreates; for a scheduler's, where the scheduler takes the limit from (a docker update
 * is undone when it starts the next one), with the words that say so.
 */
export function limitChange(c: ContainerRecord | undefined, short: string, mib: number | undefined): { commands: string[]; where?: string } {
  const scheduler = c ? schedulerOf(c) : undefined;
  const size = mib === undefined ? '<size>' : String(mib);
  switch (scheduler?.kind) {
    case undefined:
      return { commands: [memoryUpdateCommand(short, mib)] };
    case 'marathon':
      return {
        commands: [`curl -X PUT -H 'Content-Type: application/json' "$MARATHON_URL"/v2/apps${shellArg(scheduler.app)} -d '{"mem": ${size}}'`],
        where: `Marathon gives app ${scheduler.app}'s tasks its mem (MiB) as their limit and relaunches them with it, so a docker update is undone at the next launch: change the app (set MARATHON_URL first).`,
      };
    case 'nomad':
      return {
        commands: [`nomad alloc status ${shellArg(scheduler.alloc)}`],
        where: `Nomad takes the limit from the task's resources in job ${scheduler.job ?? 'of this allocation'} (memory = ${size}, in MiB), so a docker update is undone when it places the next one: change the job and run it again.`,
      };
    case 'compose':
      return {
        commands: [`docker compose -p ${shellArg(scheduler.project)} up -d ${shellArg(scheduler.service)}`],
        where: `Compose recreates service ${scheduler.service} from its file, so a docker update is undone then: set its limit there (mem_limit: ${size}m, or deploy.resources.limits.memory), then recreate it.`,
      };
    case 'swarm':
      return { commands: [`docker service update --limit-memory ${size}m ${shellArg(scheduler.service)}`], where: `Swarm starts service ${scheduler.service}'s tasks with the service's limit: change the service, not the container.` };
    case 'kubernetes':
      return {
        commands: [`kubectl -n ${shellArg(scheduler.namespace)} get pod ${shellArg(scheduler.pod)} -o jsonpath='{.metadata.ownerReferences[*].kind}/{.metadata.ownerReferences[*].name}'`],
        where: `The kubelet sets the limit from pod ${scheduler.namespace}/${scheduler.pod}'s resources.limits.memory (${size}Mi), so a docker update is undone when the pod is replaced: change it in what owns the pod (its Deployment or StatefulSet).`,
      };
  }
}

/** A fix's detail and commands for a limit change: its own detail, then where the limit lasts. */
export function limitFix(change: { commands: string[]; where?: string }, detail?: string): { detail?: string; commands: string[] } {
  const text = [detail, change.where].filter((t) => t).join(' ');
  return { ...(text ? { detail: text } : {}), commands: change.commands };
}
