import type { Bundle } from '../../domain/index.js';
import type { LogLine } from './log-line.js';

/** `docker info`, whatever the release's layout. Sizes in bytes. */
export interface DockerInfo {
  serverVersion?: string;
  storageDriver?: string;
  backingFilesystem?: string;
  poolName?: string;
  dataFile?: string;
  metadataFile?: string;
  dataUsedBytes?: number;
  dataTotalBytes?: number;
  dataAvailableBytes?: number;
  metadataUsedBytes?: number;
  metadataTotalBytes?: number;
  metadataAvailableBytes?: number;
  baseDeviceSizeBytes?: number;
  containers?: number;
  dockerRootDir?: string;
  loggingDriver?: string;
  kernelVersion?: string;
  /** Each "Key: value" line, for evidence quoting. */
  lines: Map<string, LogLine>;
}

/** One container, merged from docker inspect (preferred) and docker ps. */
export interface ContainerRecord {
  id: string;
  name?: string;
  image?: string;
  /** running, exited, restarting, created, dead, paused... */
  status?: string;
  /** Raw docker ps status text: "Up 18 minutes", "Exited (137) 5 hours ago". */
  statusText?: string;
  running?: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  restartCount?: number;
  memoryLimitBytes?: number;
  /** Command line as one string (entrypoint + cmd, or ps's Command). */
  command?: string;
  /** Environment as KEY=VALUE strings (may hold secrets: never print whole). */
  env?: string[];
  startedAt?: string;
  finishedAt?: string;
  pid?: number;
  line?: LogLine;
}

export interface DockerFacts {
  info: DockerInfo | null;
  version: { client?: string; server?: string; line?: LogLine } | null;
  containers: ContainerRecord[];
  logSizes: { containerId: string; bytes: number; path: string; line: LogLine }[];
  /** Client output that says the daemon cannot be reached at all ("Cannot connect to the Docker daemon"). */
  daemonUnreachable: LogLine[];
}

export function buildDockerFacts(_bundle: Bundle): DockerFacts {
  return { info: null, version: null, containers: [], logSizes: [], daemonUnreachable: [] };
}
