import { describe, expect, it } from 'vitest';
import { parseDmsetupStatus, thinPoolBytes } from '../../../src/analysis/parsers/dmsetup-status.js';
import { parseLvs } from '../../../src/analysis/parsers/lvs.js';

// `sudo dmsetup status` on a live Fedora 22 Atomic host with Docker on loop-lvm, as printed in
// https://www.projectatomic.io/blog/2015/05/building-and-running-live-atomic/ (projectatomic/atomic-site,
// source/blog/2015-05-26-building-and-running-live-atomic.html.md). Kernel 4.0: no needs_check field.
// The same post's docker info says Pool Blocksize 65.54 kB, Data Space Total 107.4 GB, Metadata Space Total 2.147 GB.
const ATOMIC_LIVE = `live-base: 0 10485760 linear 
docker-253:0-278707-base: 0 20971520 thin 596992 20971519
live-rw: 0 10485760 snapshot 632648/1048576 2472
docker-253:0-278707-pool: 0 209715200 thin-pool 1 179/524288 4664/1638400 - rw discard_passdown queue_if_no_space 
`;
// The same host once the overlay under it failed: the kernel put the pool in read-only mode.
const ATOMIC_LIVE_RO = 'docker-253:0-278707-pool: 0 209715200 thin-pool 3 224/524288 8633/1638400 - ro discard_passdown queue_if_no_space ';

// `dmsetup status` of a RHEL host with two LVM thin pools, from the DmsetupStatus parser's
// documentation in https://github.com/RedHatInsights/insights-core (insights/parsers/dmsetup.py).
const RHEL_TWO_POOLS = `rootvg-tanlv: 0 6291456 linear
rootvg-ssnap: 0 16384000 snapshot 1560768/5120000 6088
docker-253:10-4254621-0496628a: 0 20971520 thin 1951744 20971519
rootvg-docker--pool: 0 129548288 thin-pool 1 20/49152 38/126512 - rw no_discard_passdown queue_if_no_space -
rootvg-varvol: 0 18874368 snapshot Invalid
appsvg-lvapps_docker: 0 104857600 thin-pool 441 697/2048 20663/102400 - rw no_discard_passdown queue_if_no_space -
`;

describe('dmsetup status', () => {
  it('reads the thin pool of a loop-lvm host, every other target left out, and sizes it as docker info does', () => {
    const [pool, ...rest] = parseDmsetupStatus(ATOMIC_LIVE);
    expect(rest).toEqual([]);
    expect(pool).toMatchObject({ name: 'docker-253:0-278707-pool', dataUsedBlocks: 4664, dataTotalBlocks: 1638400, metadataUsedBlocks: 179, metadataTotalBlocks: 524288, mode: 'rw', needsCheck: false });
    expect(pool?.line).toMatchObject({ spec: 'dmsetup_status', line: 4 });
    // 64 KiB data blocks (docker info: "Pool Blocksize: 65.54 kB"), 107.4 GB of data, 2.147 GB of metadata
    const bytes = pool ? thinPoolBytes(pool) : {};
    expect(bytes).toEqual({ dataUsedBytes: 4664 * 65536, dataTotalBytes: 107374182400, metadataUsedBytes: 179 * 4096, metadataTotalBytes: 2147483648 });
  });

  it('reads a read-only pool, several pools and 512 KiB blocks', () => {
    expect(parseDmsetupStatus(ATOMIC_LIVE_RO)[0]?.mode).toBe('ro');
    const pools = parseDmsetupStatus(RHEL_TWO_POOLS);
    expect(pools.map((p) => [p.name, p.dataUsedBlocks, p.dataTotalBlocks])).toEqual([
      ['rootvg-docker--pool', 38, 126512],
      ['appsvg-lvapps_docker', 20663, 102400],
    ]);
    expect(pools.map((p) => thinPoolBytes(p).dataTotalBytes)).toEqual([129548288 * 512, 104857600 * 512]);
    expect(pools.map((p) => (p.lengthSectors * 512) / (p.dataTotalBlocks ?? 1))).toEqual([524288, 524288]);
  });

  it("reads the kernel's needs_check flag and a failed pool, which has no figures", () => {
    // the status layout of the kernel's device-mapper/thin-provisioning documentation
    const [checked] = parseDmsetupStatus('docker-thinpool: 0 41943040 thin-pool 7 2050/4096 327600/327680 - rw no_discard_passdown error_if_no_space needs_check 1024\n');
    expect(checked).toMatchObject({ mode: 'rw', needsCheck: true, dataUsedBlocks: 327600 });
    const [failed] = parseDmsetupStatus('docker-thinpool: 0 41943040 thin-pool Fail\n');
    expect(failed).toMatchObject({ name: 'docker-thinpool', mode: 'fail' });
    expect(failed ? thinPoolBytes(failed) : undefined).toEqual({});
  });

  it('gives nothing for a host without device-mapper devices or without root', () => {
    expect(parseDmsetupStatus('No devices found\n')).toEqual([]);
    expect(parseDmsetupStatus('')).toEqual([]);
    expect(parseDmsetupStatus('/dev/mapper/control: open failed: Permission denied\nFailure to communicate with kernel device-mapper driver.\n')).toEqual([]);
  });
});

