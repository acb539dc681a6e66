import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';
import { join } from 'node:path';

const NOW = new Date('2026-11-21T00:00:00Z');

/** The cause each incident write-up arrived at, and findings it must explain. */
const EXPECTED_ROOT: ReadonlyArray<[bundle: string, root: string | null, explains: string[]]> = [
  ['redis-dm-pool-full', 'DM_POOL_DATA_FULL', ['HUNG_TASK', 'D_STATE_PILEUP', 'LOAD_EXTREME']],
  ['docker-06-containerd-eof', 'CONTAINERD_RESTORE_FAILED', ['DOCKERD_UNRESPONSIVE']],
  ['liubei-dm-xfs-hang', 'DM_POOL_DATA_FULL', ['HUNG_TASK', 'FS_IO_ERROR', 'DOCKERD_UNRESPONSIVE']],
  ['liubei-dm-after-fix', null, []],
  ['mesos-java-oom-137', 'JVM_HEAP_UNBOUNDED', ['CONTAINER_OOM_KILLED']],
  ['ubuntu-veth-unregister-leak', 'VETH_UNREGISTER_LEAK', ['DOCKERD_UNRESPONSIVE']],
  ['centos-rootfs-full-ro', 'FS_FULL', ['DM_POOL_DATA_FULL', 'FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT']],
  ['centos-dm-loop-pool-full', 'DM_POOL_DATA_FULL', ['FS_IO_ERROR', 'FS_READ_ONLY_REMOUNT']],
  ['debian12-docker20-task-disk-full-exit-1', 'FS_FULL', ['CONTAINER_EXITED']],
];

describe('root cause', () => {
  for (const [bundle, root, explains] of EXPECTED_ROOT) {
    it(`names ${root ?? 'no root cause'} for ${bundle}${explains.length ? ` and ties ${explains.join(', ')} to it` : ''}`, async () => {
      const report = analyze(await readBundle(join(INCIDENTS_DIR, bundle)), { now: NOW });
      expect(report.root_cause?.code ?? null).toBe(root);
      if (root) {
        expect(report.findings[0]?.code, 'the report leads with the root cause').toBe(root);
        expect(report.root_cause?.explains).toEqual(expect.arrayContaining([root, ...explains]));
      }
    });
  }
});
