import { describe, expect, it } from 'vitest';
import { correlate } from '../../src/analysis/correlate.js';
import { buildFacts } from '../../src/analysis/index.js';
import { bundleFromRecord, type Finding, type FindingCode, type Severity } from '../../src/domain/index.js';

const facts = buildFacts(bundleFromRecord({}, { host: 'h' }));

function finding(code: FindingCode, severity: Severity = 'critical', subject?: string): Finding {
  return { code, severity, title: `${code} title`, evidence: [{ spec: 'dmesg', text: code }], fixes: [{ title: 'fix' }], ...(subject ? { subject } : {}) };
}

describe('correlate', () => {
  it('returns no root cause when there are no findings', () => {
    expect(correlate([], facts)[0]).toBeUndefined();
  });

  it('returns no root cause for a host with only risks and nothing critical', () => {
    expect(correlate([finding('DM_LOOP_LVM', 'warning'), finding('STORAGE_DRIVER_RISK', 'warning')], facts)[0]).toBeUndefined();
  });

  it('blames the full thin pool for hung tasks, the D-state pile-up and the load', () => {
    const findings = [
      finding('LOAD_EXTREME'),
      finding('HUNG_TASK'),
      finding('D_STATE_PILEUP', 'warning'),
      finding('DM_POOL_DATA_FULL'),
      finding('DM_OVERCOMMIT', 'warning'),
    ];
    const root = correlate(findings, facts)[0];
    expect(root?.code).toBe('DM_POOL_DATA_FULL');
    expect(root?.explains[0]).toBe('DM_POOL_DATA_FULL');
    expect(root?.explains).toEqual(expect.arrayContaining(['HUNG_TASK', 'D_STATE_PILEUP', 'LOAD_EXTREME']));
    expect(root?.explains).not.toContain('DM_OVERCOMMIT');
  });

  it("blames a hung task for an unresponsive daemon only when the daemon is blocked in the kernel or the task is Docker's own", () => {
    const hung = (task: string): Finding => ({ ...finding('HUNG_TASK'), data: { task, io_class: 'fuse' } });
    const daemon = (state: string): Finding => ({ ...finding('DOCKERD_UNRESPONSIVE'), data: { dockerd_state: state } });
    // a shell's stat on a dead FUSE mount and a dockerd stopped by SIGSTOP: two problems, each its own cause
    expect(correlate([daemon('stopped'), hung('stat')], facts).map((p) => [p.code, p.explains])).toEqual([
      ['DOCKERD_UNRESPONSIVE', ['DOCKERD_UNRESPONSIVE']],
      ['HUNG_TASK', ['HUNG_TASK']],
    ]);
    expect(correlate([daemon('blocked'), hung('stat')], facts)[0]).toMatchObject({ code: 'HUNG_TASK', explains: ['HUNG_TASK', 'DOCKERD_UNRESPONSIVE'] });
    // a daemon that times out with no state of its own: its own hung task explains it, a stranger's does not
    expect(correlate([finding('DOCKERD_UNRESPONSIVE'), hung('dockerd-current')], facts)[0]).toMatchObject({ code: 'HUNG_TASK', explains: ['HUNG_TASK', 'DOCKERD_UNRESPONSIVE'] });
    expect(correlate([finding('DOCKERD_UNRESPONSIVE'), hung('stat')], facts)[0]).toMatchObject({ code: 'DOCKERD_UNRESPONSIVE', explains: ['DOCKERD_UNRESPONSIVE'] });
  });

  it('blames the containerd restore failure for an unresponsive daemon', () => {
    const root = correlate([finding('DOCKERD_UNRESPONSIVE'), finding('CONTAINERD_RESTORE_FAILED')], facts)[0];
    expect(root).toMatchObject({ code: 'CONTAINERD_RESTORE_FAILED', explains: ['CONTAINERD_RESTORE_FAILED', 'DOCKERD_UNRESPONSIVE'] });
  });

  it('ties an unbounded JVM heap to the OOM kill of the same container only', () => {
    const same = correlate([finding('CONTAINER_OOM_KILLED', 'critical', '812c82c5a7a5'), finding('JVM_HEAP_UNBOUNDED', 'warning', '812c82c5a7a5ae05')], facts)[0];
    expect(same?.code).toBe('JVM_HEAP_UNBOUNDED');
    const other = correlate([finding('CONTAINER_OOM_KILLED', 'critical', '812c82c5a7a5'), finding('JVM_HEAP_UNBOUNDED', 'warning', 'aaaaaaaaaaaa')], facts)[0];
    expect(other?.code).toBe('CONTAINER_OOM_KILLED');
    expect(other?.explains).toEqual(['CONTAINER_OOM_KILLED']);
  });

  it('ties an unhealthy container to the OOM kill of a process of its own, and to a full data root where its log says a write was refused', () => {
    const [kill] = correlate([finding('CONTAINER_UNHEALTHY', 'warning', '812c82c5a7a5ae05'), finding('CONTAINER_OOM_KILLED', 'critical', '812c82c5a7a5')], facts);
    expect(kill).toMatchObject({ code: 'CONTAINER_OOM_KILLED', explains: ['CONTAINER_OOM_KILLED', 'CONTAINER_UNHEALTHY'] });
    const other = correlate([finding('CONTAINER_UNHEALTHY', 'warning', 'aaaaaaaaaaaa'), finding('CONTAINER_OOM_KILLED', 'critical', '812c82c5a7a5')], facts);
    expect(other.map((p) => p.explains)).toEqual([['CONTAINER_OOM_KILLED']]);
    const root = { ...finding('FS_FULL'), data: { docker_root: '/var/lib/docker' } };
    const refused = { ...finding('CONTAINER_UNHEALTHY', 'warning', 'bbbbbbbbbbbb'), data: { out_of_space: true } };
    expect(correlate([refused, root], facts)[0]).toMatchObject({ code: 'FS_FULL', explains: ['FS_FULL', 'CONTAINER_UNHEALTHY'] });
    expect(correlate([finding('CONTAINER_UNHEALTHY', 'warning', 'bbbbbbbbbbbb'), root], facts)[0]?.explains).toEqual(['FS_FULL']);
  });

  it('only blames a full filesystem for a full pool when the pool lives in a loop file on it', () => {
    const findings = [finding('FS_FULL'), finding('DM_POOL_DATA_FULL'), finding('FS_IO_ERROR')];
    const onLoop = buildFacts(bundleFromRecord({}, { host: 'h' }));
    onLoop.docker.info = { dataFile: '/dev/loop0', lines: new Map() };
    expect(correlate(findings, onLoop)[0]?.code).toBe('FS_FULL');
    const direct = buildFacts(bundleFromRecord({}, { host: 'h' }));
    direct.docker.info = { dataFile: '/dev/sda3', lines: new Map() };
    expect(correlate(findings, direct)[0]?.explains).not.toContain('DM_POOL_DATA_FULL');
  });

  it('blames a huge log for a full filesystem only when it lives there and takes a third of what is used', () => {
    const disk = buildFacts(bundleFromRecord({ df: 'Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/sdb1 ext4 100000000 98000000 2000000 98% /data\n' }, { host: 'h' }));
    const full: Finding = { ...finding('FS_FULL'), subject: '/data', data: { mount: '/data', size_bytes: 100e9 * 1.024, available_bytes: 2e9 * 1.024, docker_root: '/data/docker' } };
    const log = (bytes: number, path = '/data/docker/containers/abc/abc-json.log'): Finding => ({ ...finding('CONTAINER_LOGS_HUGE', 'warning'), data: { log_path: path, log_bytes: bytes } });
    expect(correlate([full, log(80e9)], disk)[0]?.code).toBe('CONTAINER_LOGS_HUGE');
    expect(correlate([full, log(12e9)], disk)[0]?.code).toBe('FS_FULL');
    expect(correlate([full, log(80e9, '/var/lib/docker/containers/abc/abc-json.log')], disk)[0]?.code).toBe('FS_FULL');
  });

  it('ties an unresponsive daemon to a full filesystem only when that filesystem holds its data root, and never to a stopped one', () => {
    const full = (root: string | null): Finding => ({ ...finding('FS_FULL'), subject: '/data', data: { mount: '/data', docker_root: root } });
    const hung: Finding = { ...finding('DOCKERD_UNRESPONSIVE'), data: {} };
    expect(correlate([full('/data/docker'), hung], facts)[0]?.explains).toEqual(['FS_FULL', 'DOCKERD_UNRESPONSIVE']);
    expect(correlate([full(null), hung], facts).map((p) => p.explains)).toEqual([['DOCKERD_UNRESPONSIVE'], ['FS_FULL']]);
    const stopped: Finding = { ...finding('DOCKERD_UNRESPONSIVE'), data: { dockerd_state: 'stopped' } };
    expect(correlate([full('/data/docker'), stopped], facts).map((p) => p.explains)).toEqual([['DOCKERD_UNRESPONSIVE'], ['FS_FULL']]);
    expect(correlate([finding('HUNG_TASK'), stopped], facts).map((p) => p.explains)).toEqual([['DOCKERD_UNRESPONSIVE'], ['HUNG_TASK']]);
  });
});

