import { describe, expect, it } from 'vitest';
import { dmLoopLvmRule } from '../../../../src/analysis/rules/docker/dm-loop-lvm.js';
import { dmOvercommitRule } from '../../../../src/analysis/rules/docker/dm-overcommit.js';
import { dmPoolSpaceRule } from '../../../../src/analysis/rules/docker/dm-pool-space.js';
import { lvmPathOf } from '../../../../src/analysis/rules/docker/thin-pool-fixes.js';
import type { Finding } from '../../../../src/domain/index.js';
import { factsFrom, ID, inspectJson, run } from './rule-harness.js';

const GIB = 2 ** 30;

/** docker info of a loop-lvm pool (the layout of Docker 1.10 to 17.x), its data file under `root`. */
function loopInfo(used: string, total: string, available: string, root = '/var/lib/docker', containers = 3): string {
  return [
    `Containers: ${containers}`,
    'Storage Driver: devicemapper',
    ' Pool Name: docker-253:0-1049112-pool',
    ' Base Device Size: 10.74 GB',
    ' Data file: /dev/loop0',
    ' Metadata file: /dev/loop1',
    ` Data Space Used: ${used}`,
    ` Data Space Total: ${total}`,
    ` Data Space Available: ${available}`,
    ' Metadata Space Used: 40.1 MB',
    ' Metadata Space Total: 2.147 GB',
    ` Data loop file: ${root}/devicemapper/devicemapper/data`,
    ` Metadata loop file: ${root}/devicemapper/devicemapper/metadata`,
    `Docker Root Dir: ${root}`,
    '',
  ].join('\n');
}

/** df -PT with 1024-byte blocks, as the playbook collects it. */
function df(...rows: [source: string, type: string, sizeKiB: number, availKiB: number, mount: string][]): string {
  return [
    'Filesystem     Type     1024-blocks      Used Available Capacity Mounted on',
    ...rows.map(([source, type, size, avail, mount]) => `${source} ${type} ${size} ${size - avail} ${avail} ${Math.round(((size - avail) / size) * 100)}% ${mount}`),
    '',
  ].join('\n');
}

const optionsOf = (f: Finding | undefined) => f?.fixes.flatMap((x) => x.daemon_options ?? []) ?? [];
const commandsOf = (f: Finding | undefined) => f?.fixes.flatMap((x) => x.commands ?? []) ?? [];
const KIB_PER_GIB = 1024 * 1024;

