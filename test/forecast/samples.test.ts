import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFacts, capacityFacts } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { bundleFromRecord } from '../../src/domain/index.js';
import {
  capacitySamples,
  CapacitySampleSchema,
  ForecastError,
  parseResourceKey,
  resourceKey,
  samplesFromCapacity,
  type CapacitySample,
} from '../../src/forecast/index.js';
import { INCIDENTS_DIR, incidentBundles } from '../helpers/fixtures.js';

const bundleOf = (name: string) => readBundle(join(INCIDENTS_DIR, name));
const byKey = (samples: readonly CapacitySample[]) => new Map(samples.map((s) => [resourceKey(s), s]));

describe('capacitySamples', () => {
  it('reads the full thin pool, the filesystems, the container logs and the D-state pile-up of redis-dm-pool-full', async () => {
    const samples = byKey(capacitySamples(await bundleOf('redis-dm-pool-full')));
    const at = Date.parse('2016-03-04T06:32:11Z') / 1000;
    // docker info: "Data Space Used: 1.677 TB", "Data Space Total: 1.677 TB" (decimal units).
    expect(samples.get('thinpool_data:docker-8:2-4851000-pool')).toEqual({
      host: 'redis-docker-07',
      at,
      kind: 'thinpool_data',
      id: 'docker-8:2-4851000-pool',
      used: 1.677e12,
      total: 1.677e12,
    });
    expect(samples.get('thinpool_metadata:docker-8:2-4851000-pool')).toMatchObject({ used: 852.1e6, total: 10.74e9 });
    // df -PT "/dev/sda2 ext4 103081248 38514220 59412966 40% /": total is used + available.
    expect(samples.get('fs:/')).toMatchObject({ used: 38514220 * 1024, total: (38514220 + 59412966) * 1024 });
    // The per-container thin devices under /var/lib/docker are the pool's business, not resources.
    expect([...samples.keys()].filter((k) => k.startsWith('fs:/var/lib/docker'))).toEqual([]);
    const logs = [...samples.values()].filter((s) => s.kind === 'container_log');
    expect(logs).toHaveLength(21);
    expect(samples.get('container_log:5c478a2ed2e2f4a2a24e1f45c0f3ab0f8b41f6c6c53b69cdb9babb93e62023c1')).toMatchObject({
      used: 153370229,
      total: (38514220 + 59412966) * 1024,
      mount: '/',
    });
    expect(samples.get('dstate:')).toMatchObject({ value: 37 });
    expect(samples.get('load1:')).toMatchObject({ value: 5126.47 });
  });

  it('keeps one sample per real mount: no overlay, container shm or pseudo filesystems', async () => {
    const samples = capacitySamples(await bundleOf('mesos-container-stop-timeout'));
    const mounts = samples.filter((s) => s.kind === 'fs').map((s) => s.id);
    expect(mounts).toEqual(['/', '/dev/shm', '/run', '/sys/fs/cgroup', '/boot', '/data', '/run/user/0']);
  });

  it('reads inodes from df -PTi, and the full /var of debian-dockerd-down-after-upgrade is at its total', async () => {
    const samples = byKey(capacitySamples(await bundleOf('debian-dockerd-down-after-upgrade')));
    expect(samples.get('inodes:/var')).toMatchObject({ used: 1310720, total: 1310720 });
    expect(samples.get('inodes:/')).toMatchObject({ used: 121402, total: 605824 });
    expect(samples.has('inodes:/dev')).toBe(false);
  });

  it('gives valid samples for every incident bundle, and a thin pool only where docker info, dmsetup or lvs has one', async () => {
    for (const { name, dir } of incidentBundles()) {
      const bundle = await readBundle(dir);
      const samples = capacitySamples(bundle);
      for (const s of samples) expect(CapacitySampleSchema.safeParse(s).success, `${name}: ${resourceKey(s)}`).toBe(true);
      const pools = capacityFacts(buildFacts(bundle)).pools;
      expect(samples.filter((s) => s.kind === 'thinpool_data').length, name).toBe(pools.filter((p) => p.dataTotalBytes !== undefined).length);
      expect(new Set(samples.map(resourceKey)).size, `${name}: one sample per resource`).toBe(samples.length);
    }
  });

  it("samples thin pools from dmsetup status and lvs when docker info did not answer, each pool once under docker info's name", () => {
    const at = { host: 'dm-1', at: 1_700_000_000 };
    // kernel lines of a direct-lvm pool with thin volumes (LVM's -tpool layer) and of a VM pool; lvs lists both again
    const dmsetup_status = [
      'docker-thinpool-tpool: 0 209715200 thin-pool 1 179/524288 4664/1638400 - rw discard_passdown queue_if_no_space - 1024',
      'vms-pool: 0 104857600 thin-pool 441 697/2048 20663/102400 - rw no_discard_passdown queue_if_no_space -',
    ].join('\n');
    const lvs = '  docker/thinpool|twi-aot---|107374182400|0.28|0.03|2147483648\n  vms/pool|twi-aot---|53687091200|20.18|34.03|8388608\n  data/lv0|-wi-ao----|1073741824|||\n';
    const hung = capacitySamples(bundleFromRecord({ dmsetup_status, lvs }), at).filter((s) => s.kind.startsWith('thinpool'));
    expect(hung.map(resourceKey)).toEqual(['thinpool_data:docker-thinpool', 'thinpool_metadata:docker-thinpool', 'thinpool_data:vms-pool', 'thinpool_metadata:vms-pool']);
    // the kernel's exact counts, not lvs's rounded percentages
    expect(hung[0]).toMatchObject({ used: 4664 * 65536, total: 107374182400 });
    expect(hung[2]).toMatchObject({ used: 20663 * 524288, total: 104857600 * 512 });
    // the same host with its daemon answering: docker info's pool is the same resource, not a third one
    const info = 'Storage Driver: devicemapper\n Pool Name: docker-thinpool\n Data Space Used: 305.7 MB\n Data Space Total: 107.4 GB\n Metadata Space Used: 733.2 kB\n Metadata Space Total: 2.147 GB\n';
    const answered = capacitySamples(bundleFromRecord({ docker_info: info, dmsetup_status, lvs }), at).filter((s) => s.kind === 'thinpool_data');
    expect(answered.map((s) => [s.id, 'used' in s ? s.used : undefined])).toEqual([
      ['docker-thinpool', 305.7e6],
      ['vms-pool', 20663 * 524288],
    ]);
    // lvs alone: its percentages of the sizes it prints
    const lvsOnly = capacitySamples(bundleFromRecord({ lvs }), at).filter((s) => s.id === 'vms-pool');
    expect(lvsOnly.map((s) => ('used' in s ? [s.kind, Math.round(s.used), s.total] : []))).toEqual([
      ['thinpool_data', Math.round(53687091200 * 0.2018), 53687091200],
      ['thinpool_metadata', Math.round(8388608 * 0.3403), 8388608],
    ]);
  });

  it('gives no gauge for what was not collected, rather than a zero', () => {
    const samples = capacitySamples(bundleFromRecord({ df: 'Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 ext4 100 40 60 40% /\n' }), {
      host: 'web-1',
      at: 1_700_000_000,
    });
    expect(samples.map(resourceKey)).toEqual(['fs:/']);
  });

  it('leaves out a container log whose filesystem df did not list', () => {
    const cap = {
      filesystems: [],
      inodes: [],
      pools: [],
      containerLogs: [{ containerId: 'a'.repeat(64), bytes: 10, path: `/var/lib/docker/containers/${'a'.repeat(64)}/${'a'.repeat(64)}-json.log` }],
      dStateProcesses: 0,
      load1: null,
    };
    expect(samplesFromCapacity('web-1', 1_700_000_000, cap).map(resourceKey)).toEqual(['dstate:']);
  });

  it('drops a mount whose name cannot be a resource key rather than storing it', () => {
    const cap = {
      filesystems: [{ mount: '/mnt/a\nb', source: '/dev/sdb', usedBytes: 1, capacityBytes: 2 }],
      inodes: [],
      pools: [],
      containerLogs: [],
      dStateProcesses: null,
      load1: null,
    };
    expect(samplesFromCapacity('web-1', 1_700_000_000, cap)).toEqual([]);
  });

  it('refuses a bundle with no host or no time, naming what is missing', () => {
    const bundle = bundleFromRecord({ uptime: 'load average: 1.00, 1.00, 1.00' });
    expect(() => capacitySamples(bundle, { at: 1_700_000_000 })).toThrow(expect.objectContaining({ code: 'sample_host_invalid' }));
    expect(() => capacitySamples(bundle, { host: 'web 1', at: 1_700_000_000 })).toThrow(/"web 1" is not a host name/);
    expect(() => capacitySamples(bundle, { host: 'web-1' })).toThrow(ForecastError);
    expect(() => capacitySamples(bundle, { host: 'web-1' })).toThrow(expect.objectContaining({ code: 'sample_time_invalid' }));
    expect(() => capacitySamples(bundle, { host: 'web-1', at: 1.5 })).toThrow(/need the time they were taken/);
  });
});