describe('correlate: separate problems', () => {
  it('reports unrelated current problems each with its own cause, never one forced root cause', () => {
    const problems = correlate([finding('DOCKERD_UNRESPONSIVE'), finding('CONTAINERD_RESTORE_FAILED'), finding('KERNEL_OOM_KILL'), finding('CONTAINER_KILLED_137', 'warning')], facts);
    expect(problems.map((p) => ({ code: p.code, explains: p.explains }))).toEqual([
      { code: 'CONTAINERD_RESTORE_FAILED', explains: ['CONTAINERD_RESTORE_FAILED', 'DOCKERD_UNRESPONSIVE'] },
      { code: 'KERNEL_OOM_KILL', explains: ['KERNEL_OOM_KILL', 'CONTAINER_KILLED_137'] },
    ]);
  });

  it('puts a daemon that does not answer first, before a longer chain it is not part of', () => {
    // a paused container's frozen tasks explain the load; dockerd, stopped by a signal, explains nothing but blocks every container operation
    const stopped: Finding = { ...finding('DOCKERD_UNRESPONSIVE'), data: { dockerd_state: 'stopped' } };
    const problems = correlate([finding('D_STATE_PILEUP', 'warning'), finding('LOAD_EXTREME'), stopped, finding('FS_FULL')], facts);
    expect(problems.map((p) => ({ code: p.code, explains: p.explains }))).toEqual([
      { code: 'DOCKERD_UNRESPONSIVE', explains: ['DOCKERD_UNRESPONSIVE'] },
      { code: 'D_STATE_PILEUP', explains: ['D_STATE_PILEUP', 'LOAD_EXTREME'] },
      { code: 'FS_FULL', explains: ['FS_FULL'] },
    ]);
    // a chain that reaches the daemon leads with its cause, before a longer one that does not
    const chains = correlate([finding('KERNEL_OOM_KILL'), finding('CONTAINER_KILLED_137', 'warning'), finding('CONTAINER_RESTART_LOOP', 'warning'), finding('VETH_UNREGISTER_LEAK'), finding('DOCKERD_UNRESPONSIVE')], facts);
    expect(chains.map((p) => p.explains)).toEqual([
      ['VETH_UNREGISTER_LEAK', 'DOCKERD_UNRESPONSIVE'],
      ['KERNEL_OOM_KILL', 'CONTAINER_KILLED_137', 'CONTAINER_RESTART_LOOP'],
    ]);
  });

  it('makes several findings of one code one problem: what each explains joins the chain, and the title names the others', () => {
    // a hung task on a frozen filesystem explains the pile-up; one on NFS and one nothing else explains go with it
    const hung = (task: string, io_class: string): Finding => ({ ...finding('HUNG_TASK', 'critical', task), title: `${task} blocked`, data: { task, io_class } });
    const problems = correlate([hung('touch', 'fs-frozen'), finding('D_STATE_PILEUP', 'warning'), hung('df', 'nfs'), hung('rsync', 'unknown'), finding('VETH_UNREGISTER_LEAK')], facts);
    expect(problems.map((p) => ({ code: p.code, title: p.title, explains: p.explains }))).toEqual([
      { code: 'HUNG_TASK', title: 'touch blocked; and 2 more: df, rsync', explains: ['HUNG_TASK', 'D_STATE_PILEUP'] },
      { code: 'VETH_UNREGISTER_LEAK', title: 'VETH_UNREGISTER_LEAK title', explains: ['VETH_UNREGISTER_LEAK'] },
    ]);
    // two full filesystems, each the cause of a container's end: one problem with both chains
    const full = (mount: string, container: string): Finding[] => [
      { ...finding('FS_FULL', 'critical', mount), title: `Filesystem full: ${mount}`, data: { docker_root: '/var/lib/docker' } },
      { ...finding('CONTAINER_EXITED', 'warning', container), data: { container_id: container, out_of_space: true } },
    ];
    const [disk] = correlate([...full('/var', 'a'.repeat(64)), ...full('/srv', 'b'.repeat(64)), finding('FS_IO_ERROR')], facts);
    expect(disk?.title).toBe('Filesystem full: /var; and 1 more: /srv');
    expect(disk?.explains).toEqual(['FS_FULL', 'FS_IO_ERROR', 'CONTAINER_EXITED']);
  });

  it('makes a lone critical finding its own problem beside a chain', () => {
    const problems = correlate([finding('HUNG_TASK'), finding('LOAD_EXTREME'), finding('VETH_UNREGISTER_LEAK')], facts);
    expect(problems.map((p) => p.code)).toEqual(['HUNG_TASK', 'VETH_UNREGISTER_LEAK']);
  });

  it('ties a task hung tearing down network devices to the leaked device, and only that kind of hang', () => {
    const netdevHang = { ...finding('HUNG_TASK'), data: { io_class: 'netdev' } };
    const [problem] = correlate([netdevHang, finding('VETH_UNREGISTER_LEAK')], facts);
    expect(problem).toMatchObject({ code: 'VETH_UNREGISTER_LEAK', explains: ['VETH_UNREGISTER_LEAK', 'HUNG_TASK'] });
    const journalHang = { ...finding('HUNG_TASK'), data: { io_class: 'jbd2' } };
    expect(correlate([journalHang, finding('VETH_UNREGISTER_LEAK')], facts).map((p) => p.code)).toEqual(['HUNG_TASK', 'VETH_UNREGISTER_LEAK']);
  });

  it('tells what a hung task does by what it waits for', () => {
    const summary = (io_class: string) => correlate([{ ...finding('HUNG_TASK'), data: { io_class } }], facts)[0]?.summary;
    expect(summary('netdev')).toMatch(/tearing down network devices/);
    expect(summary('nfs')).toMatch(/NFS server/);
    expect(summary('freezer')).toMatch(/frozen/);
    expect(summary('freezer')).not.toMatch(/I\/O/);
  });
});
