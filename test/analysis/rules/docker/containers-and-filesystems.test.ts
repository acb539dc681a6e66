import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../src/domain/index.js';
import { containerLogsHugeRule } from '../../../../src/analysis/rules/docker/container-logs-huge.js';
import { containerRestartLoopRule } from '../../../../src/analysis/rules/docker/container-restart-loop.js';
import { dockerRootOf } from '../../../../src/analysis/rules/docker/docker-context.js';
import { filesystemUsageRule } from '../../../../src/analysis/rules/docker/filesystem-usage.js';
import { factsFrom, ID, inspectJson, run } from './rule-harness.js';

const DF = [
  'Filesystem     Type 1024-blocks     Used Available Capacity Mounted on',
  '/dev/sda1      ext4    20000000 19200000    800000      96% /',
  '/dev/sdb1      xfs    100000000 86000000  14000000      86% /var/lib/docker',
  'overlay        overlay 100000000 86000000 14000000      86% /var/lib/docker/overlay2/abc/merged',
  '/dev/loop3     squashfs   89088    89088         0     100% /snap/core/4486',
].join('\n');

describe('filesystems', () => {
  it("raises FS_FULL and FS_HIGH per real filesystem, naming Docker's data root, skipping overlay and snap mounts", () => {
    const found = run(filesystemUsageRule, factsFrom({ df: DF }));
    expect(found.map((f) => [f.code, f.subject])).toEqual([
      ['FS_FULL', '/'],
      ['FS_HIGH', '/var/lib/docker'],
    ]);
    expect(found[1]?.title).toContain("it holds Docker's default data root /var/lib/docker");
    expect(found[0]?.evidence).toEqual([{ spec: 'df', line: 2, text: '/dev/sda1      ext4    20000000 19200000    800000      96% /' }]);
  });
});

describe('filesystems mounted more than once', () => {
  it('reports a bind-mounted filesystem once, but two tmpfs of one size each', () => {
    const df = [
      'Filesystem                Size      Used Available Use% Mounted on',
      '/dev/sdb                 64.0G     64.0G     16.0K 100% /etc/resolv.conf',
      '/dev/sdb                 64.0G     64.0G     16.0K 100% /etc/hostname',
      '/dev/sdb                 64.0G     64.0G     16.0K 100% /etc/hosts',
      'tmpfs                     1.0G      1.0G         0 100% /run/a',
      'tmpfs                     1.0G      1.0G         0 100% /run/b',
    ].join('\n');
    expect(run(filesystemUsageRule, factsFrom({ df })).map((f) => f.subject)).toEqual(['/etc/resolv.conf', '/run/a', '/run/b']);
  });
});

