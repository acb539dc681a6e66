import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../src/analysis/facts/index.js';
import { memoryOf } from '../../src/analysis/facts/docker.js';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/domain/index.js';
import { fixedClock } from '../../src/domain/index.js';
import { shellArg } from '../../src/domain/shell.js';
import { collectBundle, findPlaybook, loadPlaybooks, type Playbook } from '../../src/playbooks/index.js';
import { LocalRunner } from '../helpers/local-runner.js';

const shipped = await loadPlaybooks('playbooks');
const MIB = 2 ** 20;
const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);
const NO_LIMIT_V1 = '9223372036854771712';

/**
 * Runs each command in a mount namespace of its own whose /sys/fs/cgroup is a tmpfs laid out as a
 * Docker host's (files of the kernel's format, one value each; memory.stat "key value" lines), with
 * the shell given: the step's own command line, on each layout, without touching this machine's
 * cgroups. The namespace, and its mount, end with the command.
 */
class CgroupTreeRunner implements CommandRunner {
  readonly host = 'localhost';
  private readonly local = new LocalRunner();
  constructor(
    private readonly tree: Record<string, string>,
    private readonly shell: string,
  ) {}
  run(command: string, options: RunOptions): Promise<CommandResult> {
    const files = Object.entries(this.tree).map(([path, content]) => `mkdir -p ${shellArg(path.slice(0, path.lastIndexOf('/')))} && printf '%s\\n' ${shellArg(content)} > ${shellArg(path)}`);
    const inside = ['mount -t tmpfs sickbay-test /sys/fs/cgroup', ...files, `exec ${this.shell} -c ${shellArg(command)}`].join(' && ');
    return this.local.run(`exec unshare --mount --propagation private sh -c ${shellArg(inside)}`, options);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function v1(dir: string, usage: number, inactive: number, peak: number, limit: string): Record<string, string> {
  return {
    [`${dir}/memory.usage_in_bytes`]: String(usage),
    [`${dir}/memory.max_usage_in_bytes`]: String(peak),
    [`${dir}/memory.limit_in_bytes`]: limit,
    // the lines grep keeps, among others it leaves
    [`${dir}/memory.stat`]: `cache ${inactive}\nrss ${usage - inactive}\ninactive_file ${inactive}\ntotal_cache ${inactive}\ntotal_inactive_file ${inactive}`,
    [`${dir}/memory.failcnt`]: '0',
  };
}

function v2(dir: string, usage: number, inactive: number, max: string): Record<string, string> {
  return {
    [`${dir}/memory.current`]: String(usage),
    [`${dir}/memory.max`]: max,
    [`${dir}/memory.stat`]: `anon ${usage - inactive}\nfile ${inactive}\nactive_file 0\ninactive_file ${inactive}`,
    [`${dir}/memory.events`]: 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1',
  };
}

async function collect(playbookName: string, tree: Record<string, string>, shell = 'sh', params: Record<string, string> = {}) {
  const playbook = findPlaybook(shipped, playbookName);
  const step = playbook.steps.find((s) => s.spec === 'container_memory');
  if (!step) throw new Error(`${playbookName} has no container_memory step`);
  const only: Playbook = { ...playbook, steps: [step], remediations: [] };
  return collectBundle({ runner: new CgroupTreeRunner(tree, shell), host: 'localhost', playbook: only, params, clock: fixedClock('2026-12-06T12:00:00Z') });
}

const V1_CGROUPFS = {
  ...v1(`/sys/fs/cgroup/memory/docker/${A}`, 300 * MIB, 100 * MIB, 400 * MIB, String(512 * MIB)),
  ...v1(`/sys/fs/cgroup/memory/docker/${B}`, 40 * MIB, 0, 80 * MIB, NO_LIMIT_V1),
  // the docker cgroup's own files, and a cgroup that is not a container's
  '/sys/fs/cgroup/memory/docker/memory.usage_in_bytes': String(340 * MIB),
  '/sys/fs/cgroup/memory/system.slice/sshd.service/memory.usage_in_bytes': String(5 * MIB),
};

describe('the container_memory step, run for real by each shell on each cgroup layout', () => {
  for (const shell of ['sh', 'bash', 'busybox sh']) {
    it(`${shell}: reads every container of cgroup v1 (cgroupfs driver) and nothing else, exit 0`, async () => {
      const bundle = await collect('docker-host', V1_CGROUPFS, shell);
      expect(bundle.meta.steps?.['container_memory']).toMatchObject({ exit: 0, timed_out: false });
      const docker = buildFacts(bundle).docker;
      expect(docker.memory.map((r) => r.container).sort()).toEqual([A, B]);
      expect(memoryOf(docker, A)).toMatchObject({ workingSetBytes: 200 * MIB, peakBytes: 400 * MIB, limitBytes: 512 * MIB, cgroupVersion: 1 });
      expect(memoryOf(docker, B)).toMatchObject({ workingSetBytes: 40 * MIB });
      expect(memoryOf(docker, B)?.limitBytes).toBeUndefined();
      // grep keeps only the lines the parser reads: usage, peak, limit and the two inactive_file lines of each
      expect(bundle.files.get('container_memory')?.trim().split('\n')).toHaveLength(10);
    });
  }

  it('reads the systemd driver on cgroup v1', async () => {
    const bundle = await collect('docker-host', v1(`/sys/fs/cgroup/memory/system.slice/docker-${A}.scope`, 64 * MIB, 0, 64 * MIB, NO_LIMIT_V1));
    expect(buildFacts(bundle).docker.memory).toMatchObject([{ container: A, workingSetBytes: 64 * MIB, cgroupVersion: 1 }]);
  });

  it('reads cgroup v2 under both drivers: memory.current, memory.max "max" or a number, no memory.peak', async () => {
    const tree = { ...v2(`/sys/fs/cgroup/system.slice/docker-${A}.scope`, 700 * MIB, 200 * MIB, 'max'), ...v2(`/sys/fs/cgroup/docker/${B}`, 50 * MIB, 0, String(256 * MIB)), '/sys/fs/cgroup/cgroup.controllers': 'cpu io memory pids' };
    const bundle = await collect('docker-host', tree);
    expect(bundle.meta.steps?.['container_memory']).toMatchObject({ exit: 0 });
    const docker = buildFacts(bundle).docker;
    expect(memoryOf(docker, A)).toMatchObject({ workingSetBytes: 500 * MIB, cgroupVersion: 2 });
    expect(memoryOf(docker, A)?.limitBytes).toBeUndefined();
    expect(memoryOf(docker, B)).toMatchObject({ workingSetBytes: 50 * MIB, limitBytes: 256 * MIB });
  });

  it('prints nothing and succeeds on a host with no container running', async () => {
    const bundle = await collect('docker-host', { '/sys/fs/cgroup/memory/docker/memory.usage_in_bytes': '0' });
    expect(bundle.meta.steps?.['container_memory']).toMatchObject({ exit: 0 });
    expect(bundle.files.get('container_memory')).toBe('');
    expect(buildFacts(bundle).docker.memory).toEqual([]);
  });

  it("the container playbook reads only its container's cgroup, by the id prefix it was given", async () => {
    const bundle = await collect('container', V1_CGROUPFS, 'sh', { container: B.slice(0, 12) });
    expect(buildFacts(bundle).docker.memory.map((r) => r.container)).toEqual([B]);
  });
});