describe('sizing a loop-lvm data file from the filesystem under it', () => {
  it("grows a full pool's file to what its filesystem can back, keeping 10 % of it free", () => {
    // a 300 GiB /data with 155 GiB free, the pool's 107.4 GB all used
    const facts = factsFrom({
      docker_info: loopInfo('107.4 GB', '107.4 GB', '0 B', '/data/docker'),
      df: df(['/dev/mapper/centos-root', 'xfs', 50 * KIB_PER_GIB, 46 * KIB_PER_GIB, '/'], ['/dev/vdb', 'xfs', 300 * KIB_PER_GIB, 155 * KIB_PER_GIB, '/data']),
    });
    const [f] = run(dmPoolSpaceRule, facts);
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    // 107.4 GB used + (155 GiB free - 30 GiB kept) = 225.0 GiB
    const expected = Math.floor((107.4e9 + 125 * GIB) / GIB);
    expect(optionsOf(f)).toContain(`--storage-opt dm.loopdatasize=${expected}G`);
    const grow = f?.fixes.find((x) => x.daemon_options?.some((o) => o.includes('loopdatasize')));
    expect(grow?.title).toBe(`Grow the loop file to ${expected} GiB and restart Docker`);
    expect(grow?.detail).toContain('/data (xfs) has 166.4 GB free');
    expect(grow?.commands).toEqual(['df -h /data/docker/devicemapper/devicemapper/data', 'ls -ls /data/docker/devicemapper/devicemapper/data']);
  });

  it('offers no larger file when the filesystem under it is what ran out, and says a file is never shrunk', () => {
    const facts = factsFrom({
      docker_info: loopInfo('48.21 GB', '107.4 GB', '140.5 MB'),
      df: df(['/dev/mapper/centos-root', 'xfs', 50 * KIB_PER_GIB, 137_000, '/']),
    });
    const [f] = run(dmPoolSpaceRule, facts);
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    expect(optionsOf(f).filter((o) => o.includes('loopdatasize'))).toEqual([]);
    const room = f?.fixes.find((x) => x.title.startsWith('The filesystem under the loop file'));
    expect(room?.title).toBe('The filesystem under the loop file cannot give the pool more: free space on / or move the pool to its own disk');
    expect(room?.detail).toContain('the pool already holds 48.21 GB of a 107.4 GB file');
    expect(room?.detail).toContain('never shrunk');
    expect(room?.commands).toEqual(['du -xh --max-depth=2 / | sort -h | tail -20']);
  });

  it('leaves the size open, rather than guess one, when df did not answer', () => {
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: loopInfo('107.4 GB', '107.4 GB', '0 B') }));
    expect(optionsOf(f)).toContain('--storage-opt dm.loopdatasize=<size that fits its filesystem>');
  });

  it('DM_LOOP_LVM warns of a data file promised more than its filesystem holds, quoting the figures', () => {
    // Docker's default 100 GB sparse file on a 20 GiB root with 12 GiB free
    const facts = factsFrom({
      docker_info: loopInfo('2.5 GB', '107.4 GB', '11 GB'),
      df: df(['/dev/sda1', 'ext4', 20 * KIB_PER_GIB, 12 * KIB_PER_GIB, '/']),
    });
    const [f] = run(dmLoopLvmRule, facts);
    const over = f?.fixes.find((x) => x.title.includes('is promised more than'));
    expect(over?.title).toBe('The 107.4 GB data file is promised more than / can hold: move the pool before that filesystem fills');
    expect(over?.detail).toContain('Docker cannot shrink an existing loop file');
    expect(f?.evidence.map((e) => e.spec)).toEqual(['docker_info', 'docker_info', 'docker_info', 'docker_info', 'docker_info', 'df']);
    // a file its filesystem can back draws no such warning
    const roomy = factsFrom({ docker_info: loopInfo('2.5 GB', '107.4 GB', '100 GB'), df: df(['/dev/sdb1', 'xfs', 500 * KIB_PER_GIB, 450 * KIB_PER_GIB, '/']) });
    expect(run(dmLoopLvmRule, roomy)[0]?.fixes.map((x) => x.title)).toEqual(['Move the pool to direct-lvm: an LVM thin pool on its own disk', 'Or leave devicemapper for overlay2']);
  });

  it("moves to direct-lvm as this Docker can: by dm.directlvm_device from 17.06, with LVM's own commands before", () => {
    const withVersion = (version: string) => factsFrom({ docker_info: `Server Version: ${version}\n${loopInfo('2.5 GB', '107.4 GB', '100 GB')}` });
    const [newer] = run(dmLoopLvmRule, withVersion('17.06.0-ce'));
    expect(newer?.fixes[0]?.title).toBe('Move the pool to direct-lvm: Docker 17.06.0-ce sets it up on a spare disk');
    expect(newer?.fixes[0]?.daemon_options).toEqual(['--storage-opt dm.directlvm_device=/dev/<spare disk> --storage-opt dm.thinp_percent=95 --storage-opt dm.thinp_metapercent=1']);
    const [older] = run(dmLoopLvmRule, withVersion('1.13.1'));
    expect(older?.fixes[0]?.detail).toContain('Docker 1.13.1 cannot set it up itself (17.06 can)');
    expect(older?.fixes[0]?.commands?.at(-1)).toBe('lvconvert -y --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta');
    expect(older?.fixes[0]?.daemon_options).toEqual(['--storage-opt dm.thinpooldev=/dev/mapper/docker-thinpool --storage-opt dm.use_deferred_removal=true']);
  });

  it('grows the metadata file to twice its size on loop-lvm', () => {
    const info = loopInfo('10 GB', '107.4 GB', '90 GB').replace(' Metadata Space Used: 40.1 MB', ' Metadata Space Used: 2.14 GB');
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: info }));
    expect(f?.code).toBe('DM_POOL_METADATA_FULL');
    expect(optionsOf(f)).toContain('--storage-opt dm.loopmetadatasize=4G');
    expect(commandsOf(f).filter((c) => c.startsWith('lvextend'))).toEqual([]);
  });
});

