import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { bundleFromRecord, type Finding } from '../../../../src/domain/index.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const ID = '812c82c5a7a5ae054e6f242215bdc4415a2d9b690768962a7bcd8d4676b16f60';

/**
 * `docker inspect` of an OOM-killed container, as Docker prints it (the keys the analysis reads;
 * https://docs.docker.com/reference/cli/docker/inspect/), with the runtime under test.
 */
function inspect(opts: { path: string; args: string[]; env?: string[]; image?: string; memory: number; labels?: Record<string, string> }): string {
  return JSON.stringify(
    [
      {
        Id: ID,
        Name: '/app',
        Path: opts.path,
        Args: opts.args,
        RestartCount: 0,
        State: { Status: 'exited', Running: false, OOMKilled: true, ExitCode: 137, FinishedAt: '2026-11-20T23:30:00Z' },
        Config: { Image: opts.image ?? 'app:1', Env: opts.env ?? [], ...(opts.labels ? { Labels: opts.labels } : {}) },
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
/** What a reader is told to run or to set: commands and the container's variables. */
const commands = (fixes: Finding['fixes']) => fixes.flatMap((f) => [...(f.commands ?? []), ...(f.container_env ?? [])]);

/**
 * The CONTAINER_OOM_KILLED of a container Docker started again after the memory cgroup killed its
 * `task` (kernel 6.x, cgroup v1): inspect shows it running (main process pid 100) with only what
 * starts the runtime; ps, with parents, shows the runtime below it.
 */
function killOfRunningAgain(task: string, opts: { path: string; args: string[]; image: string; env: string[]; ps: string[] }, withPs = true): Finding | undefined {
  const dmesg = [
    `[ 7259.991729] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${ID},mems_allowed=0,oom_memcg=/docker/${ID},task_memcg=/docker/${ID},task=${task},pid=3529,uid=0`,
    `[ 7259.991746] Memory cgroup out of memory: Killed process 3529 (${task}) total-vm:3425600kB, anon-rss:1040000kB, file-rss:12960kB, shmem-rss:0kB, UID:0 pgtables:2100kB oom_score_adj:0`,
    '',
  ].join('\n');
  const running = { Status: 'running', Running: true, Pid: 100, OOMKilled: false, ExitCode: 0 };
  const docker_inspect = JSON.stringify([{ Id: ID, Name: '/app', Path: opts.path, Args: opts.args, RestartCount: 1, State: running, Config: { Image: opts.image, Env: opts.env }, HostConfig: { Memory: 2 ** 30 } }], null, 4);
  const ps = ['  PID  PPID STAT ELAPSED WCHAN                            COMMAND', ...opts.ps, ''].join('\n');
  const files: Record<string, string> = withPs ? { dmesg, docker_inspect, ps } : { dmesg, docker_inspect };
  return analyze(bundleFromRecord(files, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW }).findings.find((f) => f.code === 'CONTAINER_OOM_KILLED');
}

describe('CONTAINER_OOM_KILLED fixes computed from the facts', () => {
  it('gives -Xmx sized from the limit to a JVM that ignores the cgroup (8u111)', () => {
    const fixes = oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 2 * 2 ** 30 }));
    expect(commands(fixes)).toContain('JAVA_TOOL_OPTIONS=-Xmx1536m');
    expect(commands(fixes).join(' ')).not.toContain('MaxRAMPercentage=75.0 ');
  });

  it("offers a larger limit to a JVM whose heap follows the host's memory only where its default heap would fit under it", () => {
    // Java 8u111 takes a quarter of the host for its heap: 16 GiB on a 64 GiB host, past a 6 GiB limit too
    const withHost = (memTotalKb: number) => {
      const meminfo = `MemTotal:       ${memTotalKb} kB\nMemAvailable:    1000000 kB\n`;
      const docker_inspect = inspect({ path: 'java', args: ['-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 4 * 2 ** 30 });
      const report = analyze(bundleFromRecord({ docker_inspect, meminfo }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
      return report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.fixes ?? [];
    };
    expect(withHost(64 * 2 ** 20).map((f) => f.title).join(' ')).not.toMatch(/raise the memory limit/);
    // on an 8 GiB host its 2 GiB heap fits under 6 GiB: the larger limit is offered, saying why
    const raise = withHost(8 * 2 ** 20).find((f) => f.title.includes('raise the memory limit'));
    expect(raise?.detail).toBe("Java 8u111 sizes its heap from the host's memory, not the limit: a quarter of the host's 8.0 GiB, 2.0 GiB. That fits under 6144 MiB with room for the rest; bounding the heap still says what it may use.");
    // a share it was given of the host's memory counts, not the default quarter: 64 GiB / 16 fits under 6 GiB
    const fractionOfHost = (() => {
      const meminfo = `MemTotal:       ${64 * 2 ** 20} kB\nMemAvailable:    1000000 kB\n`;
      const docker_inspect = inspect({ path: 'java', args: ['-XX:MaxRAMFraction=16', '-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 4 * 2 ** 30 });
      return analyze(bundleFromRecord({ docker_inspect, meminfo }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW }).findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.fixes ?? [];
    })();
    expect(fractionOfHost.find((f) => f.title.includes('raise the memory limit'))?.detail).toMatch(/^Java 8u111 sizes its heap from the host's memory, not the limit: -XX:MaxRAMFraction=16 of the host's 64\.0 GiB, 4\.0 GiB\. That fits under 6144 MiB/);
    // and the heap fix says what the heap reaches on this host
    expect(fractionOfHost[0]?.detail).toMatch(/without -Xmx it sizes the heap from the host's memory \(here -XX:MaxRAMFraction=16 of the host's 64\.0 GiB, 4\.0 GiB\), grows past the container's limit/);
    // a bounded heap (-Xmx) is the JVM's own business: the limit is the question, without a caveat
    const bounded = inspect({ path: 'java', args: ['-Xmx3g', '-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 4 * 2 ** 30 });
    expect(oomFixes(bounded).find((f) => f.title.includes('raise the memory limit'))?.detail).toBeUndefined();
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
    expect(withVersion('8u121')).toContain('JAVA_TOOL_OPTIONS=-Xmx768m');
  });

  it('gives -Xmx, not -XX:MaxRAMPercentage, to 11.0.2 on a cgroup v2 host, where it does not read the limit', () => {
    const docker_info = ['Server:', ' Server Version: 24.0.7', ' Cgroup Driver: systemd', ' Cgroup Version: 2', ''].join('\n');
    const docker_inspect = inspect({ path: 'java', args: ['-jar', 'app.jar'], env: ['JAVA_VERSION=11.0.2'], memory: 2 ** 30 });
    const report = analyze(bundleFromRecord({ docker_info, docker_inspect }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
    const fixes = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.fixes ?? [];
    expect(commands(fixes)).toContain('JAVA_TOOL_OPTIONS=-Xmx768m');
    expect(commands(fixes).join(' ')).not.toContain('MaxRAMPercentage');
  });

  it.each([['8u191'], ['11.0.2'], ['17.0.9']])('tells a container-aware JVM (%s) killed with its default heap to look outside the heap, never to enlarge it', (version) => {
    const fixes = oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], env: [`JAVA_VERSION=${version}`], memory: 2 * 2 ** 30 }));
    // it reads the limit, so its heap is a quarter of it: a larger share would bring the kill sooner
    expect(fixes[0]?.title).toBe('Look outside the heap: a quarter of the 2 GiB limit keeps it to 512.0 MiB, 25 % of the limit');
    expect(fixes[0]?.detail).toMatch(/NativeMemoryTracking=summary.*MaxMetaspaceSize/);
    expect(commands(fixes).join(' ')).not.toMatch(/MaxRAMPercentage|-Xmx/);
  });

  it("sizes an OpenJ9 JVM's default heap as OpenJ9 does, not as HotSpot's quarter", () => {
    // https://eclipse.dev/openj9/docs/xxusecontainersupport: half of a limit under 1 GB, the limit
    // less 512 MB up to 2 GB, three quarters above. AdoptOpenJDK's and Semeru's JAVA_VERSION name it.
    const openj9 = (memory: number, env: string[] = ['JAVA_VERSION=jdk-11.0.11+9_openj9-0.26.0'], image?: string) =>
      oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], env, memory, ...(image ? { image } : {}) }));
    const twoGiB = openj9(2 * 2 ** 30);
    expect(twoGiB[0]?.title).toBe("Look outside the heap: OpenJ9's default for the 2 GiB limit (the limit less 512 MiB) keeps it to 1.5 GiB, 75 % of the limit");
    // OpenJ9 has neither native memory tracking nor a metaspace: its javacore says what it maps
    expect(twoGiB[0]?.detail).toContain('NATIVEMEMINFO');
    expect(twoGiB[0]?.detail).not.toMatch(/NativeMemoryTracking|MaxMetaspaceSize/);
    expect(openj9(512 * 2 ** 20)[0]?.title).toBe("Look outside the heap: OpenJ9's default for the 512 MiB limit (half the limit) keeps it to 256.0 MiB, 50 % of the limit");
    // IBM Semeru's image, named so
    expect(openj9(4 * 2 ** 30, [], 'ibm-semeru-runtimes:open-17.0.8.1_1-jre')[0]?.title).toBe(
      "Look outside the heap: OpenJ9's default for the 4 GiB limit (three quarters of the limit) keeps it to 3.0 GiB, 75 % of the limit",
    );
    // a share it is given is its own, as for HotSpot: all of the limit is lowered where it is set
    expect(openj9(2 ** 30, ['JAVA_VERSION=jdk-11.0.11+9_openj9-0.26.0', 'JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=100'])[0]?.title).toBe(
      'Lower the heap below the limit: -Xmx768m in place of -XX:MaxRAMPercentage=100 of the 1 GiB limit',
    );
    // the same JVM on HotSpot: a quarter
    expect(openj9(2 * 2 ** 30, ['JAVA_VERSION=11.0.11'])[0]?.title).toBe('Look outside the heap: a quarter of the 2 GiB limit keeps it to 512.0 MiB, 25 % of the limit');
  });

  it('lowers an -Xmx that fills the limit, where it is set, and sizes a larger limit from the heap', () => {
    // on the command line (Path and Args): said where, nothing to set in a variable
    const onCommand = oomFixes(inspect({ path: 'java', args: ['-Xmx2g', '-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 2 * 2 ** 30 }));
    expect(onCommand[0]?.title).toBe('Lower the heap below the limit: -Xmx1536m in place of -Xmx2g');
    expect(onCommand[0]?.detail).toMatch(/^-Xmx2g lets the heap alone grow to 2\.0 GiB, the whole 2 GiB limit\. The memory cgroup counts .* It is on the container's command line/);
    expect(onCommand[0]?.container_env).toBeUndefined();
    expect(onCommand.find((f) => f.title.includes('raise the memory limit'))?.title).toBe('If the process really needs more, raise the memory limit: 3072 MiB, half again the 2.0 GiB it used when killed (rounded up)');
    // in JAVA_OPTS, which catalina.sh puts on java's command line: a later -Xmx there wins, and its value is never repeated
    const inVariable = oomFixes(inspect({ path: 'catalina.sh', args: ['run'], env: ['JAVA_VERSION=8u111', 'JAVA_OPTS=-Dtoken=s3cret -Xmx4g'], memory: 2 * 2 ** 30 }));
    expect(inVariable[0]?.title).toBe('Lower the heap below the limit: -Xmx1536m in place of -Xmx4g');
    expect(inVariable[0]?.detail).toMatch(/grow to 4\.0 GiB, more than the whole 2 GiB limit\..* It is set in JAVA_OPTS; a later option there wins\.$/);
    expect(inVariable[0]?.container_env).toEqual(['JAVA_OPTS=<what it holds now> -Xmx1536m']);
    expect(JSON.stringify(inVariable)).not.toContain('s3cret');
    // a larger limit must hold that heap and a quarter more, not only half again what it used when killed
    expect(inVariable.find((f) => f.title.includes('raise the memory limit'))?.title).toBe('If the process really needs more, raise the memory limit: 5632 MiB, its 4.0 GiB heap and a quarter more for the rest (rounded up)');
    // 95 % of the limit leaves too little too; 75 % is the heap's own business
    expect(oomFixes(inspect({ path: 'java', args: ['-Xmx1946m', '-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 2 * 2 ** 30 }))[0]?.detail).toMatch(/95 % of the 2 GiB limit, leaving 102\.0 MiB for the rest/);
    expect(oomFixes(inspect({ path: 'java', args: ['-Xmx1536m', '-jar', 'app.jar'], env: ['JAVA_VERSION=8u111'], memory: 2 * 2 ** 30 }))[0]?.title).toBe('Look outside the heap: -Xmx1536m keeps it to 1.5 GiB, 75 % of the limit');
  });

  it('takes the last heap option the JVM reads: JAVA_TOOL_OPTIONS first, the command line, _JAVA_OPTIONS last', () => {
    const title = (args: string[], env: string[]) => oomFixes(inspect({ path: 'java', args, env: ['JAVA_VERSION=8u111', ...env], memory: 2 ** 30 }))[0]?.title;
    expect(title(['-Xmx512m', '-jar', 'a.jar'], ['JAVA_TOOL_OPTIONS=-Xmx1g'])).toBe('Look outside the heap: -Xmx512m keeps it to 512.0 MiB, 50 % of the limit');
    expect(title(['-Xmx512m', '-jar', 'a.jar'], ['_JAVA_OPTIONS=-Xmx1g'])).toBe('Lower the heap below the limit: -Xmx768m in place of -Xmx1g');
    expect(title(['-Xmx1g', '-Xmx256m', '-jar', 'a.jar'], [])).toBe('Look outside the heap: -Xmx256m keeps it to 256.0 MiB, 25 % of the limit');
    expect(title(['-XX:MaxHeapSize=1073741824', '-jar', 'a.jar'], [])).toBe('Lower the heap below the limit: -Xmx768m in place of -XX:MaxHeapSize=1073741824');
  });

  it('sizes a share of the limit as HotSpot does: MaxRAMPercentage, MaxRAMFraction, the experimental flag, and the minimum share of small memory', () => {
    const fixes = (env: string[], memory: number, version = '17.0.9') => oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], env: [`JAVA_VERSION=${version}`, ...env], memory }));
    // JAVA_OPTS reaches java only through a shell or a launcher that puts it on the command line
    const viaShell = (env: string[], memory: number, version: string) => oomFixes(inspect({ path: 'sh', args: ['-c', 'exec java $JAVA_OPTS -jar app.jar'], env: [`JAVA_VERSION=${version}`, ...env], memory }));
    // 100 % of the limit, from JAVA_TOOL_OPTIONS: an -Xmx there outranks the share
    const all = fixes(['JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=100.0'], 2 ** 30);
    expect(all[0]?.title).toBe('Lower the heap below the limit: -Xmx768m in place of -XX:MaxRAMPercentage=100.0 of the 1 GiB limit');
    expect(all[0]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=<what it holds now> -Xmx768m']);
    // the experimental flag of 8u131 to 8u190 with MaxRAMFraction=1: the whole limit
    expect(viaShell(['JAVA_OPTS=-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=1'], 2 ** 30, '8u151')[0]?.title).toBe(
      'Lower the heap below the limit: -Xmx768m in place of -XX:MaxRAMFraction=1 of the 1 GiB limit',
    );
    // under about 250 MiB the JVM takes the minimum share, 50 % by default: MaxRAMPercentage=90 does not fill 200 MiB
    expect(fixes(['JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=90'], 200 * 2 ** 20)[0]?.title).toBe(
      'Look outside the heap: its minimum share (-XX:MinRAMPercentage, 50 by default) of the 200 MiB limit, which the JVM takes for small memory keeps it to 100.0 MiB, 50 % of the limit',
    );
    // a JVM blind to the limit with -XX:MaxRAM sized past it
    expect(viaShell(['JAVA_OPTS=-XX:MaxRAM=8g'], 2 * 2 ** 30, '8u111')[0]?.title).toBe('Lower the heap below the limit: -Xmx1536m in place of a quarter of -XX:MaxRAM=8g');
  });

  it('offers a container-aware JVM with -Xmx the share that follows the limit instead', () => {
    const fixes = oomFixes(inspect({ path: 'java', args: ['-Xmx1g', '-jar', 'app.jar'], env: ['JAVA_VERSION=17.0.9'], memory: 2 ** 30 }));
    expect(fixes.map((f) => f.title).slice(0, 2)).toEqual(['Lower the heap below the limit: -Xmx768m in place of -Xmx1g', 'Or let the heap follow the limit: -XX:MaxRAMPercentage=75.0 in place of -Xmx1g']);
  });

  it('quotes the line that sets the heap beside the kill', () => {
    const report = analyze(
      bundleFromRecord({ docker_inspect: inspect({ path: 'sh', args: ['-c', 'exec java $JAVA_OPTS -jar app.jar'], env: ['JAVA_VERSION=8u111', 'JAVA_OPTS=-Xmx4g'], memory: 2 * 2 ** 30 }) }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }),
      { now: NOW },
    );
    const oom = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED');
    expect(oom?.evidence.map((e) => e.text.trim())).toContain('"JAVA_OPTS=-Xmx4g"');
  });

  it('gives node --max-old-space-size from the limit, and no JVM flag', () => {
    const fixes = oomFixes(inspect({ path: 'node', args: ['server.js'], memory: 2 ** 30 }));
    expect(commands(fixes)).toContain('NODE_OPTIONS=--max-old-space-size=768');
    const withOptions = oomFixes(inspect({ path: 'node', args: ['server.js'], env: ['NODE_OPTIONS=--require /otel/register.js'], memory: 2 ** 30 }));
    expect(commands(withOptions)).toContain('NODE_OPTIONS=<what it holds now> --max-old-space-size=768');
    // an empty NODE_OPTIONS= holds nothing to keep, as an empty JAVA_TOOL_OPTIONS= does for a JVM
    const emptyOptions = oomFixes(inspect({ path: 'node', args: ['server.js'], env: ['NODE_OPTIONS='], memory: 2 ** 30 }));
    expect(commands(emptyOptions)).toContain('NODE_OPTIONS=--max-old-space-size=768');
    expect(commands(fixes).join(' ')).not.toMatch(/-Xmx|MaxRAM/);
    // node reads a cgroup v1 limit since 12 and a v2 one since 20, and even then may take nearly all of a small one
    expect(fixes.find((f) => f.title.startsWith('Cap the V8 heap'))?.detail).toMatch(/before 12 on cgroup v1, before 20 on cgroup v2.*close to the whole limit/);
  });

  it("changes node's own heap bound where it is given, and looks outside a heap bounded well inside the limit", () => {
    // on node's command line, which outranks NODE_OPTIONS: nothing set there in vain
    const onCommand = oomFixes(inspect({ path: 'node', args: ['--max-old-space-size=4096', 'server.js'], memory: 2 ** 30 }));
    expect(onCommand[0]?.title).toMatch(/^Cap the V8 heap below the container limit: --max-old-space-size=768 for 1\.0 GiB in place of --max-old-space-size=4096 on its command line$/);
    expect(onCommand[0]?.detail).toBe(
      "--max-old-space-size=4096 lets the V8 heap take 400 % of the 1.0 GiB limit, leaving too little for Buffers, native memory and the code. It is on the container's command line, which outranks NODE_OPTIONS: change it where the container is defined.",
    );
    expect(onCommand[0]?.container_env).toBeUndefined();
    // in NODE_OPTIONS: a later one there wins
    expect(oomFixes(inspect({ path: 'node', args: ['server.js'], env: ['NODE_OPTIONS=--max-old-space-size=1024'], memory: 2 ** 30 }))[0]?.container_env).toEqual(['NODE_OPTIONS=<what it holds now> --max-old-space-size=768']);
    // a quarter of the limit: the heap is not what grew
    const inside = oomFixes(inspect({ path: 'node', args: ['server.js'], env: ['NODE_OPTIONS=--max-old-space-size=256'], memory: 2 ** 30 }));
    expect(inside[0]?.title).toBe('Look outside the V8 heap: --max-old-space-size=256 keeps it to 256 MiB, 25 % of the limit');
    expect(commands(inside).join(' ')).not.toContain('--max-old-space-size');
  });

  it('reads the node that runs again after the kill from ps, below npm start, with the bound its start script gives it', () => {
    // npm's own node, then the shell of the start script, then the application's node with its bound
    const kill = killOfRunningAgain('node', {
      path: 'docker-entrypoint.sh',
      args: ['npm', 'start'],
      image: 'node:20',
      env: ['NODE_VERSION=20.11.1'],
      ps: [
        '  100    80 Ssl      60 ep_poll                          node /usr/local/bin/npm start',
        '  120   100 S        60 do_wait                          sh -c node --max-old-space-size=4096 dist/server.js',
        '  121   120 Sl       59 ep_poll                          node --max-old-space-size=4096 dist/server.js',
      ],
    });
    expect(kill?.fixes[0]?.title).toBe('Cap the V8 heap below the container limit: --max-old-space-size=768 for 1.0 GiB in place of --max-old-space-size=4096 on its command line');
    expect(kill?.fixes[0]?.detail).toContain("A script puts it on node's command line (ps shows it there; the container's command does not hold it), which outranks NODE_OPTIONS");
    expect(kill?.fixes[0]?.container_env).toBeUndefined();
    expect(kill?.evidence.filter((e) => e.spec === 'ps').map((e) => e.line)).toEqual([4]);
    // ps shows that node, with no bound of its own: NODE_OPTIONS is where one goes, and no script's bound is to be looked for
    const unbounded = killOfRunningAgain('node', {
      path: 'docker-entrypoint.sh',
      args: ['npm', 'start'],
      image: 'node:20',
      env: ['NODE_VERSION=20.11.1'],
      ps: ['  100    80 Ssl      60 ep_poll                          node /usr/local/bin/npm start', '  121   100 Sl       59 ep_poll                          node dist/server.js'],
    });
    expect(unbounded?.fixes[0]?.container_env).toEqual(['NODE_OPTIONS=--max-old-space-size=768']);
    expect(unbounded?.fixes[0]?.detail).not.toContain('through npm or a script');
  });

  it('sets a variable where it lasts: in what its scheduler starts the container from', () => {
    const envFix = (more: { env?: string[]; labels?: Record<string, string> }) =>
      oomFixes(inspect({ path: 'java', args: ['-jar', 'app.jar'], memory: 2 * 2 ** 30, ...more, env: ['JAVA_VERSION=8u111', ...(more.env ?? [])] })).find((f) => f.container_env?.length);
    expect(envFix({})?.env_where).toBeUndefined();
    expect(envFix({ env: ['MARATHON_APP_ID=/shop/api'] })?.env_where).toBe('the env of Marathon app /shop/api (Marathon starts each task from the app)');
    expect(envFix({ labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' } })?.env_where).toBe('the environment of Compose service api in its file, then docker compose -p shop up -d api');
    expect(envFix({ labels: { 'com.docker.swarm.service.name': 'shop_api' } })?.env_where).toBe("Swarm service shop_api's env (docker service update --env-add)");
  });

  it('changes the limit where it lasts: in what its scheduler starts it from, not by a docker update it would undo', () => {
    const raise = (more: { env?: string[]; labels?: Record<string, string> }) =>
      oomFixes(inspect({ path: 'sh', args: ['-c', 'exec ./worker'], memory: 2 ** 30, ...more })).find((f) => f.title.includes('raise the memory limit'));
    // nothing recreates it: docker update
    expect(raise({})?.commands).toEqual([`docker update --memory 1536m --memory-swap 1536m ${ID.slice(0, 12)}`]);
    // a Compose service: its file, then recreate it
    const compose = raise({ labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'worker' } });
    expect(compose?.commands).toEqual(['docker compose -p shop up -d worker']);
    expect(compose?.detail).toContain('Compose recreates service worker from its file, so a docker update is undone then: set its limit there (mem_limit: 1536m');
    // a Marathon task: the app's mem
    const marathon = raise({ env: ['MARATHON_APP_ID=/business/worker'] });
    expect(marathon?.commands).toEqual([`curl -X PUT -H 'Content-Type: application/json' "$MARATHON_URL"/v2/apps/business/worker -d '{"mem": 1536}'`]);
    expect(marathon?.detail).toContain("Marathon gives app /business/worker's tasks its mem (MiB) as their limit");
    // a Swarm service and a pod: the service, the pod's owner
    expect(raise({ labels: { 'com.docker.swarm.service.name': 'web' } })?.commands).toEqual(['docker service update --limit-memory 1536m web']);
    expect(raise({ labels: { 'io.kubernetes.pod.name': 'api-7d9f-x2k4q', 'io.kubernetes.pod.namespace': 'shop' } })?.detail).toContain("resources.limits.memory (1536Mi)");
  });

  it("says what node's own release does with the limit, from NODE_VERSION or the image tag", () => {
    const detail = (opts: { env?: string[]; image?: string }) => oomFixes(inspect({ path: 'docker-entrypoint.sh', args: ['node', 'server.js'], memory: 2 ** 30, ...opts })).find((f) => f.title.startsWith('Cap the V8 heap'))?.detail;
    // the official images set NODE_VERSION (https://github.com/nodejs/docker-node)
    expect(detail({ env: ['NODE_VERSION=10.24.1'] })).toBe("node 10 (NODE_VERSION=10.24.1) does not read a cgroup v1 limit (12+ does): it sizes its heap from the host's memory.");
    expect(detail({ env: ['NODE_VERSION=18.20.4'] })).toMatch(/^node 18 \(NODE_VERSION=18\.20\.4\) reads the cgroup v1 limit, but it may still allow a heap close to the whole limit/);
    expect(detail({ image: 'node:8-alpine' })).toBe("node 8 (image tag 8-alpine) does not read a cgroup v1 limit (12+ does): it sizes its heap from the host's memory.");
    // on cgroup v2 the line moves to 20
    const docker_info = ['Server:', ' Server Version: 24.0.7', ' Cgroup Driver: systemd', ' Cgroup Version: 2', ''].join('\n');
    const docker_inspect = inspect({ path: 'node', args: ['server.js'], env: ['NODE_VERSION=18.20.4'], memory: 2 ** 30 });
    const v2 = analyze(bundleFromRecord({ docker_info, docker_inspect }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
    expect(v2.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.fixes[0]?.detail).toBe(
      "node 18 (NODE_VERSION=18.20.4) does not read a cgroup v2 limit (20+ does): it sizes its heap from the host's memory.",
    );
    // an image that only has node in its name says nothing
    expect(detail({ image: 'nodered/node-red:3.1' })).toMatch(/^node sizes its heap from the host's memory where it cannot read the limit/);
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

  it("says what the container uses of its limit now: near it, the limit is short; far below, it was a peak or a leak", () => {
    // the real-docker fixture's kill (kernel 6.x, cgroup v1) of a container with a 32 MiB limit
    const MEMHOG = 'bb8efa844fd039b8d6be4235fb503abe6a818c073ab6e71019bcae6bf5ecf302';
    const dmesg = [
      '[ 7259.991636] memory: usage 32768kB, limit 32768kB, failcnt 0',
      `[ 7259.991729] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${MEMHOG},mems_allowed=0,oom_memcg=/docker/${MEMHOG},task_memcg=/docker/${MEMHOG},task=tail,pid=3529,uid=0`,
      '[ 7259.991746] Memory cgroup out of memory: Killed process 3529 (tail) total-vm:34256kB, anon-rss:32000kB, file-rss:1296kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0',
      '',
    ].join('\n');
    const raiseWith = (workingSet: number) => {
      const dir = `/sys/fs/cgroup/memory/docker/${MEMHOG}`;
      const container_memory = `${dir}/memory.usage_in_bytes:${workingSet}\n${dir}/memory.limit_in_bytes:${32 * 2 ** 20}\n${dir}/memory.stat:total_inactive_file 0\n`;
      const report = analyze(bundleFromRecord({ dmesg, container_memory }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
      return report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.fixes.find((f) => f.title.startsWith('If the process really needs more'));
    };
    expect(raiseWith(30 * 2 ** 20)?.detail).toBe(
      'It uses 30.0 MiB of its 32.0 MiB limit now (its working set, as docker stats counts it): its normal load already needs about all of it, so a larger limit is the fix, unless it grows without bound.',
    );
    expect(raiseWith(4 * 2 ** 20)?.detail).toMatch(/^It uses 4\.0 MiB of its 32\.0 MiB limit now .*: far below it, so the kill came from a peak or a leak rather than its normal load\./);
    expect(raiseWith(20 * 2 ** 20)?.detail).toBe('It uses 20.0 MiB of its 32.0 MiB limit now (its working set, as docker stats counts it).');
  });

  it('reads the JVM that runs again after the kill from ps, below its init, with the heap its script gives it', () => {
    // inspect shows only tini and a script: ps shows the JVM and its -Xmx1g
    const jvm = {
      path: '/sbin/tini',
      args: ['--', '/docker-entrypoint.sh'],
      image: 'app:1',
      env: [],
      ps: [
        '  100    80 Ss       60 do_wait                          /sbin/tini -- /docker-entrypoint.sh',
        '  110   100 S        60 do_wait                          /bin/sh /docker-entrypoint.sh',
        '  130   110 Sl       59 futex_wait_queue                 /usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx1g -jar /app.jar',
      ],
    };
    const found = killOfRunningAgain('java', jvm);
    expect(found?.fixes[0]?.title).toBe('Lower the heap below the limit: -Xmx768m in place of -Xmx1g');
    expect(found?.fixes[0]?.detail).toContain("A script puts it on java's command line");
    expect(found?.fixes[0]?.container_env).toBeUndefined();
    expect(found?.evidence.filter((e) => e.spec === 'ps').map((e) => e.line)).toEqual([4]);
    // without ps, the JVM is known only from the kernel's word: its release and heap are not
    expect(killOfRunningAgain('java', jvm, false)?.fixes[0]?.title).not.toContain('-Xmx1g');
  });

  it('tells a container without a limit to set one, not to raise it', () => {
    const fixes = oomFixes(inspect({ path: 'sh', args: ['-c', 'x'], memory: 0 }));
    expect(fixes.map((f) => f.title).join(' ')).toMatch(/Set a memory limit/);
    expect(fixes.map((f) => f.title).join(' ')).not.toMatch(/raise the memory limit/);
  });

  it('sizes that limit from what the container uses now, when the container_memory step read it', () => {
    const docker_inspect = inspect({ path: 'sh', args: ['-c', 'x'], memory: 0 });
    // docker stats' table (sosreport's docker plugin keeps one): 20 MiB in use, 64 MiB at least
    const container_memory = 'CONTAINER ID   NAME   CPU %   MEM USAGE / LIMIT    MEM %   NET I/O   BLOCK I/O   PIDS\n812c82c5a7a5   app    0.00%   20MiB / 7.638GiB   0.26%   0B / 0B   0B / 0B     3\n';
    const report = analyze(bundleFromRecord({ docker_inspect, container_memory }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
    const set = report.findings.find((f) => f.code === 'CONTAINER_OOM_KILLED')?.fixes.find((f) => f.title.startsWith('Set a memory limit'));
    expect(set?.title).toBe('Set a memory limit on the container, so that it is killed in its own cgroup rather than the host running out: 64 MiB');
    expect(set?.commands).toEqual(['docker update --memory 64m --memory-swap 64m 812c82c5a7a5']);
    expect(set?.detail).toBe('64 MiB, the least worth setting: it uses 20.0 MiB now (its working set, as docker stats counts it).');
  });
});

describe('KERNEL_OOM_KILL fixes computed from the kill report', () => {
  // kernel 5.x's summary line of a global kill, whose task_memcg names the victim's container
  // (the cgroup v1 systemd layout of test/fixtures/variants/KERNEL_OOM_KILL/dyrnq-14-...), and its "Killed process" line
  const VICTIM = '00748bf4e957f82c239a1db8a88579059b7d40c7b5fbd3f43617d31d3f646f12';
  const dmesg = [
    `[4650180.470877] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=aegis,mems_allowed=0,global_oom,task_memcg=/system.slice/docker-${VICTIM}.scope,task=java,pid=7134,uid=1000`,
    '[4650180.470950] Out of memory: Killed process 7134 (java) total-vm:9161320kB, anon-rss:6291456kB, file-rss:12288kB, shmem-rss:0kB, UID:1000 pgtables:13204kB oom_score_adj:0',
    '',
  ].join('\n');
  const meminfo = 'MemTotal:        8009876 kB\nMemAvailable:     211564 kB\n';
  const inspectWith = (memory: number) =>
    JSON.stringify([{ Id: VICTIM, Name: '/search', Path: 'java', Args: ['-jar', 'app.jar'], State: { Status: 'exited', Running: false, OOMKilled: false, ExitCode: 137 }, Config: { Image: 'search:1', Env: [] }, HostConfig: { Memory: memory } }], null, 4);
  const fixesOf = (files: Record<string, string>) =>
    analyze(bundleFromRecord({ dmesg, meminfo, ...files }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW }).findings.find((f) => f.code === 'KERNEL_OOM_KILL')?.fixes ?? [];

  it('names the container the victim ran in and how big it had grown, when docker inspect does not list it', () => {
    const [limit] = fixesOf({});
    expect(limit?.title).toBe('Limit the memory of container 00748bf4e957, whose process the kernel killed, so that it is killed in its own cgroup instead of the host running out');
    expect(limit?.detail).toMatch(/^java held 6\.0 GiB resident when it was killed, on a host with 7\.6 GiB\./);
    expect(limit?.commands).toContain('docker update --memory <size> --memory-swap <size> 00748bf4e957');
    expect(limit?.commands?.join(' ')).not.toMatch(/--memory 4g/);
  });

  it('tells a container without a limit to get one, and one with a limit that the limits together are too much', () => {
    expect(fixesOf({ docker_inspect: inspectWith(0) })[0]?.title).toBe('Give container search (00748bf4e957) a memory limit, so that it is killed in its own cgroup instead of the host running out');
    expect(fixesOf({ docker_inspect: inspectWith(8 * 2 ** 30) })[0]?.title).toBe(
      "Container search (00748bf4e957) had a 8 GiB limit, yet the host ran out: the containers' limits together exceed its memory",
    );
  });
  // what the container_memory step prints for a container (cgroup v1, systemd driver, as the victim's task_memcg)
  const memoryOf = (id: string, usage: number, inactive: number, peak: number, limit = '9223372036854771712') =>
    [
      `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope/memory.usage_in_bytes:${usage}`,
      `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope/memory.max_usage_in_bytes:${peak}`,
      `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope/memory.limit_in_bytes:${limit}`,
      `/sys/fs/cgroup/memory/system.slice/docker-${id}.scope/memory.stat:total_inactive_file ${inactive}`,
    ].join('\n');
  const running = (id: string, name: string, memory: number) => ({ Id: id, Name: `/${name}`, Path: 'sh', Args: ['-c', 'serve'], State: { Status: 'running', Running: true, OOMKilled: false, ExitCode: 0 }, Config: { Image: `${name}:1`, Env: [] }, HostConfig: { Memory: memory } });
  const DB = 'db'.padEnd(64, '1').replace(/[^0-9a-f]/g, 'd');
  const CACHE = 'ca'.padEnd(64, '2').replace(/[^0-9a-f]/g, 'c');

  it('sizes the limit it gives from what the container uses now: half again its working set, not a placeholder', () => {
    // the container survived the kill of one of its processes: 900 MiB in use, 200 MiB of it inactive page cache
    const docker_inspect = JSON.stringify([{ ...running(VICTIM, 'search', 0), Path: 'java' }]);
    const container_memory = memoryOf(VICTIM, 900 * 2 ** 20, 200 * 2 ** 20, 6.5 * 2 ** 30);
    const [limit, grew] = fixesOf({ docker_inspect, container_memory });
    // 700 MiB working set, half again is 1050, rounded up to the 64 MiB step: 1088
    expect(limit?.title).toBe('Give container search (00748bf4e957) a memory limit, so that it is killed in its own cgroup instead of the host running out: 1088 MiB');
    expect(limit?.commands).toEqual(['docker update --memory 1088m --memory-swap 1088m 00748bf4e957']);
    expect(limit?.detail).toBe(
      'java held 6.0 GiB resident when it was killed, on a host with 7.6 GiB. 1088 MiB is half again the 700.0 MiB it uses now (its working set, as docker stats counts it), rounded up. Its peak since it started was 6.5 GiB, page cache included: watch docker stats under load before settling on a size.',
    );
    expect(grew?.detail).toBe('The containers that use the most memory now: search 00748bf4e957 700.0 MiB.');
    // without the step, the size is left to the reader, with the command that shows it
    expect(fixesOf({ docker_inspect })[0]?.commands).toEqual(['docker stats --no-stream 00748bf4e957', 'docker update --memory <size> --memory-swap <size> 00748bf4e957']);
  });

  it('reads the memory of a container docker inspect could not list (dockerd hung): the cgroup answers', () => {
    const [limit, grew] = fixesOf({ container_memory: memoryOf(VICTIM, 100 * 2 ** 20, 0, 100 * 2 ** 20) });
    expect(grew?.detail).toBe('The containers that use the most memory now: 00748bf4e957 100.0 MiB.');
    // 150 MiB, rounded up to the 16 MiB step: 160
    expect(limit?.title).toBe('Limit the memory of container 00748bf4e957, whose process the kernel killed, so that it is killed in its own cgroup instead of the host running out: 160 MiB');
    expect(limit?.commands).toEqual(["docker inspect --format '{{.Name}} {{.HostConfig.Memory}}' 00748bf4e957", 'docker update --memory 160m --memory-swap 160m 00748bf4e957']);
    // a container that needs more than the host has is told so, not given a limit that cannot be kept
    const [big] = fixesOf({ container_memory: memoryOf(VICTIM, 6 * 2 ** 30, 0, 6 * 2 ** 30) });
    expect(big?.detail).toMatch(/9216 MiB is half again the 6\.0 GiB it uses now .* That is more than this host's 7\.6 GiB can spare: the container needs a larger host or less work\.$/);
  });

  it('adds up the limits of the running containers against the host, and names the ones with none', () => {
    const over = JSON.stringify([running(VICTIM, 'search', 6 * 2 ** 30), running(DB, 'db', 4 * 2 ** 30)]);
    expect(fixesOf({ docker_inspect: over })[0]?.detail).toBe(
      "java held 6.0 GiB resident when it was killed, on a host with 7.6 GiB. The limits of 2 running containers add up to 10.0 GiB on a host with 7.6 GiB, more than it has. Lower the limits until their sum, with what runs outside Docker, fits in the host's memory.",
    );
    const under = JSON.stringify([running(VICTIM, 'search', 4 * 2 ** 30), running(CACHE, 'cache', 0)]);
    const container_memory = [memoryOf(CACHE, 3 * 2 ** 30, 0, 3 * 2 ** 30), memoryOf(VICTIM, 2 ** 30, 0, 4 * 2 ** 30, String(4 * 2 ** 30))].join('\n');
    const [limit, grew] = fixesOf({ docker_inspect: under, container_memory });
    expect(limit?.detail).toContain(`The limits of 1 running container add up to 4.0 GiB on a host with 7.6 GiB; the rest is shared by everything outside Docker and 1 running container with no limit (cache ${CACHE.slice(0, 12)}).`);
    expect(grew?.detail).toBe(`The containers that use the most memory now: cache ${CACHE.slice(0, 12)} 3.0 GiB, search 00748bf4e957 1.0 GiB.`);
  });

  it('names the largest containers from docker stats rows keyed by name, whole, and by their record when inspect has one', () => {
    // Docker 1.10-1.12's table: one CONTAINER column, the name asked for
    const container_memory = 'CONTAINER           CPU %     MEM USAGE / LIMIT     MEM %     NET I/O\nelasticsearch-data-node-7   0.5%    5.2 GiB / 7.6 GiB   68.0%   1 kB / 2 kB\nsearch    0.1%    1.1 GiB / 7.6 GiB   14.0%   1 kB / 2 kB\n';
    const docker_inspect = JSON.stringify([running(VICTIM, 'search', 0)]);
    const [, grew] = fixesOf({ docker_inspect, container_memory });
    expect(grew?.detail).toBe('The containers that use the most memory now: elasticsearch-data-node-7 5.2 GiB, search 00748bf4e957 1.1 GiB.');
  });

  it("sizes a limit for each running container without one when the kill report names no container (a 3.10 kernel's report)", () => {
    // CentOS 7's kill line names the process, not its cgroup
    const oldKernel = '[2419023.112599] Killed process 48211 (java) total-vm:77432816kB, anon-rss:6291456kB, file-rss:0kB, shmem-rss:0kB\n';
    const docker_inspect = JSON.stringify([running(DB, 'db', 0), running(CACHE, 'cache', 0), running(VICTIM, 'search', 2 ** 30)]);
    const container_memory = [memoryOf(DB, 800 * 2 ** 20, 0, 900 * 2 ** 20), memoryOf(CACHE, 20 * 2 ** 20, 0, 20 * 2 ** 20), memoryOf(VICTIM, 2 ** 29, 0, 2 ** 29, String(2 ** 30))].join('\n');
    const report = analyze(bundleFromRecord({ dmesg: oldKernel, meminfo, docker_inspect, container_memory }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
    const [limit] = report.findings.find((f) => f.code === 'KERNEL_OOM_KILL')?.fixes ?? [];
    expect(limit?.title).toBe('Give every container a memory limit so that one runaway process is killed in its cgroup, not by the host');
    // the one with a limit already is left out; the largest first
    expect(limit?.commands).toEqual([`docker update --memory 1216m --memory-swap 1216m ${DB.slice(0, 12)}`, `docker update --memory 64m --memory-swap 64m ${CACHE.slice(0, 12)}`]);
    expect(limit?.detail).toContain(`db ${DB.slice(0, 12)} 1216 MiB (800.0 MiB now), cache ${CACHE.slice(0, 12)} 64 MiB (20.0 MiB now)`);
    // a Compose service's limit goes in its file: its command alone (compose up) would not say so
    const composed = JSON.stringify([{ ...running(DB, 'db', 0), Config: { Image: 'db:1', Env: [], Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'db' } } }]);
    const withCompose = analyze(bundleFromRecord({ dmesg: oldKernel, meminfo, docker_inspect: composed, container_memory: memoryOf(DB, 800 * 2 ** 20, 0, 900 * 2 ** 20) }, { host: 'h', collected_at: '2026-11-21T00:00:00Z' }), { now: NOW });
    const [composeLimit] = withCompose.findings.find((f) => f.code === 'KERNEL_OOM_KILL')?.fixes ?? [];
    expect(composeLimit?.commands).toEqual(['docker compose -p shop up -d db']);
    expect(composeLimit?.detail).toContain('Compose recreates service db from its file, so a docker update is undone then: set its limit there (mem_limit: 1216m');
  });

  it('counts a 137 exit of the container the global kill names as that kill, not as a SIGKILL from outside', () => {
    // its command (sh -c ...) does not name java: only the cgroup ties the kill to it
    const inspect = JSON.stringify([{ Id: VICTIM, Name: '/search', Path: 'sh', Args: ['-c', 'exec /opt/search/bin/start'], State: { Status: 'exited', Running: false, OOMKilled: false, ExitCode: 137 }, Config: { Image: 'search:1', Env: [] }, HostConfig: { Memory: 0 } }]);
    const codes = analyze(bundleFromRecord({ dmesg, meminfo, docker_inspect: inspect }, { host: 'h' }), { now: NOW }).findings.map((f) => f.code);
    expect(codes).toContain('KERNEL_OOM_KILL');
    expect(codes).not.toContain('CONTAINER_KILLED_137');
  });
});
