import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Bundle, SpecName } from '../domain/index.js';
import { BundleFiles, withUnread, type BundleReadOptions, type FileText } from './bundle-files.js';

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
  // the filesys plugin copies the kernel's mount table; /proc/mounts has no device numbers, but the mounts
  ['mountinfo', ['proc/self/mountinfo', 'proc/1/mountinfo', 'proc/mounts']],
  // the block plugin's `losetup -a`: the file behind each loop device
  ['loop_devices', ['sos_commands/block/losetup_-a']],
  // the process plugin's `ps alxwww` first: it has each process's parent (and its wait channel, cut
  // to six characters), which `ps auxwww` has not
  ['ps', ['sos_commands/process/ps_alxwww', 'sos_commands/process/ps_auxwww', 'sos_commands/process/ps_aux*', 'ps']],
  // the process plugin's `ps -elfL`: every thread, its S column and LWP, of which the ones in D are kept
  ['blocked_threads', ['sos_commands/process/ps_-elfL']],
  ['dmesg', ['sos_commands/kernel/dmesg', 'sos_commands/logs/journalctl_--no-pager_--catalog_--boot_-k*']],
  ['messages', ['var/log/messages', 'var/log/syslog', 'var/log/kern.log']],
  ['journal_docker', ['sos_commands/docker/journalctl_--no-pager_--unit_docker*', 'sos_commands/docker/journalctl*']],
  ['docker_info', ['sos_commands/docker/docker_info']],
  ['docker_version', ['sos_commands/docker/docker_version']],
  ['docker_ps', ['sos_commands/docker/docker_ps_-a*', 'sos_commands/docker/docker_ps*']],
  // the docker plugin's `docker stats --no-stream`: each running container's working set, as Docker counts it
  ['container_memory', ['sos_commands/docker/docker_stats*']],
  // the devicemapper plugin's `dmsetup status`; the lvm2 plugin's `lvs -a -o +lv_tags,devices,...`
  // (the default table with columns appended, which parseLvs reads)
  ['dmsetup_status', ['sos_commands/devicemapper/dmsetup_status']],
  ['lvs', ['sos_commands/lvm2/lvs_-a_-o*', 'sos_commands/lvm2/lvs*']],
];

export async function isSosreport(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'sos_commands'))).isDirectory();
  } catch {
    return false;
  }
}

/** The text of a candidate, or undefined when it is absent or refused (reader.check() reports that). */
async function readSource(reader: BundleFiles, candidate: string, spec: string): Promise<FileText | undefined> {
  let rel = candidate;
  if (candidate.endsWith('*')) {
    const prefix = candidate.slice(0, -1);
    const folder = prefix.slice(0, prefix.lastIndexOf('/'));
    const stem = prefix.slice(prefix.lastIndexOf('/') + 1);
    const name = (await reader.list(folder)).find((n) => n.startsWith(stem));
    if (!name) return undefined;
    rel = `${folder}/${name}`;
  }
  return reader.read(rel, false, spec);
}

/** Maps an extracted sosreport to a bundle. Specs sos does not capture stay "not collected". */
export async function readSosreport(root: string, options: BundleReadOptions = {}): Promise<Bundle> {
  const reader = await BundleFiles.open(root, options);
  const files = new Map<string, string>();
  const unread = new Map<string, number>();
  for (const [spec, candidates] of SOS_SOURCES) {
    for (const candidate of candidates) {
      const got = await readSource(reader, candidate, spec);
      if (!got) continue;
      files.set(spec, got.text);
      if (got.unreadBytes) unread.set(spec, got.unreadBytes);
      break;
    }
  }
  const cpuinfo = (await reader.read('proc/cpuinfo', true))?.text;
  if (cpuinfo) files.set('nproc', `${(cpuinfo.match(/^processor\s*:/gm) ?? []).length}\n`);
  const inspect = await readSosInspect(reader);
  if (inspect) files.set('docker_inspect', inspect);
  const hostname = (await reader.read('hostname', true))?.text.trim();
  reader.check();
  return { meta: withUnread({ host: hostname || basename(root) }, unread), files };
}

/** sos writes one `docker inspect` per container; join them into the one array the spec expects. */
async function readSosInspect(reader: BundleFiles): Promise<string | undefined> {
  const folder = 'sos_commands/docker/containers';
  const names = (await reader.list(folder)).filter((n) => n.startsWith('docker_inspect'));
  const items: unknown[] = [];
  for (const name of names) {
    const text = (await reader.read(`${folder}/${name}`, true))?.text;
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
