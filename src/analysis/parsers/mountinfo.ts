import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/**
 * One mount as the kernel lists it. Read from the kernel's own table, so it is there when df hangs
 * on the very mount that matters (a dead NFS server, a FUSE daemon that does not answer).
 */
export interface Mount {
  /** The filesystem's device, major:minor (mountinfo only: /proc/mounts does not give it). */
  device?: { major: number; minor: number };
  mount: string;
  type: string;
  source: string;
  /** The mount's own options and its filesystem's (mountinfo gives both, /proc/mounts one merged list). */
  options: string[];
  /** mountinfo only: the filesystem's own options (its superblock's), apart from the mount's. */
  superOptions?: string[];
  line: LogLine;
}

/** mountinfo and /proc/mounts write space, tab, newline and backslash in paths as octal escapes. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

const DEVICE = /^(\d+):(\d+)$/;

/**
 * Parses `/proc/self/mountinfo` (`36 35 0:52 / /mnt/remote rw,nosuid - fuse.sshfs me@host:/srv rw,user_id=0`)
 * and `/proc/mounts` (`me@host:/srv /mnt/remote fuse.sshfs rw,nosuid 0 0`). Lines of neither shape
 * are skipped. Total: never throws.
 */
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of specLines('mountinfo', text)) {
    const fields = line.text.trim().split(/\s+/);
    const dash = fields.indexOf('-');
    const device = DEVICE.exec(fields[2] ?? '');
    if (dash >= 6 && device && /^\d+$/.test(fields[0] ?? '')) {
      const [type, source, superField] = fields.slice(dash + 1);
      if (!type || source === undefined) continue;
      const superOptions = superField ? superField.split(',') : [];
      mounts.push({
        device: { major: Number(device[1]), minor: Number(device[2]) },
        mount: unescapeOctal(fields[4] as string),
        type,
        source: unescapeOctal(source),
        options: [...(fields[5] as string).split(','), ...superOptions],
        superOptions,
        line,
      });
    } else if (fields.length === 6 && /^\d+$/.test(fields[4] as string) && /^\d+$/.test(fields[5] as string) && (fields[1] as string).startsWith('/')) {
      const [source, mount, type, options] = fields as [string, string, string, string];
      mounts.push({ mount: unescapeOctal(mount), type, source: unescapeOctal(source), options: options.split(','), line });
    }
  }
  return mounts;
}

/** A FUSE filesystem: `fuse`, `fuse.<daemon>` or `fuseblk` (the control filesystem `fusectl` is not one). */
export function isFuse(mount: Pick<Mount, 'type'>): boolean {
  return mount.type === 'fuse' || mount.type === 'fuseblk' || mount.type.startsWith('fuse.');
}

/**
 * The name of a FUSE mount's connection in /sys/fs/fuse/connections: the kernel's number for the
 * device, minor plus major shifted by 20 bits (0:52 is 52; a fuseblk mount of 8:17 is 8388625).
 */
export function fuseConnection(mount: Pick<Mount, 'device'>): number | undefined {
  return mount.device ? mount.device.major * 2 ** 20 + mount.device.minor : undefined;
}