describe('CapacitySampleSchema', () => {
  const ok = { host: 'web-1', at: 1_700_000_000, kind: 'fs', id: '/data', used: 1, total: 2 };

  it('accepts each kind with its own id and fields', () => {
    expect(CapacitySampleSchema.parse(ok)).toEqual(ok);
    expect(CapacitySampleSchema.parse({ ...ok, kind: 'container_log', id: 'ab12cd34ef56', mount: '/' }).kind).toBe('container_log');
    expect(CapacitySampleSchema.parse({ host: 'web-1', at: 1_700_000_000, kind: 'load1', id: '', value: 0.5 }).kind).toBe('load1');
  });

  it.each([
    ['a total of zero', { ...ok, total: 0 }],
    ['a negative used', { ...ok, used: -1 }],
    ['a relative mount', { ...ok, id: 'data' }],
    ['a fractional time', { ...ok, at: 1.5 }],
    ['a time past 2106', { ...ok, at: 2 ** 32 }],
    ['a time in 1970', { ...ok, at: 86_400 }],
    ['a hostile host', { ...ok, host: 'web;id' }],
    ['a container log without its mount', { ...ok, kind: 'container_log', id: 'ab12cd34ef56' }],
    ['a container id that is not hex', { ...ok, kind: 'container_log', id: 'not-a-container', mount: '/' }],
    ['a fractional D-state count', { host: 'web-1', at: 1_700_000_000, kind: 'dstate', id: '', value: 1.5 }],
    ['an unknown kind', { ...ok, kind: 'swap' }],
  ])('refuses %s', (_, sample) => {
    expect(CapacitySampleSchema.safeParse(sample).success).toBe(false);
  });
});

describe('resource keys', () => {
  it('round-trip, ids with colons included', () => {
    for (const r of [
      { kind: 'fs', id: '/var/lib/docker' },
      { kind: 'thinpool_data', id: 'docker-8:2-4851000-pool' },
      { kind: 'load1', id: '' },
    ] as const) {
      expect(parseResourceKey(resourceKey(r))).toEqual(r);
    }
  });

  it('refuses a key with an unknown kind or no colon', () => {
    expect(() => parseResourceKey('swap:/')).toThrow(expect.objectContaining({ code: 'resource_key_invalid' }));
    expect(() => parseResourceKey('fs')).toThrow(/not a resource key/);
  });
});
