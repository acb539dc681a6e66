import { describe, expect, it } from 'vitest';
import { parseContainerMemory } from '../../../src/analysis/parsers/container-memory.js';

const MIB = 2 ** 20;
const HOLDS = '718fe9f1bb4e456655478da7cb5ca4a4ce710049a8018fc8095710a77d3fc26f';
const CACHE = '51675b5f9bbf66570b620f314de6df8ba8513e589acdfa1a337816f5c0c0ba18';

/**
 * The container_memory step run for real on this project's test machine (Debian's docker.io
 * 20.10.24, kernel 6.18, cgroup v1, cgroupfs driver): holds-40m keeps 40 MB in /dev/shm and has no
 * limit; cache-at-limit wrote 200 MB through a 64 MiB limit, so its cgroup is mostly page cache.
 * docker stats --no-stream, run between two identical readings, showed 38.54MiB and 1.082MiB.
 */
const CAPTURED_V1 = [
  `/sys/fs/cgroup/memory/docker/${CACHE}/memory.usage_in_bytes:26300416`,
  `/sys/fs/cgroup/memory/docker/${CACHE}/memory.max_usage_in_bytes:66351104`,
  `/sys/fs/cgroup/memory/docker/${CACHE}/memory.limit_in_bytes:67108864`,
  `/sys/fs/cgroup/memory/docker/${CACHE}/memory.stat:inactive_file 25165824`,
  `/sys/fs/cgroup/memory/docker/${CACHE}/memory.stat:total_inactive_file 25165824`,
  `/sys/fs/cgroup/memory/docker/${HOLDS}/memory.usage_in_bytes:40415232`,
  `/sys/fs/cgroup/memory/docker/${HOLDS}/memory.max_usage_in_bytes:40742912`,
  `/sys/fs/cgroup/memory/docker/${HOLDS}/memory.limit_in_bytes:9223372036854771712`,
  `/sys/fs/cgroup/memory/docker/${HOLDS}/memory.stat:inactive_file 0`,
  `/sys/fs/cgroup/memory/docker/${HOLDS}/memory.stat:total_inactive_file 0`,
  '',
].join('\n');

