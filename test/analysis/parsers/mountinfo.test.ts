import { describe, expect, it } from 'vitest';
import { fuseConnection, isFuse, parseMounts } from '../../../src/analysis/parsers/mountinfo.js';

describe('parseMounts', () => {
  it('reads mountinfo: device, mount point, type, source and both option lists, past optional fields', () => {
    // The example of Documentation/filesystems/proc.rst ("3.5 /proc/<pid>/mountinfo"), then lines
    // in the shape this machine's kernel 6.18 prints (no optional fields, an sshfs mount).
    const mounts = parseMounts(
      [
        '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
        '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
        '112 27 0:52 / /mnt/remote\\040copy rw,nosuid,nodev,relatime - fuse.sshfs me@files.example.org:/srv rw,user_id=0,group_id=0',
        'not a mount line',
        '',
      ].join('\n'),
    );
    expect(mounts.map(({ line: _, ...m }) => m)).toEqual([
      { device: { major: 98, minor: 0 }, mount: '/mnt2', type: 'ext3', source: '/dev/root', options: ['rw', 'noatime', 'rw', 'errors=continue'], superOptions: ['rw', 'errors=continue'] },
      { device: { major: 254, minor: 0 }, mount: '/', type: 'ext4', source: '/dev/vda', options: ['rw', 'relatime', 'rw', 'discard'], superOptions: ['rw', 'discard'] },
      { device: { major: 0, minor: 52 }, mount: '/mnt/remote copy', type: 'fuse.sshfs', source: 'me@files.example.org:/srv', options: ['rw', 'nosuid', 'nodev', 'relatime', 'rw', 'user_id=0', 'group_id=0'], superOptions: ['rw', 'user_id=0', 'group_id=0'] },
    ]);
    expect(mounts[2]?.line).toMatchObject({ spec: 'mountinfo', line: 3 });
  });

  it('reads /proc/mounts, which has no device numbers', () => {
    const [nfs] = parseMounts('files.example.org:/export /mnt/shared nfs4 rw,relatime,vers=4.2,hard,proto=tcp,timeo=600,retrans=2 0 0\n');
    expect(nfs).toMatchObject({ mount: '/mnt/shared', type: 'nfs4', source: 'files.example.org:/export' });
    expect(nfs?.device).toBeUndefined();
    expect(nfs?.options).toContain('hard');
  });

  it('names FUSE mounts and their connection: the minor of an anonymous device, major << 20 | minor of a block device', () => {
    expect(['fuse', 'fuse.sshfs', 'fuseblk', 'fusectl', 'ext4'].map((type) => isFuse({ type }))).toEqual([true, true, true, false, false]);
    expect(fuseConnection({ device: { major: 0, minor: 52 } })).toBe(52);
    expect(fuseConnection({ device: { major: 8, minor: 17 } })).toBe(8 * 1048576 + 17);
    expect(fuseConnection({})).toBeUndefined();
  });
});
