import type { Fix } from '../../../domain/index.js';
import { shellArg } from '../../../domain/shell.js';
import type { ContainerRecord } from '../../facts/index.js';
import { envValue } from './docker-context.js';

/**
 * Who runs a container and starts it again, from what each puts on the containers it starts:
 * Marathon the MARATHON_APP_ID variable (its task environment), Nomad NOMAD_ALLOC_ID and
 * NOMAD_JOB_NAME, Compose the com.docker.compose.project and .service labels, Swarm
 * com.docker.swarm.service.name, and the kubelet (dockershim) io.kubernetes.pod.name and .namespace.
 */
export type Scheduler =
  | { kind: 'marathon'; app: string }
  | { kind: 'nomad'; alloc: string; job?: string }
  | { kind: 'compose'; project: string; service: string }
  | { kind: 'swarm'; service: string }
  | { kind: 'kubernetes'; namespace: string; pod: string };

/**
 * Names as each scheduler allows them. Read from the host, a name reaches a command shown to
 * people only when it is one (and quoted all the same).
 */
const NAME = {
  marathonApp: /^\/?[a-z0-9][a-z0-9.-]*(?:\/[a-z0-9][a-z0-9.-]*)*$/,
  composeName: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
  kubernetes: /^[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/,
  nomadAlloc: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
} as const;

export function schedulerOf(c: ContainerRecord): Scheduler | undefined {
  const label = (name: string): string | undefined => c.labels?.[name] || undefined;
  const marathon = envValue(c, 'MARATHON_APP_ID') || label('MARATHON_APP_ID');
  if (marathon && NAME.marathonApp.test(marathon)) return { kind: 'marathon', app: marathon.startsWith('/') ? marathon : `/${marathon}` };
  const alloc = envValue(c, 'NOMAD_ALLOC_ID');
  if (alloc && NAME.nomadAlloc.test(alloc)) {
    const job = envValue(c, 'NOMAD_JOB_NAME');
    return { kind: 'nomad', alloc, ...(job ? { job } : {}) };
  }
  const project = label('com.docker.compose.project');
  const service = label('com.docker.compose.service');
  if (project && service && NAME.composeName.test(project) && NAME.composeName.test(service)) return { kind: 'compose', project, service };
  const swarm = label('com.docker.swarm.service.name');
  if (swarm && NAME.composeName.test(swarm)) return { kind: 'swarm', service: swarm };
  const pod = label('io.kubernetes.pod.name');
  const namespace = label('io.kubernetes.pod.namespace');
  if (pod && namespace && NAME.kubernetes.test(pod) && NAME.kubernetes.test(namespace)) return { kind: 'kubernetes', namespace, pod };
  return undefined;
}

/**
 * Where a container's variables are set so that they last: in what its scheduler starts it from
 * (a docker run -e would be lost when it starts the next one). Undefined: nothing does.
 */
export function envWhere(c: ContainerRecord): string | undefined {
  const scheduler = schedulerOf(c);
  switch (scheduler?.kind) {
    case 'marathon':
      return `the env of Marathon app ${scheduler.app} (Marathon starts each task from the app)`;
    case 'compose':
      return `the environment of Compose service ${scheduler.service} in its file, then docker compose -p ${scheduler.project} up -d ${scheduler.service}`;
    case 'swarm':
      return `Swarm service ${scheduler.service}'s env (docker service update --env-add)`;
    case 'kubernetes':
      return `the container env of the owner of pod ${scheduler.namespace}/${scheduler.pod} (its Deployment, StatefulSet or DaemonSet)`;
    case 'nomad':
      return `the env of ${scheduler.job ? `Nomad job ${scheduler.job}` : 'its Nomad job'}'s task`;
    default:
      return undefined;
  }
}

/**
 * How a container that ended gets started again once its cause is fixed: by whatever runs it (its
 * scheduler starts a new one by itself), or, with nothing, by hand.
 */
export function startAgainFix(c: ContainerRecord, short: string): Fix {
  const scheduler = schedulerOf(c);
  switch (scheduler?.kind) {
    case 'marathon':
      return {
        title: `Marathon starts a new task for app ${scheduler.app} by itself; once the cause is fixed, restart the app to start one at once`,
        detail: "Marathon relaunches a failed task after a delay that grows with each failure (the app's backoffSeconds and backoffFactor, up to maxLaunchDelaySeconds). A restart deploys its tasks anew without waiting. Set MARATHON_URL to your Marathon first.",
        commands: [`curl -X POST "$MARATHON_URL"/v2/apps${shellArg(scheduler.app)}/restart`],
      };
    case 'nomad':
      return {
        title: `Nomad allocation ${scheduler.alloc}${scheduler.job ? ` of job ${scheduler.job}` : ''} is restarted or rescheduled by its job's restart and reschedule blocks`,
        commands: [`nomad alloc status ${shellArg(scheduler.alloc)}`],
      };
    case 'compose':
      return {
        title: `Compose service ${scheduler.service} of project ${scheduler.project}: once the cause is fixed, start it again with Compose`,
        detail: 'Compose v1 is the docker-compose command, with the same arguments.',
        commands: [`docker compose -p ${shellArg(scheduler.project)} up -d ${shellArg(scheduler.service)}`],
      };
    case 'swarm':
      return {
        title: `Swarm service ${scheduler.service} starts a new task by its restart policy: read why its tasks fail`,
        commands: [`docker service ps --no-trunc ${shellArg(scheduler.service)}`, `docker service logs --tail 100 ${shellArg(scheduler.service)}`],
      };
    case 'kubernetes':
      return {
        title: `Pod ${scheduler.namespace}/${scheduler.pod}: the kubelet restarts it by the pod's restartPolicy; read why with kubectl`,
        commands: [`kubectl -n ${shellArg(scheduler.namespace)} describe pod ${shellArg(scheduler.pod)}`, `kubectl -n ${shellArg(scheduler.namespace)} logs --previous ${shellArg(scheduler.pod)}`],
      };
    case undefined:
      return c.source === 'inspect'
        ? {
            title: 'Nothing starts it again: once the cause is fixed, start it, and watch it',
            detail: 'No scheduler, Compose or Swarm label, and no restart policy that applies: it stays down until someone starts it.',
            commands: [`docker start --attach ${short}`],
          }
        : { title: 'Once the cause is fixed, start it again where it is defined (its scheduler, Compose file or run line), or with docker start', commands: [`docker start --attach ${short}`] };
  }
}
