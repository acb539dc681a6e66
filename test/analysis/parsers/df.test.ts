import { describe, expect, it } from 'vitest';
import { parseDf } from '../../../src/analysis/parsers/df.js';
import { parseDfInodes } from '../../../src/analysis/parsers/df-inodes.js';
import { fixtureText } from './fixture-text.js';

describe('parseDf', () => {
  it('reads df -hT with human sizes in powers of 1024', () => {
    const root = parseDf(fixtureText('centos-rootfs-full-ro', 'df'))[0];
    expect(root).toMatchObject({ source: '/dev/mapper/centos-root', type: 'xfs', mount: '/', usePct: 100, sizeBytes: 50 * 2 ** 30, availableBytes: 134 * 2 ** 20 });
  });

  it('reads df -PT in 1024-blocks, long device names included', () => {
    const rows = parseDf(fixtureText('redis-dm-pool-full', 'df'));
    expect(rows.length).toBe(24);
    expect(rows[3]).toMatchObject({ type: 'ext4', sizeBytes: 103081248 * 1024, usePct: 4 });
    expect(rows[3]?.mount.startsWith('/var/lib/docker/devicemapper/mnt/')).toBe(true);
  });

  it('reads df -h without a Type column and folds device names wrapped onto their own line', () => {
    const text = [
      'Filesystem            Size  Used Avail Use% Mounted on',
      '/dev/sda1              20G   19G  1.0G  95% /',
      '/dev/mapper/vg_docker-lv_very_long_name',
      '                      100G   50G   50G  50% /var/lib/docker',
      'fileserver:/export/home with spaces',
      '                      1.0T  100G  924G  10% /mnt/home dir',
    ].join('\n');
    const rows = parseDf(text);
    expect(rows.map((r) => [r.source, r.mount, r.usePct, r.type])).toEqual([
      ['/dev/sda1', '/', 95, undefined],
      ['/dev/mapper/vg_docker-lv_very_long_name', '/var/lib/docker', 50, undefined],
    ]);
    expect(rows[1]?.line.line).toBe(3);
  });

  it('reads df -P without a Type column', () => {
    const rows = parseDf('Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/vda1        41152736 39000000   2152736      95% /\n');
    expect(rows[0]).toMatchObject({ source: '/dev/vda1', sizeBytes: 41152736 * 1024, usePct: 95, mount: '/' });
  });
});

describe('parseDfInodes', () => {
  it('reads df -PTi and skips filesystems without inode figures', () => {
    const rows = parseDfInodes(fixtureText('debian-dockerd-down-after-upgrade', 'df_inodes'));
    expect(rows.find((r) => r.mount === '/var')).toMatchObject({ inodes: 1310720, used: 1310720, usePct: 100, type: 'ext4' });
    expect(parseDfInodes('Filesystem Inodes IUsed IFree IUse% Mounted on\n/dev/sdb1 0 0 0 - /boot/efi\n')).toEqual([]);
  });
});

describe('parseDfTable on other hosts', () => {
  it('reads a header in the host language and human inode counts', () => {
    const rows = parseDfInodes('S.ficheros     Nodos-i NUsados NLibres NUso% Montado en\ntmpfs             800K    800K       0  100% /run\n');
    expect(rows).toEqual([expect.objectContaining({ source: 'tmpfs', mount: '/run', inodes: 800 * 1024, used: 800 * 1024, usePct: 100 })]);
    const de = parseDf('Dateisystem    Typ  1K-Blöcke   Benutzt Verfügbar Verw% Eingehängt auf\n/dev/sda1      ext4  41152736  39000000   2152736   95% /\n');
    expect(de[0]).toMatchObject({ source: '/dev/sda1', type: 'ext4', sizeBytes: 41152736 * 1024, usePct: 95, mount: '/' });
  });

  it('keeps a CIFS source that holds spaces whole', () => {
    const rows = parseDf(
      'Filesystem                      1024-blocks        Used  Available Capacity Mounted on\n//example.com/Some Storage/Test 17179803648 15080666092 2099137556      88% /mnt/test\n',
    );
    expect(rows[0]).toMatchObject({ source: '//example.com/Some Storage/Test', usePct: 88, mount: '/mnt/test', sizeBytes: 17179803648 * 1024 });
  });
});