describe('parseContainerMemory', () => {
  it("reads a real cgroup v1 host: docker stats' working set to the byte, the peak, and no limit for the unlimited one", () => {
    const readings = parseContainerMemory(CAPTURED_V1);
    expect(readings.map((r) => r.container)).toEqual([CACHE, HOLDS]);
    const [cache, holds] = readings;
    // 26300416 - 25165824 = 1134592 = 1.082 MiB, 40415232 = 38.54 MiB: what docker stats printed
    expect(cache).toMatchObject({ source: 'cgroup', cgroupVersion: 1, workingSetBytes: 1134592, peakBytes: 66351104, limitBytes: 64 * MIB });
    expect(holds).toMatchObject({ workingSetBytes: 40415232, peakBytes: 40742912 });
    expect(holds?.limitBytes).toBeUndefined();
    expect(holds?.line).toEqual({ spec: 'container_memory', line: 6, text: `/sys/fs/cgroup/memory/docker/${HOLDS}/memory.usage_in_bytes:40415232` });
  });

  it('reads cgroup v2 under the systemd driver: memory.current, memory.max "max", no memory.peak before kernel 5.19', () => {
    // the v2 files are one value each, memory.stat "key value" lines (Documentation/admin-guide/cgroup-v2.rst)
    const id = 'c3a1d9e0b2f44d5c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d';
    const other = 'aa'.repeat(32);
    const text = [
      `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.current:734003200`,
      `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.max:max`,
      `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.stat:inactive_file 209715200`,
      `/sys/fs/cgroup/docker/${other}/memory.current:52428800`,
      `/sys/fs/cgroup/docker/${other}/memory.peak:104857600`,
      `/sys/fs/cgroup/docker/${other}/memory.max:268435456`,
      `/sys/fs/cgroup/docker/${other}/memory.stat:inactive_file 0`,
    ].join('\n');
    const [a, b] = parseContainerMemory(text);
    expect(a).toMatchObject({ container: id, cgroupVersion: 2, workingSetBytes: 500 * MIB });
    expect(a?.limitBytes).toBeUndefined();
    expect(a?.peakBytes).toBeUndefined();
    expect(b).toMatchObject({ container: other, cgroupVersion: 2, workingSetBytes: 50 * MIB, peakBytes: 100 * MIB, limitBytes: 256 * MIB });
  });

  it('reads the systemd driver on cgroup v1 and takes total_inactive_file (the hierarchy), as docker stats does', () => {
    const id = 'bb'.repeat(32);
    const dir = `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope`;
    const [r] = parseContainerMemory([`${dir}/memory.usage_in_bytes:300000000`, `${dir}/memory.stat:inactive_file 1000`, `${dir}/memory.stat:total_inactive_file 100000000`].join('\n'));
    expect(r).toMatchObject({ container: id, cgroupVersion: 1, workingSetBytes: 200000000 });
  });

  it("reads containers under any parent: a --cgroup-parent, and the kubelet's pods in both of its drivers' layouts", () => {
    // the kubelet's cgroupfs layout as a /proc/PID/cgroup line of a public test shows it
    // ("4:memory:/kubepods/burstable/pod8e9a7fc0-4e11-4497-a424-19b9713eff0e/8953402928cc..."), and its
    // systemd layout (kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid with _>.slice/docker-<id>.scope)
    const k8s = '8953402928cc7fc95c7dc7bdb75b194139fe29e8fa196d7f90924deb29164366';
    const pod = '/sys/fs/cgroup/memory/kubepods/burstable/pod8e9a7fc0-4e11-4497-a424-19b9713eff0e';
    const scope = `/sys/fs/cgroup/memory/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b4a2c1e_5d6f_4a7b_8c9d_0e1f2a3b4c5d.slice/docker-${'cc'.repeat(32)}.scope`;
    const parent = `/sys/fs/cgroup/memory/batch/${'dd'.repeat(32)}`;
    const text = [
      // the pod's own cgroup holds all its containers: not one of them
      `${pod}/memory.usage_in_bytes:999999999`,
      `${pod}/${k8s}/memory.usage_in_bytes:104857600`,
      `${pod}/${k8s}/memory.limit_in_bytes:178257920`,
      `${scope}/memory.usage_in_bytes:20971520`,
      `${parent}/memory.usage_in_bytes:10485760`,
      `${parent}/memory.limit_in_bytes:67108864`,
    ].join('\n');
    expect(parseContainerMemory(text).map((r) => [r.container, r.workingSetBytes, r.limitBytes])).toEqual([
      [k8s, 100 * MIB, 178257920],
      ['cc'.repeat(32), 20 * MIB, undefined],
      ['dd'.repeat(32), 10 * MIB, 64 * MIB],
    ]);
  });

  it("reads docker stats --no-stream in each release's layout", () => {
    // docs.docker.com/reference/cli/docker/container/stats (Docker 1.13+: CONTAINER ID and NAME)
    const current = [
      'CONTAINER ID   NAME                                    CPU %     MEM USAGE / LIMIT     MEM %     NET I/O          BLOCK I/O        PIDS',
      'b95a83497c91   awesome_brattain                        0.28%     5.629MiB / 1.952GiB   0.28%     916B / 0B        147kB / 0B       9',
      'e5c383697914   test-1951.1.kay7x1lh1twk9c0oig50sd5tr   0.00%     196KiB / 1.952GiB     0.01%     71.2kB / 0B      770kB / 0B       1',
    ].join('\n');
    expect(parseContainerMemory(current).map((r) => [r.container, r.name, r.workingSetBytes])).toEqual([
      ['b95a83497c91', 'awesome_brattain', 5.629 * MIB],
      ['e5c383697914', 'test-1951.1.kay7x1lh1twk9c0oig50sd5tr', 196 * 1024],
    ]);
    // Docker 1.10 to 1.12's man page (docker-stats.1): one CONTAINER column, spaced units; by name when asked by name
    const old = [
      'CONTAINER           CPU %               MEM USAGE / LIMIT     MEM %               NET I/O             BLOCK I/O',
      '1285939c1fd3        0.07%               796 KiB / 64 MiB      1.21%               788 B / 648 B       3.568 MB / 512 KB',
      'fervent_panini      0.02%               11.08 MiB/1.045 GiB   1.06%               648 B/648 B',
    ].join('\n');
    expect(parseContainerMemory(old).map((r) => [r.container, r.name, r.workingSetBytes])).toEqual([
      ['1285939c1fd3', undefined, 796 * 1024],
      ['fervent_panini', undefined, 11.08 * MIB],
    ]);
    // Docker 1.8, decimal units and no spaces (a 2015 gist, StephanieSunshine/cc6795621bcc0198c74c)
    expect(parseContainerMemory('CONTAINER CPU % MEM USAGE/LIMIT MEM % NET I/O\nc5fd4846b75b 0.05% 86.65 MB/1.041 GB 8.33% 5.461 kB/46.48 kB\n')).toMatchObject([{ container: 'c5fd4846b75b', workingSetBytes: 86.65e6 }]);
  });

  it('reads docker stats --format "{{json .}}" lines (the reference\'s example)', () => {
    const line = '{"BlockIO":"0B / 13.3kB","CPUPerc":"0.03%","Container":"nginx","ID":"ed37317fbf42","MemPerc":"0.24%","MemUsage":"2.352MiB / 982.5MiB","Name":"nginx","NetIO":"539kB / 606kB","PIDs":"2"}';
    expect(parseContainerMemory(line)).toMatchObject([{ container: 'ed37317fbf42', name: 'nginx', source: 'docker-stats', workingSetBytes: 2.352 * MIB }]);
    expect(parseContainerMemory(line)[0]?.limitBytes).toBeUndefined();
  });

  it('skips what is not a reading: headers, errors, other cgroups, a stopped container in docker stats -a', () => {
    const text = [
      'grep: /sys/fs/cgroup/memory/docker/x/memory.stat: No such file or directory',
      '/sys/fs/cgroup/memory/docker/memory.usage_in_bytes:123',
      '/sys/fs/cgroup/memory/system.slice/sshd.service/memory.usage_in_bytes:123',
      `/sys/fs/cgroup/memory/docker/${HOLDS}/memory.usage_in_bytes:garbage`,
      '6c2f9a4c1e3d   stopped   --   -- / --   --   --   --   --',
      '{"MemUsage": 12}',
      '{not json',
    ].join('\n');
    expect(parseContainerMemory(text)).toEqual([]);
    expect(parseContainerMemory('')).toEqual([]);
  });
});
