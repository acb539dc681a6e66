import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Bundle, SpecName } from '../domain/index.js';

/**
 * Where a sosreport keeps what each spec needs. Each entry is a list of candidates, first match
 * wins; a trailing "*" matches any file name with that prefix (sos names files after the full command).
 */
const SOS_SOURCES: ReadonlyArray<[SpecName, readonly string[]]> = [
  ['uname', ['sos_commands/kernel/uname_-a', 'uname']],
  ['uptime', ['sos_commands/host/uptime', 'uptime', 'proc/loadavg']],
  ['meminfo', ['proc/meminfo']],
  ['df', ['sos_commands/filesys/df_-al_-x_autofs', 'sos_commands/filesys/df_-al*', 'df']],
  ['df_inodes', ['sos_commands/filesys/df_-ali_-x_autofs', 'sos_commands/filesys/df_-ali*']],
  ['ps', ['sos_commands/process/ps_auxwww', 'sos_commands/process/ps_aux*', 'ps']],
  ['dmesg', ['sos_commands/kernel/dmesg', 'sos_commands/logs/journalctl_--no-pager_--catalog_--boot_-k*']],
  ['messages', ['var/log/messages', 'var/log/syslog', 'var/log/kern.log']],
  ['journal_docker', ['sos_commands/docker/journalctl_--no-pager_--unit_docker*', 'sos_commands/docker/journalctl*']],
  ['docker_info', ['sos_commands/docker/docker_info']],
  ['docker_version', ['sos_commands/docker/docker_version']],
  ['docker_ps', ['sos_commands/docker/docker_ps_-a*', 'sos_commands/docker/docker_ps*']],
];

export async function isSosreport(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'sos_commands'))).isDirectory();
  } catch {
    return false;
  }
}

async function findSource(root: string, candidate: string): Promise<string | undefined> {
  if (!candidate.endsWith('*')) {
    try {
      if ((await stat(join(root, candidate))).isFile()) return join(root, candidate);
    } catch {
      /* absent: try the next candidate */
    }
    return undefined;
  }
  const prefix = candidate.slice(0, -1);
  const folder = join(root, prefix.slice(0, prefix.lastIndexOf('/')));
  const stem = prefix.slice(prefix.lastIndexOf('/') + 1);
  try {
    const names = (await readdir(folder)).filter((n) => n.startsWith(stem)).sort();
    return names[0] ? join(folder, names[0]) : undefined;
  } catch {
    return undefined;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Maps an extracted sosreport to a bundle. Specs sos does not capture stay "not collected". */
export async function readSosreport(root: string): Promise<Bundle> {
  const files = new Map<string, string>();
  for (const [spec, candidates] of SOS_SOURCES) {
    for (const candidate of candidates) {
      const path = await findSource(root, candidate);
      const text = path ? await readIfPresent(path) : undefined;
      if (text !== undefined) {
        files.set(spec, text);
        break;
      }
    }
  }
  const cpuinfo = await readIfPresent(join(root, 'proc/cpuinfo'));
  if (cpuinfo) files.set('nproc', `${(cpuinfo.match(/^processor\s*:/gm) ?? []).length}\n`);
  const inspect = await readSosInspect(root);
  if (inspect) files.set('docker_inspect', inspect);
  const hostname = (await readIfPresent(join(root, 'hostname')))?.trim();
  return { meta: { host: hostname || basename(root) }, files };
}

/** sos writes one `docker inspect` per container; join them into the one array the spec expects. */
async function readSosInspect(root: string): Promise<string | undefined> {
  const folder = join(root, 'sos_commands/docker/containers');
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => n.startsWith('docker_inspect')).sort();
  } catch {
    return undefined;
  }
  const items: unknown[] = [];
  for (const name of names) {
    const text = await readIfPresent(join(folder, name));
    if (!text) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) items.push(...(parsed as unknown[]));
    } catch {
      /* a truncated inspect file is skipped, not fatal */
    }
  }
  return items.length ? JSON.stringify(items, null, 2) : undefined;
}