describe('container logs', () => {
  it('raises CONTAINER_LOGS_HUGE for a log that is a large share of its filesystem, naming the container', () => {
    const id = ID('7');
    const facts = factsFrom({
      df: DF,
      docker_log_sizes: `${12e9}\t/var/lib/docker/containers/${id}/${id}-json.log\n${1e6}\t/var/lib/docker/containers/${ID('8')}/${ID('8')}-json.log\n`,
      docker_inspect: JSON.stringify([inspectJson({ id, name: 'ad-server', path: 'node', args: ['server.js'] })]),
    });
    const found = run(containerLogsHugeRule, facts);
    expect(found.length).toBe(1);
    expect(found[0]?.title).toBe(`Container ad-server (${id.slice(0, 12)}) json log is 12 GB, 12 % of /var/lib/docker`);
    expect(run(containerLogsHugeRule, facts, { containerLogHugeBytes: 20e9, containerLogHugeFsPct: 20 })).toEqual([]);
  });

  it("sizes the json-file cap so that every container's logs stay within a tenth of their filesystem", () => {
    const id = ID('7');
    const log = `${12e9}\t/var/lib/docker/containers/${id}/${id}-json.log\n`;
    const capOf = (containers: number) => {
      const [f] = run(containerLogsHugeRule, factsFrom({ df: DF, docker_log_sizes: log, docker_info: `Containers: ${containers}\n` }));
      return f?.fixes.find((x) => x.title === 'Cap json-file logs for every container');
    };
    // /var/lib/docker is 102.4 GB: 10.24 GB for the logs of 40 containers × 3 files is 85 MB a file
    expect(capOf(40)?.daemon_options).toEqual(['--log-opt max-size=85m --log-opt max-file=3']);
    expect(capOf(40)?.detail).toContain('40 containers × 3 files × 85 MB is 10.2 GB, within a tenth of /var/lib/docker (102.4 GB)');
    // a few containers get 100m, never more; a crowd gets 10m, never less, and is told it is over the tenth
    expect(capOf(2)?.daemon_options).toEqual(['--log-opt max-size=100m --log-opt max-file=3']);
    expect(capOf(1000)?.daemon_options).toEqual(['--log-opt max-size=10m --log-opt max-file=3']);
    expect(capOf(1000)?.detail).toContain('more than a tenth of /var/lib/docker');
    // with neither docker info nor a listing, the count is unknown: the usual 100m, and no sum is claimed
    const [unknown] = run(containerLogsHugeRule, factsFrom({ df: DF, docker_log_sizes: log }));
    const cap = unknown?.fixes.find((x) => x.title === 'Cap json-file logs for every container');
    expect(cap?.daemon_options).toEqual(['--log-opt max-size=100m --log-opt max-file=3']);
    expect(cap?.detail).not.toContain('files ×');
  });
});

describe('container log directories', () => {
  it('reads du over container directories and points the fix at the json log inside, under the data root', () => {
    const id = ID('9');
    const facts = factsFrom({ docker_log_sizes: `236G    ${id}\n`, docker_info: 'Docker Root Dir: /data/docker\n' });
    const [f] = run(containerLogsHugeRule, facts);
    expect(f?.title).toBe(`Container ${id.slice(0, 12)} json log directory is 253.4 GB`);
    expect(f?.fixes[0]?.commands).toEqual([`truncate -s 0 -- /data/docker/containers/${id}/${id}-json.log`]);
  });
});

/** The restart loop of container 1 (exited, not running) whose log tail, under its header, holds these lines. */
function loopWithTail(c: Omit<Parameters<typeof inspectJson>[0], 'id' | 'running'>, ...lines: string[]): Finding | undefined {
  const docker_inspect = JSON.stringify([inspectJson({ id: ID('1'), running: false, ...c })]);
  const container_log_tail = [`# container ${ID('1').slice(0, 12)}`, ...lines, ''].join('\n');
  return run(containerRestartLoopRule, factsFrom({ docker_inspect, container_log_tail }))[0];
}