describe('lvs', () => {
  it('reads the thin pool of `lvs -a`, hidden data and metadata volumes left out (docker/for-linux#731)', () => {
    // https://github.com/docker/for-linux/issues/731 (the reporter's ** bold marks around 100.00 left out)
    const text = `  LV               VG     Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert
  kubernetes       vgpaas -wi-ao---- 10.00g                                                    
  [lvol0_pmspare]  vgpaas ewi-------  5.00g                                                    
  thinpool         vgpaas twi-aot-D- 80.00g             100.00 0.12                            
  [thinpool_tdata] vgpaas Twi-ao---- 80.00g                                                    
  [thinpool_tmeta] vgpaas ewi-ao----  5.00g                                                    
`;
    const [pool, ...rest] = parseLvs(text);
    expect(rest).toEqual([]);
    expect(pool).toMatchObject({ vg: 'vgpaas', lv: 'thinpool', dmName: 'vgpaas-thinpool', sizeBytes: 80 * 2 ** 30, dataPct: 100, metadataPct: 0.12 });
    expect(pool?.line.line).toBe(4);
  });

  it('names a pool as device-mapper and docker info do, a "-" doubled (docker/docs#4166, projectatomic live Atomic)', () => {
    // https://github.com/docker/docs/issues/4166: a row quoted without its header; docker info there says "Pool Name: docker-docker--pool"
    expect(parseLvs('docker-pool         docker twi-aot--- 12.44g             27.35  3.92\n')).toMatchObject([{ dmName: 'docker-docker--pool', dataPct: 27.35, metadataPct: 3.92 }]);
    // the live Atomic post above: docker info there says "Pool Name: docker--images-docker--pool"
    const atomic = `  LV          VG            Attr       LSize Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert
  docker-pool docker-images twi-aotz-- 1.95g             0.56   1.07                            
`;
    expect(parseLvs(atomic).map((p) => p.dmName)).toEqual(['docker--images-docker--pool']);
  });

  it('reads an empty new pool (moby#16092) and the playbook layout with metadata sizes in bytes', () => {
    // https://github.com/moby/moby/issues/16092
    const moby = `  LV        VG     Attr       LSize   Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert
  thin_pool docker twi-a-tz-- 198.00g             0.00   0.03
`;
    expect(parseLvs(moby)).toMatchObject([{ dmName: 'docker-thin_pool', sizeBytes: 198 * 2 ** 30, dataPct: 0, metadataPct: 0.03 }]);
    // lvs --noheadings --nosuffix --units b --separator '|' -o lv_full_name,lv_attr,lv_size,data_percent,metadata_percent,lv_metadata_size
    const playbook = `  docker/thinpool|twi-a-t---|20396900352|96.02|12.50|213909504
  docker/swap|-wi-ao----|2147483648|||
`;
    expect(parseLvs(playbook)).toMatchObject([{ vg: 'docker', lv: 'thinpool', dmName: 'docker-thinpool', sizeBytes: 20396900352, dataPct: 96.02, metadataPct: 12.5, metadataSizeBytes: 213909504 }]);
  });
});
