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
