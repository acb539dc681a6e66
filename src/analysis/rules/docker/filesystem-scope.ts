/**
 * Which df rows describe a real filesystem worth a finding. Overlay/aufs mounts under Docker's
 * root repeat the filesystem below them, squashfs and ISO images are full by design, and kernel
 * pseudo filesystems never fill.
 */
const SKIP_TYPES = new Set(['overlay', 'aufs', 'squashfs', 'iso9660', 'udf', 'devtmpfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'nsfs', 'autofs']);

export function isReportableFilesystem(fs: { source: string; type?: string; mount: string }): boolean {
  if (fs.type && SKIP_TYPES.has(fs.type)) return false;
  if (fs.source === 'overlay' || fs.source === 'none') return false;
  // A container's /dev/shm: 64 MB by default and the container's own business.
  if (fs.source === 'shm' && /\/containers\/[0-9a-f]{12,64}\/(?:mounts\/)?shm$/.test(fs.mount)) return false;
  if (fs.mount.startsWith('/snap/')) return false;
  return true;
}

/**
 * A key shared by the df rows of one filesystem mounted in several places (bind mounts: a
 * container host's /etc/hosts, /etc/resolv.conf and /etc/hostname, kubelet volume subpaths): the
 * same device with the same figures. Virtual sources (tmpfs, shm) are never merged, as two tmpfs
 * of one size are different filesystems.
 */
export function filesystemKey(fs: { source: string; mount: string }, figures: readonly number[]): string {
  const device = fs.source.startsWith('/') || fs.source.includes(':');
  return device ? `${fs.source}|${figures.join('|')}` : `mount:${fs.mount}`;
}