describe('restart loops', () => {
  it('raises CONTAINER_RESTART_LOOP from RestartCount at the threshold', () => {
    const facts = factsFrom({ docker_inspect: JSON.stringify([inspectJson({ id: ID('1'), name: 'worker', path: 'python', args: ['w.py'], restartCount: 3, exitCode: 1 })], null, 4) });
    const [f] = run(containerRestartLoopRule, facts);
    expect(f?.title).toContain('worker (111111111111) restarted 3 times, last exit 1');
    expect(f?.evidence.some((e) => e.text.includes('"RestartCount": 3'))).toBe(true);
    expect(run(containerRestartLoopRule, facts, { restartLoopMin: 4 })).toEqual([]);
    expect(f?.fixes.at(-1)?.detail).toBe('Use on-failure with a retry limit instead of always while you investigate.');
    // a Compose service's container is recreated from its file, where the policy must go too
    const composed = inspectJson({ id: ID('1'), name: 'shop_worker_1', path: 'python', args: ['w.py'], restartCount: 3, exitCode: 1 }) as { Config: Record<string, unknown> };
    composed.Config = { ...composed.Config, Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'worker' } };
    const [c] = run(containerRestartLoopRule, factsFrom({ docker_inspect: JSON.stringify([composed]) }));
    expect(c?.fixes.at(-1)?.detail).toContain('It is Compose service worker of project shop, which Compose recreates from its file: set restart: on-failure:5 for the service there too.');
  });

  it('quotes what the container printed last, where the container playbook read its log tail', () => {
    const docker_inspect = JSON.stringify([inspectJson({ id: ID('1'), name: 'worker', path: 'sh', args: ['-c', 'start'], restartCount: 3, exitCode: 1, running: false })]);
    const tail = [`# container ${ID('1').slice(0, 12)}`, '2026-12-04T16:58:01.120453210Z connecting to db:5432', '2026-12-04T16:58:02.533107443Z FATAL: password authentication failed for user "app"', ''].join('\n');
    const [f] = run(containerRestartLoopRule, factsFrom({ docker_inspect, container_log_tail: tail }));
    expect(f?.evidence.slice(-2).map((e) => e.text)).toEqual(['2026-12-04T16:58:01.120453210Z connecting to db:5432', '2026-12-04T16:58:02.533107443Z FATAL: password authentication failed for user "app"']);
    expect(f?.fixes[0]?.detail?.startsWith('Its last line (2026-12-04T16:58:02.533107443Z): "FATAL: password authentication failed for user "app"". The last lines')).toBe(true);
    // an error Docker timed before the line printed just ahead of it (stdout and stderr are read apart) still leads
    const swapped = [`# container ${ID('1').slice(0, 12)}`, '2026-12-07T04:07:47.040953167Z migrate: relation "users" does not exist', '2026-12-07T04:07:47.041153167Z migrate: applying 0042_orders', ''].join('\n');
    expect(run(containerRestartLoopRule, factsFrom({ docker_inspect, container_log_tail: swapped }))[0]?.fixes[0]?.detail).toMatch(
      /^Its last error line \(2026-12-07T04:07:47\.040953167Z\): "migrate: relation "users" does not exist"\. Its last line \(2026-12-07T04:07:47\.041153167Z\): "migrate: applying 0042_orders"\./,
    );
    // another container's tail is not this one's
    const other = tail.replace(ID('1').slice(0, 12), ID('2').slice(0, 12));
    expect(run(containerRestartLoopRule, factsFrom({ docker_inspect, container_log_tail: other }))[0]?.fixes[0]?.detail).toMatch(/^The last lines before each exit/);
  });

  it("quotes the words of a crash, not the stack frames under them: a Java exception's cause", () => {
    const f = loopWithTail(
      { name: 'api', path: 'java', args: ['-jar', 'api.jar'], restartCount: 3, exitCode: 1 },
      'Exception in thread "main" java.lang.IllegalStateException: Failed to execute CommandLineRunner',
      '\tat org.springframework.boot.SpringApplication.callRunner(SpringApplication.java:787)',
      'Caused by: java.net.ConnectException: Connection refused (Connection refused)',
      '\tat java.net.PlainSocketImpl.socketConnect(Native Method)',
      '\t... 12 more',
    );
    expect(f?.fixes[0]?.detail).toMatch(/^Its last line: "Caused by: java\.net\.ConnectException: Connection refused \(Connection refused\)"\./);
    expect(f?.evidence.map((e) => e.text).slice(-2)).toEqual(['Exception in thread "main" java.lang.IllegalStateException: Failed to execute CommandLineRunner', 'Caused by: java.net.ConnectException: Connection refused (Connection refused)']);
  });

  it("quotes a Go panic's words, not its goroutine listing, and says what its exit 2 is", () => {
    // the panic as docker-archive/classicswarm#946 quotes it (the docker client's own, of 2015)
    const f = loopWithTail(
      { name: 'agent', path: '/agent', args: [], restartCount: 4, exitCode: 2 },
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal 0xb code=0x1 addr=0x0 pc=0x504b1e]',
      '',
      'goroutine 1 [running]:',
      'github.com/docker/docker/engine.(*Env).Get(0x0, 0xd18630, 0x4, 0x0, 0x0)',
      '\t/go/src/github.com/docker/docker/engine/env.go:21 +0x21e',
      'reflect.methodValueCall(0xc20800a020, 0x2, 0x2, 0x1, 0xc20810cf90, 0xc208064301, 0xc20805c360, 0x4, 0xc20802c001, 0x7f13683a37f8, ...)',
      '\t/usr/local/go/src/reflect/asm_amd64.s:29 +0x36',
      'main.main()',
      '\t/go/src/github.com/docker/docker/docker/docker.go:138 +0xcc6',
      '',
      'goroutine 5 [syscall]:',
      'os/signal.loop()',
      '\t/usr/local/go/src/os/signal/signal_unix.go:21 +0x1f',
      'created by os/signal.init·1',
      '\t/usr/local/go/src/os/signal/signal_unix.go:27 +0x35',
    );
    expect(f?.evidence.map((e) => e.text).slice(-2)).toEqual(['panic: runtime error: invalid memory address or nil pointer dereference', '[signal 0xb code=0x1 addr=0x0 pc=0x504b1e]']);
    expect(f?.fixes[0]?.detail).toMatch(
      /^Its last error line: "panic: runtime error: invalid memory address or nil pointer dereference"\. Its last line: "\[signal 0xb code=0x1 addr=0x0 pc=0x504b1e\]"\. Exit 2 is how a Go program ends after a panic nothing recovered/,
    );
  });

  it("names a JVM's own OutOfMemoryError among its last lines, and sizes the heap from the container's limit", () => {
    // the line metabase/metabase#4514 quotes from `docker logs` (timestamps on), under a 1 GiB limit here
    const docker_inspect = JSON.stringify([inspectJson({ id: ID('1'), name: 'metabase', path: '/app/run_metabase.sh', args: [], restartCount: 5, exitCode: 1, running: false, memory: 2 ** 30 })]);
    const tail = [`# container ${ID('1').slice(0, 12)}`, '2017-03-13T02:49:50.457355636Z Exception in thread "Timer-1" java.lang.OutOfMemoryError: Java heap space', '2017-03-13T02:49:51.001000000Z Metabase Shutdown COMPLETE', ''].join('\n');
    const [f] = run(containerRestartLoopRule, factsFrom({ docker_inspect, container_log_tail: tail }));
    expect(f?.fixes[0]?.title).toBe("Its JVM ran out of heap (java.lang.OutOfMemoryError: Java heap space): give the heap more room, within the container's 1 GiB limit: -Xmx768m");
    expect(f?.fixes[0]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=-Xmx768m']);
    // the exit flags go with it, added to what it sets
    expect(f?.fixes[1]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=<what it holds now> -XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp']);
    expect(f?.evidence.map((e) => e.text)).toContain('2017-03-13T02:49:50.457355636Z Exception in thread "Timer-1" java.lang.OutOfMemoryError: Java heap space');
    expect(f?.data).toMatchObject({ jvm_out_of_memory: 'heap' });
    // threads are not the heap: the limit it hit (observabilitystack/geoip-api#141's line, GraalVM native image)
    const threads = `# container ${ID('1').slice(0, 12)}\njava.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached\n    at com.oracle.svm.core.thread.PlatformThreads.startThread(PlatformThreads.java:741)\n`;
    const [t] = run(containerRestartLoopRule, factsFrom({ docker_inspect, container_log_tail: threads }));
    expect(t?.fixes[0]?.title).toBe('Its JVM could not start another thread (java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached): find the limit it hit, or the threads that leak');
    expect(t?.fixes[0]?.commands).toContain(`docker inspect --format '{{.HostConfig.PidsLimit}}' ${ID('1').slice(0, 12)}`);
    expect(t?.fixes[1]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=-XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp']);
  });

  it("gives a JVM that ran out of heap more where its heap is set, and says when the limit leaves no more", () => {
    const oomeTail = [`# container ${ID('2').slice(0, 12)}`, '2026-12-07T02:49:50.457355636Z Exception in thread "main" java.lang.OutOfMemoryError: Java heap space', ''].join('\n');
    const findingOf = (opts: { path?: string; args: string[]; env?: string[]; memory: number }) => {
      const docker_inspect = JSON.stringify([inspectJson({ id: ID('2'), name: 'api', path: 'java', restartCount: 5, exitCode: 1, running: false, ...opts })], null, 4);
      return run(containerRestartLoopRule, factsFrom({ docker_inspect, container_log_tail: oomeTail }))[0];
    };
    const loopOf = (opts: Parameters<typeof findingOf>[0]) => findingOf(opts)?.fixes ?? [];
    // the option the fix changes is quoted with the error
    expect(findingOf({ args: ['-Xmx32m', '-jar', 'api.jar'], env: ['JAVA_VERSION=17.0.9'], memory: 256 * 2 ** 20 })?.evidence.map((e) => e.text.trim())).toContain('"-Xmx32m",');
    // -Xmx32m on the command line outranks JAVA_TOOL_OPTIONS: it is changed there, not overridden in vain
    const onCommand = loopOf({ args: ['-Xmx32m', '-jar', 'api.jar'], env: ['JAVA_VERSION=17.0.9'], memory: 256 * 2 ** 20 });
    expect(onCommand[0]?.title).toBe("Its JVM ran out of heap (java.lang.OutOfMemoryError: Java heap space): give the heap more room, within the container's 256 MiB limit: -Xmx192m in place of -Xmx32m");
    expect(onCommand[0]?.detail).toMatch(/^Its heap is -Xmx32m, 32\.0 MiB\. The JVM stopped at its own heap bound.* It is on the container's command line: change it where the container is defined\.$/);
    expect(onCommand[0]?.container_env).toBeUndefined();
    // the exit flags are all that JAVA_TOOL_OPTIONS gets, set anew
    expect(onCommand[1]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=-XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp']);
    // in JAVA_OPTS (a script passes it on): a later -Xmx there wins
    const inVariable = loopOf({ path: 'sh', args: ['-c', 'exec java $JAVA_OPTS -jar api.jar'], env: ['JAVA_VERSION=17.0.9', 'JAVA_OPTS=-Xmx512m'], memory: 2 ** 30 });
    expect(inVariable[0]?.container_env).toEqual(['JAVA_OPTS=<what it holds now> -Xmx768m']);
    // its default share of the limit (a JVM that reads it): an -Xmx in JAVA_TOOL_OPTIONS outranks the share
    const share = loopOf({ args: ['-jar', 'api.jar'], env: ['JAVA_VERSION=17.0.9'], memory: 2 ** 30 });
    expect(share[0]?.title).toBe("Its JVM ran out of heap (java.lang.OutOfMemoryError: Java heap space): give the heap more room, within the container's 1 GiB limit: -Xmx768m");
    expect(share[0]?.detail).toMatch(/^Its heap is a quarter of the 1 GiB limit, 256\.0 MiB\. /);
    expect(share[0]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=-Xmx768m']);
    // a heap with 3/4 of the limit already: more heap needs more limit
    const full = loopOf({ args: ['-Xmx800m', '-jar', 'api.jar'], env: ['JAVA_VERSION=17.0.9'], memory: 2 ** 30 });
    expect(full[0]?.title).toBe("Its JVM ran out of heap (java.lang.OutOfMemoryError: Java heap space) with -Xmx800m, 800.0 MiB, about all that the container's 1 GiB limit leaves it: if it needs more, raise both, to -Xmx1200m and a 1600 MiB limit");
    expect(full[0]?.commands).toEqual([`docker update --memory 1600m --memory-swap 1600m ${ID('2').slice(0, 12)}`]);
    // its -Xmx800m is on the command line: changed there, nothing set in a variable; in JAVA_OPTS, a later one there
    expect(full[0]?.container_env).toBeUndefined();
    expect(loopOf({ path: 'sh', args: ['-c', 'exec java $JAVA_OPTS -jar api.jar'], env: ['JAVA_VERSION=17.0.9', 'JAVA_OPTS=-Xmx800m'], memory: 2 ** 30 })[0]?.container_env).toEqual(['JAVA_OPTS=<what it holds now> -Xmx1200m']);
  });

  it("names node's own heap exhaustion among its last lines, above its native stack, and sizes the heap from the limit", () => {
    // blockcollider/bcnode#239: node 8's banner and native frames, from its docker image; a 512 MiB limit here
    const frames = [' 1: node::Abort() [node]', ' 2: 0x11e7fec [node]', ' 3: v8::Utils::ReportOOMFailure(char const*, bool) [node]', ' 4: v8::internal::V8::FatalProcessOutOfMemory(char const*, bool) [node]', ' 5: v8::internal::Factory::NewUninitializedFixedArray(int) [node]', ' 6: 0xdee3b3 [node]', ' 7: v8::internal::Runtime_GrowArrayElements(int, v8::internal::Object**, v8::internal::Isolate*) [node]', ' 8: 0x3b81445842fd'];
    const f = loopWithTail(
      { name: 'bcnode', path: 'node', args: ['./bin/cli', 'start'], restartCount: 4, exitCode: 134, memory: 512 * 2 ** 20, env: ['NODE_VERSION=8.11.1'] },
      'FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory',
      ...frames,
    );
    expect(f?.fixes[0]?.title).toBe("Its node process ran out of heap (FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory): give the heap more room, within the container's 512 MiB limit: --max-old-space-size=384");
    expect(f?.title).toBe('Container bcnode (111111111111) restarted 4 times, last exit 134 (SIGABRT)');
    expect(f?.fixes[0]?.container_env).toEqual(['NODE_OPTIONS=--max-old-space-size=384']);
    // node 8 has no snapshot near the limit: the flag is not offered to it
    expect(f?.fixes[0]?.detail).toContain('node 8 (NODE_VERSION=8.11.1) cannot write a heap snapshot on its own');
    expect(f?.fixes[0]?.detail).not.toContain('--heapsnapshot-near-heap-limit');
    expect(f?.fixes[0]?.detail).toContain('Its exit 134 (SIGABRT) is V8 ending the process after that FATAL ERROR, on purpose');
    // its last words are the banner, not the frames below it
    expect(f?.fixes.find((x) => x.title.startsWith('Read why'))?.detail).toMatch(/^Its last line: "FATAL ERROR: CALL_AND_RETRY_LAST /);
    expect(f?.evidence.map((e) => e.text)).toContain('FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory');
    expect(f?.evidence.map((e) => e.text)).not.toContain(' 8: 0x3b81445842fd');
    expect(f?.data).toMatchObject({ node_heap_out_of_memory_mib: null });
  });

  it('reads the heap node reached from its GC trace: at its share of the limit, both must grow', () => {
    // the trace and banner as node 22 prints them (chartdb/chartdb#747 quotes them from a build; here a service's)
    const gc = '[17:0xffff8f310000]    26490 ms: Mark-Compact (reduce) 2042.7 (2083.7) -> 2036.3 (2077.4) MB, pooled: 0 MB, 674.24 / 0.03 ms  (average mu = 0.419, current mu = 0.100) allocation failure; GC in old space requested';
    const tail = [`# container ${ID('1').slice(0, 12)}`, '<--- Last few GCs --->', '', gc, '', '<--- JS stacktrace --->', '', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', '----- Native stack trace -----', '', ' 1: 0xb78db3 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]', ''].join('\n');
    const limited = (memory: number, env: string[] = []) => JSON.stringify([inspectJson({ id: ID('1'), name: 'web', path: 'node', args: ['server.js'], restartCount: 6, exitCode: 134, running: false, memory, env })]);
    const [atShare] = run(containerRestartLoopRule, factsFrom({ docker_inspect: limited(2 ** 31), container_log_tail: tail }));
    expect(atShare?.fixes[0]?.title).toBe(
      "Its node process ran out of heap at about 2036 MiB, about all that the container's 2 GiB limit leaves it (FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory): if it needs more, raise both, to --max-old-space-size=3072 and a 4096 MiB limit",
    );
    expect(atShare?.fixes[0]?.commands).toEqual([`docker update --memory 4096m --memory-swap 4096m ${ID('1').slice(0, 12)}`]);
    expect(atShare?.evidence.map((e) => e.text)).toContain(gc);
    // under a larger limit it had room it was not given: the heap's bound is the fix, not the limit
    const [room] = run(containerRestartLoopRule, factsFrom({ docker_inspect: limited(8 * 2 ** 30, ['NODE_OPTIONS=--max-old-space-size=2048']), container_log_tail: tail }));
    expect(room?.fixes[0]?.title).toContain("at about 2036 MiB (FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory): give the heap more room, within the container's 8 GiB limit: --max-old-space-size=6144");
    expect(room?.fixes[0]?.detail).toMatch(/^node stopped at the heap bound it was given \(--max-old-space-size=2048\)/);
    expect(room?.fixes[0]?.container_env).toEqual(['NODE_OPTIONS=<what it holds now> --max-old-space-size=6144']);
    expect(room?.fixes[0]?.detail).not.toContain('through npm or a script');
    // started by npm start: a bound its start script passes would outrank NODE_OPTIONS, and that is said
    const viaNpm = JSON.stringify([inspectJson({ id: ID('1'), name: 'web', path: 'docker-entrypoint.sh', args: ['npm', 'start'], restartCount: 6, exitCode: 134, running: false, memory: 8 * 2 ** 30, env: [] })]);
    const [npm] = run(containerRestartLoopRule, factsFrom({ docker_inspect: viaNpm, container_log_tail: tail }));
    expect(npm?.fixes[0]?.container_env).toEqual(['NODE_OPTIONS=--max-old-space-size=6144']);
    expect(npm?.fixes[0]?.detail).toContain("It starts node through npm or a script, which may pass a --max-old-space-size on node's own command line that NODE_OPTIONS cannot override");
    // on node's command line the bound outranks NODE_OPTIONS: changed there, nothing set in vain
    const onCommand = JSON.stringify([inspectJson({ id: ID('1'), name: 'web', path: 'node', args: ['--max-old-space-size=2048', 'server.js'], restartCount: 6, exitCode: 134, running: false, memory: 8 * 2 ** 30, env: ['NODE_OPTIONS=--max-old-space-size=4096'] })]);
    const [cli] = run(containerRestartLoopRule, factsFrom({ docker_inspect: onCommand, container_log_tail: tail }));
    expect(cli?.fixes[0]?.title).toMatch(/: --max-old-space-size=6144 in place of --max-old-space-size=2048 on its command line$/);
    expect(cli?.fixes[0]?.detail).toMatch(/^node stopped at the heap bound it was given \(--max-old-space-size=2048\).* It is on the container's command line, which outranks NODE_OPTIONS/);
    expect(cli?.fixes[0]?.container_env).toBeUndefined();
    // without a limit: a larger heap, and a limit above it
    const [none] = run(containerRestartLoopRule, factsFrom({ docker_inspect: limited(0), container_log_tail: tail }));
    expect(none?.fixes[0]?.title).toBe('Its node process ran out of heap at about 2036 MiB (FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory): if it needs more, give it --max-old-space-size=3072, and the container a limit above it');
    expect(none?.fixes[0]?.detail).toContain('a memory limit of 4096 MiB keeps a quarter beyond it');
  });

  it('raises it from a Restarting status in docker ps when inspect is missing', () => {
    const ps = `{"ID":"${ID('2')}","Names":"web","Image":"nginx","Command":"\\"nginx\\"","Status":"Restarting (1) 3 seconds ago"}\n`;
    const [f] = run(containerRestartLoopRule, factsFrom({ docker_ps: ps }));
    expect(f?.title).toBe('Container web (222222222222) is restarting (Restarting (1) 3 seconds ago)');
    expect(f?.evidence[0]?.spec).toBe('docker_ps');
  });
});

describe("Docker's data root moved to another disk", () => {
  const MOVED_DF = [
    'Filesystem     Type 1024-blocks     Used Available Capacity Mounted on',
    '/dev/sda1      ext4    20000000  5000000  15000000      25% /',
    '/dev/sdb1      ext4     1200000  1176000     24000      98% /mnt/big',
  ].join('\n');
  const id = ID('9');
  const sizes = (source: string) => `# data-root /mnt/big/docker (from ${source})\n${340e6}\t/mnt/big/docker/containers/${id}/${id}-json.log\n`;
  // docker info and docker ps timed out: the daemon is hung, only the host's files speak
  const hung = { steps: { docker_info: { exit: null, timed_out: true, duration_ms: 10_000 }, docker_ps: { exit: null, timed_out: true, duration_ms: 10_000 } } };

  it('names the root the host found without the daemon, and quotes the line that says where from', () => {
    for (const source of ['daemon.json', 'dockerd-cmdline']) {
      const facts = factsFrom({ df: MOVED_DF, docker_info: '', docker_log_sizes: sizes(source) }, hung);
      const [full] = run(filesystemUsageRule, facts);
      expect(full?.title).toBe("Filesystem full: /mnt/big (/dev/sdb1, ext4) 98 % used, 24.58 MB free of 1.229 GB; it holds Docker's data root /mnt/big/docker");
      expect(full?.evidence[1]).toEqual({ spec: 'docker_log_sizes', line: 1, text: `# data-root /mnt/big/docker (from ${source})` });
      expect(full?.data).toMatchObject({ docker_root: '/mnt/big/docker', docker_root_from: source });
      const [log] = run(containerLogsHugeRule, facts);
      expect(log?.title).toBe(`Container ${id.slice(0, 12)} json log is 340 MB, 28 % of /mnt/big`);
      expect(log?.fixes[0]?.commands).toEqual([`truncate -s 0 -- /mnt/big/docker/containers/${id}/${id}-json.log`]);
    }
  });

  it("prefers the daemon's word, then what the host found, then dockerd in ps, then the default", () => {
    const info = 'Server Version: 20.10.24\nDocker Root Dir: /srv/docker\n';
    const ps = 'PID STAT ELAPSED WCHAN COMMAND\n 812 Ssl 9999 futex /usr/bin/dockerd -g /opt/docker\n';
    const from = (files: Record<string, string>) => {
      const root = dockerRootOf(factsFrom(files));
      return [root.path, root.from];
    };
    expect(from({ docker_info: info, docker_log_sizes: sizes('daemon.json'), ps })).toEqual(['/srv/docker', 'docker-info']);
    expect(from({ docker_log_sizes: sizes('daemon.json'), ps })).toEqual(['/mnt/big/docker', 'daemon.json']);
    expect(from({ docker_log_sizes: '# data-root /var/lib/docker (from default)\n', ps })).toEqual(['/opt/docker', 'dockerd-cmdline']);
    expect(from({ docker_log_sizes: '# data-root /var/lib/docker (from default)\n' })).toEqual(['/var/lib/docker', 'default']);
    expect(from({})).toEqual(['/var/lib/docker', 'default']);
  });

  it('quotes a log path that would not be one shell word in the fix', () => {
    const odd = `/mnt/my disk/docker/containers/${id}/${id}-json.log`;
    const [log] = run(containerLogsHugeRule, factsFrom({ docker_log_sizes: `${12e9}\t${odd}\n` }));
    expect(log?.fixes[0]?.commands).toEqual([`truncate -s 0 -- '${odd}'`]);
  });
});
