import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { bundleFromRecord, type Finding } from '../../../../src/domain/index.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const ID = '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60';

/**
 * `docker inspect` of an OOM-killed container, as Docker prints it (the keys the analysis reads;
 * https://docs.docker.com/reference/cli/docker/inspect/), with the runtime under test.
 */
function inspect(opts: { path: string; args: string[]; env?: string[]; image?: string; memory: number }): string {
  return JSON.stringify(
    [
      {
        Id: ID,
        Name: '/app',
        Path: opts.path,
        Args: opts.args,
        RestartCount: 0,
        State: { Status: 'exited', Running: false, OOMKilled: true, ExitCode: 137, FinishedAt: '2026-11-20T23:30:00Z' },
        Config: { Image: opts.image ?? 'app:1', Env: opts.env ?? [] },
        HostConfig: { Memory: opts.memory },
      },
    ],
    null,
    4,
  );
}

function oomFixes(docker_inspect: string): Finding['fixes'] {
  const report = analyze(bundleFromRecord({ docker_inspect }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
  const oom = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED');
  if (!oom) throw new Error('no CONTAINER_OOM_KILLED');
  return oom.fixes;
}
const commands = (fixes: Finding['fixes']) => fixes.flatMap((f) => f.commands ?? []);

describe('CONTAINER_OOM_KILLED fixes computed from the facts', () => {
  it('gives -Xmx sized from the limit to a JVM that ignores the cgroup (8u111)', () => {
    const fixes = oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 2 * 2 ** 30 }));
    expect(commands(fixes)).toContain('-Xmx1536m');
    expect(commands(fixes).join(' ')).not.toContain('MaxRAMPercentage=75.0 ');
  });

  it('adds the experimental cgroup flag only where the JVM has it (8u131 to 8u190, 9)', () => {
    const flag = /UseCGroupMemoryLimitForHeap/;
    const withVersion = (v: string) => commands(oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], env: [`JAVA_VERSION=${v}`], memory: 2 ** 30 }))).join(' ');
    expect(withVersion('8u131')).toMatch(flag);
    expect(withVersion('8u181')).toMatch(flag);
    expect(withVersion('9.0.4')).toMatch(flag);
    expect(withVersion('8u121')).not.toMatch(flag);
    expect(withVersion('7u79')).not.toMatch(flag);
    expect(withVersion('8u191')).not.toMatch(flag);
    expect(withVersion('8u121')).toContain('-Xmx768m');
  });

  it('gives -Xmx, not -XX:MaxRAMPercentage, to 11.0.2 on a cgroup v2 host, where it does not read the limit', () => {
    const docker_info = ['Server:', ' Server Version: 24.0.7', ' Cgroup Driver: systemd', ' Cgroup Version: 2', ''].join('\n');
    const docker_inspect = inspect({ path: 'java', args: ['-jar', 'app.jar'], env: ['JAVA_VERSION=11.0.2'], memory: 2 ** 30 });
    const report = analyze(bundleFromRecord({ docker_info, docker_inspect }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
    const fixes = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.fixes ?? [];
    expect(commands(fixes)).toContain('-Xmx768m');
    expect(commands(fixes).join(' ')).not.toContain('MaxRAMPercentage');
  });

  it.each([['8u191'], ['11.0.2'], ['17.0.9']])('gives -XX:MaxRAMPercentage to a container-aware JVM (%s), never -Xmx', (version) => {
    const fixes = oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], env: [`JAVA_VERSION=${version}`], memory: 2 * 2 ** 30 }));
    expect(commands(fixes)).toContain('-XX:MaxRAMPercentage=75.0');
    expect(commands(fixes).some((c) => c.includes('-Xmx'))).toBe(false);
  });

  it('gives node --max-old-space-size from the limit, and no JVM flag', () => {
    const fixes = oomFixes(inspect({ path: 'node', args: ['server.js'], memory: 2 ** 30 }));
    expect(commands(fixes)).toContain('NODE_OPTIONS=--max-old-space-size=768');
    expect(commands(fixes).join(' ')).not.toMatch(/-Xmx|MaxRAM/);
  });

  it('gives a shell no heap flag at all, and a limit suggested from the limit it hit', () => {
    const fixes = oomFixes(inspect({ path: 'sh', args: ['-c', 'cat /dev/zero | tail'], memory: 32 * 2 ** 20 }));
    expect(commands(fixes).join(' ')).not.toMatch(/-Xmx|MaxRAM|max-old-space/);
    expect(commands(fixes)).toContain('docker update --memory 48m --memory-swap 48m 812c82c5a7a5');
    expect(fixes.map((f) => f.title)).toContain('If the process really needs more, raise the memory limit: 48 MiB, half again the 32.0 MiB it used when killed (rounded up)');
    // larger limits round to coarser steps: 4 GiB used, 6 GiB suggested; 700 MiB used, 1088 MiB (1050 rounded up to 64)
    expect(commands(oomFixes(inspect({ path: 'sh', args: ['-c', 'x'], memory: 4 * 2 ** 30 })))).toContain('docker update --memory 6144m --memory-swap 6144m 812c82c5a7a5');
    expect(commands(oomFixes(inspect({ path: 'sh', args: ['-c', 'x'], memory: 700 * 2 ** 20 })))).toContain('docker update --memory 1088m --memory-swap 1088m 812c82c5a7a5');
  });

  it('tells a container without a limit to set one, not to raise it', () => {
    const fixes = oomFixes(inspect({ path: 'sh', args: ['-c', 'x'], memory: 0 }));
    expect(fixes.map((f) => f.title).join(' ')).toMatch(/Set a memory limit/);
    expect(fixes.map((f) => f.title).join(' ')).not.toMatch(/raise the memory limit/);
  });
});