describe('growing a pool that is not on loop files', () => {
  const direct = (poolName: string, metadataUsed = '10 MB') =>
    `Storage Driver: devicemapper\n Pool Name: ${poolName}\n Data file: \n Metadata file: \n Data Space Used: 101 GB\n Data Space Total: 101.8 GB\n Data Space Available: 800 MB\n Metadata Space Used: ${metadataUsed}\n Metadata Space Total: 1.069 GB\n`;

  it("reads an LVM thin pool's volume from its device-mapper name, hyphens inside names doubled", () => {
    expect(lvmPathOf('docker-thinpool')).toBe('docker/thinpool');
    expect(lvmPathOf('vg--data-docker--pool')).toBe('vg-data/docker-pool');
    // Docker's own pools (docker-MAJ:MIN-INODE-pool) are no LVM volume
    expect(lvmPathOf('docker-253:0-1049112-pool')).toBeUndefined();
  });

  it('extends the LVM volume of a dm.thinpooldev pool, data and metadata, by its name', () => {
    const [data] = run(dmPoolSpaceRule, factsFrom({ docker_info: direct('vg--data-docker--pool') }));
    expect(commandsOf(data)).toEqual(expect.arrayContaining(['vgs vg-data', 'lvextend -l +100%FREE vg-data/docker-pool']));
    const meta = run(dmPoolSpaceRule, factsFrom({ docker_info: direct('docker-thinpool', '1.048 GB') })).find((f) => f.code === 'DM_POOL_METADATA_FULL');
    expect(commandsOf(meta)).toContain('lvextend --poolmetadatasize +1G docker/thinpool');
  });

  it('quotes a pool name from the host before it reaches a command line', () => {
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: direct('docker-thin$(reboot)pool') }));
    expect(commandsOf(f)).toContain("lvextend -l +100%FREE 'docker/thin$(reboot)pool'");
  });

  it('grows the device of a pool Docker made with dm.datadev, then restarts Docker', () => {
    const onLv = 'Storage Driver: devicemapper\n Pool Name: docker-253:2-67171716-pool\n Data file: /dev/mapper/vg01-docker--data\n Metadata file: /dev/mapper/vg01-docker--meta\n Data Space Used: 54.16 GB\n Data Space Total: 59.06 GB\n';
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: onLv }));
    expect(f?.code).toBe('DM_POOL_DATA_HIGH');
    expect(commandsOf(f)).toEqual(expect.arrayContaining(['vgs vg01', 'lvextend -l +100%FREE vg01/docker-data', 'systemctl restart docker']));
    const onPartition = onLv.replace('/dev/mapper/vg01-docker--data', '/dev/sda3');
    expect(run(dmPoolSpaceRule, factsFrom({ docker_info: onPartition }))[0]?.fixes.map((x) => x.title)).toContain('Grow the device under the pool, /dev/sda3, then restart Docker');
  });
});

describe('DM_OVERCOMMIT', () => {
  it('never offers a smaller dm.basesize for the pool in use (dockerd would not start), and grows the file only as far as needed', () => {
    // 14 containers × 10.74 GB = 150.4 GB promised of a 107.4 GB file, on a roomy /var
    const facts = factsFrom({
      docker_info: loopInfo('20 GB', '107.4 GB', '87 GB', '/var/lib/docker', 14),
      df: df(['/dev/sda1', 'ext4', 20 * KIB_PER_GIB, 10 * KIB_PER_GIB, '/'], ['/dev/sdb1', 'xfs', 1024 * KIB_PER_GIB, 900 * KIB_PER_GIB, '/var/lib/docker']),
    });
    const [f] = run(dmOvercommitRule, facts);
    expect(f?.code).toBe('DM_OVERCOMMIT');
    const stop = f?.fixes[0];
    expect(stop?.daemon_options).toBeUndefined();
    expect(stop?.detail).toContain('Base device size cannot be smaller than');
    // 14 × 10.74 GB = 140.03 GiB: 141 GiB, far less than the filesystem could back
    expect(optionsOf(f)).toContain('--storage-opt dm.loopdatasize=141G');
    const anew = f?.fixes.find((x) => x.title.startsWith('When the pool is made anew'));
    expect(anew?.daemon_options).toEqual(['--storage-opt dm.basesize=7G']);
  });
});

describe('what fills the pool', () => {
  it('names the running containers with no mount at all: everything they write lands in the pool', () => {
    const inspect = JSON.stringify([
      { ...inspectJson({ id: ID('a'), name: 'cache', path: 'redis-server', args: ['/etc/redis.conf'], image: 'registry.local/cache:3.2' }), Mounts: [] },
      { ...inspectJson({ id: ID('b'), name: 'db', path: 'docker-entrypoint.sh', args: ['postgres'], image: 'postgres:9.6' }), Mounts: [{ Type: 'volume', Source: '/var/lib/docker/volumes/x/_data', Destination: '/var/lib/postgresql/data' }] },
      { ...inspectJson({ id: ID('c'), name: 'batch', path: 'sh', args: ['-c', 'run'], running: false, exitCode: 0 }), Mounts: [] },
      // before 1.8: Volumes by their path, none here
      { ...inspectJson({ id: ID('d'), name: 'queue', path: 'beanstalkd', args: [], image: 'registry.local/queue:1' }), Volumes: {} },
    ]);
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: loopInfo('107.4 GB', '107.4 GB', '0 B'), docker_inspect: inspect }));
    const writers = f?.fixes[0];
    expect(writers?.title).toBe('Move heavy writers out of the container filesystem');
    expect(writers?.detail).toContain('These 2 running containers have no volume, so all they write lands in the pool: cache (registry.local/cache:3.2), queue (registry.local/queue:1).');
    expect(writers?.commands?.[0]).toBe("docker ps -s --format '{{.Size}}\\t{{.Names}}' | sort -h | tail");
    // nothing is named where inspect did not say
    const [bare] = run(dmPoolSpaceRule, factsFrom({ docker_info: loopInfo('107.4 GB', '107.4 GB', '0 B') }));
    expect(bare?.fixes[0]?.detail).not.toContain('no volume');
  });
});
