import type { LogLine } from './log-line.js';
import { parseSize } from './sizes.js';
import { specLines } from './text-lines.js';

/** `docker info`, whatever the release's layout. Sizes in bytes. */
export interface DockerInfo {
  serverVersion?: string;
  storageDriver?: string;
  backingFilesystem?: string;
  poolName?: string;
  dataFile?: string;
  metadataFile?: string;
  /** `Data loop file:` (1.10+ prints it when the pool sits on a sparse file). */
  dataLoopFile?: string;
  metadataLoopFile?: string;
  dataUsedBytes?: number;
  dataTotalBytes?: number;
  dataAvailableBytes?: number;
  metadataUsedBytes?: number;
  metadataTotalBytes?: number;
  metadataAvailableBytes?: number;
  baseDeviceSizeBytes?: number;
  thinPoolMinFreeBytes?: number;
  containers?: number;
  runningContainers?: number;
  dockerRootDir?: string;
  loggingDriver?: string;
  kernelVersion?: string;
  /** `Cgroup Version:` (Docker 20.10+): 1 or 2. Older releases ran on cgroup v1 only. */
  cgroupVersion?: number;
  /** Each "Key: value" line, by the key as printed ("Data Space Used"), for evidence quoting. */
  lines: Map<string, LogLine>;
}

const KEY_VALUE = /^\s*([A-Za-z][A-Za-z0-9 ()_.-]*?):(?:\s(.*))?$/;

type Field = Exclude<keyof DockerInfo, 'lines'>;
const TEXT_FIELDS: Readonly<Record<string, Field>> = {
  'server version': 'serverVersion',
  'storage driver': 'storageDriver',
  'backing filesystem': 'backingFilesystem',
  'pool name': 'poolName',
  'data file': 'dataFile',
  'metadata file': 'metadataFile',
  'data loop file': 'dataLoopFile',
  'metadata loop file': 'metadataLoopFile',
  'docker root dir': 'dockerRootDir',
  'logging driver': 'loggingDriver',
  'kernel version': 'kernelVersion',
};
const SIZE_FIELDS: Readonly<Record<string, Field>> = {
  'data space used': 'dataUsedBytes',
  'data space total': 'dataTotalBytes',
  'data space available': 'dataAvailableBytes',
  'metadata space used': 'metadataUsedBytes',
  'metadata space total': 'metadataTotalBytes',
  'metadata space available': 'metadataAvailableBytes',
  'base device size': 'baseDeviceSizeBytes',
  'thin pool minimum free space': 'thinPoolMinFreeBytes',
};
const COUNT_FIELDS: Readonly<Record<string, Field>> = { containers: 'containers', running: 'runningContainers', 'cgroup version': 'cgroupVersion' };

/**
 * Parses `docker info` from Docker 1.3 (unindented driver lines, no `Server Version`) to current
 * (`Server:` header, indented blocks). Total: any text in, the fields it could read out.
 */
export function parseDockerInfo(text: string): DockerInfo {
  const info: DockerInfo = { lines: new Map() };
  const fields = info as unknown as Record<Field, string | number | undefined>;
  for (const line of specLines('docker_info', text)) {
    const m = KEY_VALUE.exec(line.text);
    if (!m?.[1]) continue;
    const key = m[1].trim();
    const value = (m[2] ?? '').trim();
    if (info.lines.has(key)) continue;
    info.lines.set(key, line);
    const lower = key.toLowerCase();
    const textField = TEXT_FIELDS[lower];
    const sizeField = SIZE_FIELDS[lower];
    const countField = COUNT_FIELDS[lower];
    if (textField && value) fields[textField] = value;
    else if (sizeField) {
      const bytes = parseSize(value);
      if (bytes !== undefined) fields[sizeField] = bytes;
    } else if (countField && /^\d+$/.test(value)) fields[countField] = Number(value);
  }
  return info;
}
