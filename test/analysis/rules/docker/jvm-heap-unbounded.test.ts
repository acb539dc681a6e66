import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jvmHeapUnboundedRule } from '../../../../src/analysis/rules/docker/jvm-heap-unbounded.js';
import { isContainerAware, parseJavaPath, parseJavaVersion } from '../../../../src/analysis/rules/docker/jvm.js';
import { imageTag } from '../../../../src/analysis/rules/docker/docker-context.js';
import { factsFrom, ID, inspectJson, run } from './rule-harness.js';

const GiB = 2 ** 30;
const inspect = (...containers: object[]): string => JSON.stringify(containers, null, 4);

describe('JVM_HEAP_UNBOUNDED', () => {
  it('computes -Xmx as 3/4 of the limit and never quotes env values', () => {
    const facts = factsFrom({
      docker_inspect: inspect(inspectJson({ id: ID('a'), name: 'rpc', path: 'java', args: ['-jar', '/app.jar'], memory: 4 * GiB, env: ['JAVA_VERSION=8u111', 'DB_PASSWORD=hunter2'] })),
    });
    const [f] = run(jvmHeapUnboundedRule, facts);
    expect(f?.title).toContain('4 GiB memory limit');
    expect(f?.title).toContain('Java 8u111 (JAVA_VERSION=8u111)');
    expect(f?.fixes[0]?.title).toBe('Bound the heap to about 3/4 of the limit: -Xmx3072m for a 4 GiB limit');
    expect(f?.subject).toBe(ID('a'));
    expect(JSON.stringify(f)).not.toContain('hunter2');
    expect(JSON.stringify(f)).not.toContain('DB_PASSWORD');
  });

  it('says what the running JVM uses of its limit now, when the container_memory step read it', () => {
    const dir = `/sys/fs/cgroup/memory/docker/${ID('a')}`;
    const facts = factsFrom({
      docker_inspect: inspect(inspectJson({ id: ID('a'), name: 'rpc', path: 'java', args: ['-jar', '/app.jar'], memory: 4 * GiB, env: ['JAVA_VERSION=8u111'] })),
      container_memory: `${dir}/memory.usage_in_bytes:${Math.round(3.9 * GiB)}\n${dir}/memory.limit_in_bytes:${4 * GiB}\n${dir}/memory.stat:total_inactive_file 0\n`,
    });
    const [f] = run(jvmHeapUnboundedRule, facts);
    expect(f?.fixes[0]?.detail).toMatch(/ It uses 3\.9 GiB of its 4\.0 GiB limit now \(its working set, as docker stats counts it\)\.$/);
    expect(f?.data).toMatchObject({ working_set_bytes: Math.round(3.9 * GiB) });
  });

  it('adds -Xmx to the JAVA_TOOL_OPTIONS a container already sets, without repeating what it holds', () => {
    const facts = factsFrom({
      docker_inspect: inspect(inspectJson({ id: ID('c'), name: 'apm', path: 'java', args: ['-jar', '/app.jar'], memory: GiB, env: ['JAVA_VERSION=8u111', 'JAVA_TOOL_OPTIONS=-javaagent:/apm/agent.jar=token=s3cret'] })),
    });
    const [f] = run(jvmHeapUnboundedRule, facts);
    expect(f?.fixes[0]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=<what it holds now> -Xmx768m']);
    expect(JSON.stringify(f)).not.toContain('s3cret');
  });

  it('says so when the JVM version is unknown', () => {
    const facts = factsFrom({ docker_inspect: inspect(inspectJson({ id: ID('b'), name: 'svc', path: 'sh', args: ['-c', 'exec java -jar /a.jar'], memory: 1536 * 2 ** 20 })) });
    const [f] = run(jvmHeapUnboundedRule, facts);
    expect(f?.title).toContain('JVM version unknown, assumed not container-aware');
    expect(f?.fixes[0]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=-Xmx1152m']);
    // neither a flag only some versions have, nor one this JVM may not know, is handed out as a command
    expect(f?.fixes.flatMap((x) => x.container_env ?? []).join(' ')).not.toMatch(/UseCGroupMemoryLimitForHeap|MaxRAMPercentage/);
  });

  it('offers the experimental cgroup flag to 8u131 (the Swarm service of the public variant), with -Xmx first', () => {
    const facts = factsFrom({ docker_inspect: inspect(inspectJson({ id: ID('9'), name: 'svc', path: 'java', args: ['-jar', '/a.jar'], memory: 512 * 2 ** 20, env: ['JAVA_VERSION=8u131'] })) });
    const [f] = run(jvmHeapUnboundedRule, facts);
    expect(f?.fixes.map((x) => x.container_env?.[0])).toEqual(['JAVA_TOOL_OPTIONS=-Xmx384m', 'JAVA_TOOL_OPTIONS=-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=2', undefined]);
  });

  it('leaves alone a heap bounded in JAVA_OPTS, a container-aware JVM, and a container without a limit', () => {
    const facts = factsFrom({
      docker_inspect: inspect(
        inspectJson({ id: ID('c'), name: 'opts', path: 'sh', args: ['-c', 'exec java $JAVA_OPTS -jar /a.jar'], memory: 2 * GiB, env: ['JAVA_OPTS=-Xms1g -Xmx1g'] }),
        inspectJson({ id: ID('d'), name: 'aware', path: 'java', args: ['-jar', '/a.jar'], memory: 2 * GiB, env: ['JAVA_VERSION=8u191'] }),
        inspectJson({ id: ID('e'), name: 'nolimit', path: 'java', args: ['-jar', '/a.jar'] }),
        inspectJson({ id: ID('f'), name: 'pct', path: 'java', args: ['-XX:MaxRAMPercentage=75.0', '-jar', '/a.jar'], memory: 2 * GiB }),
      ),
    });
    expect(run(jvmHeapUnboundedRule, facts)).toEqual([]);
  });

  it('flags a heap bound that lets the heap alone take (nearly) all of the limit, quoting the option', () => {
    const facts = factsFrom({
      docker_inspect: inspect(
        inspectJson({ id: ID('1'), name: 'xmx', path: 'java', args: ['-Xmx2g', '-jar', '/a.jar'], memory: 2 * GiB, env: ['JAVA_VERSION=8u111'] }),
        inspectJson({ id: ID('2'), name: 'pct', path: 'java', args: ['-jar', '/a.jar'], memory: GiB, env: ['JAVA_VERSION=17.0.9', 'JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=100'] }),
        inspectJson({ id: ID('3'), name: 'frac', path: 'catalina.sh', args: ['run'], memory: GiB, env: ['JAVA_VERSION=8u151', 'CATALINA_OPTS=-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=1'] }),
        inspectJson({ id: ID('4'), name: 'maxram', path: 'java', args: ['-XX:MaxRAM=16g', '-jar', '/a.jar'], memory: 2 * GiB, env: ['JAVA_VERSION=8u111'] }),
        inspectJson({ id: ID('5'), name: 'near', path: 'java', args: ['-Xmx1946m', '-jar', '/a.jar'], memory: 2 * GiB, env: ['JAVA_VERSION=11.0.16'] }),
        // 3/4 of the limit is what the fixes give: left alone
        inspectJson({ id: ID('6'), name: 'fine', path: 'java', args: ['-Xmx1536m', '-jar', '/a.jar'], memory: 2 * GiB, env: ['JAVA_VERSION=8u111'] }),
      ),
    });
    const found = run(jvmHeapUnboundedRule, facts);
    expect(found.map((f) => f.title)).toEqual([
      `Container xmx (${ID('1').slice(0, 12)}) runs java with a 2 GiB memory limit and -Xmx2g: its heap alone may take the whole limit`,
      `Container pct (${ID('2').slice(0, 12)}) runs java with a 1 GiB memory limit and -XX:MaxRAMPercentage=100: its heap alone may take the whole limit`,
      `Container frac (${ID('3').slice(0, 12)}) runs java with a 1 GiB memory limit and -XX:MaxRAMFraction=1: its heap alone may take the whole limit`,
      `Container maxram (${ID('4').slice(0, 12)}) runs java with a 2 GiB memory limit and -XX:MaxRAM=16g: its heap alone may take more than the whole limit`,
      `Container near (${ID('5').slice(0, 12)}) runs java with a 2 GiB memory limit and -Xmx1946m: its heap alone may take 95 % of it`,
    ]);
    const [xmx, pct, frac] = found;
    expect(xmx?.evidence.map((e) => e.text.trim())).toContain('"-Xmx2g",');
    expect(xmx?.fixes.map((f) => f.title)).toEqual(['Lower the heap below the limit: -Xmx1536m in place of -Xmx2g', 'Or raise the limit to hold this heap: 2816 MiB, its 2.0 GiB and a quarter more for the rest (rounded up)']);
    expect(xmx?.fixes[1]?.commands).toEqual([`docker update --memory 2816m --memory-swap 2816m ${ID('1').slice(0, 12)}`]);
    expect(xmx?.data).toMatchObject({ heap_bytes: 2 * GiB, heap_option: '-Xmx2g', limit_bytes: 2 * GiB });
    // the share is in JAVA_TOOL_OPTIONS: an -Xmx added there outranks it; the version that makes it a share of the limit is quoted
    expect(pct?.fixes[0]?.container_env).toEqual(['JAVA_TOOL_OPTIONS=<what it holds now> -Xmx768m']);
    expect(pct?.evidence.map((e) => e.text.trim())).toEqual(expect.arrayContaining(['"JAVA_VERSION=17.0.9",', '"JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=100"']));
    expect(frac?.evidence.map((e) => e.text.trim())).toContain('"CATALINA_OPTS=-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=1"');
  });

  it('says a JAVA_OPTS that java never sees bounds nothing: Docker runs java itself, and no script puts it on the command line', () => {
    const facts = factsFrom({
      docker_inspect: inspect(
        inspectJson({ id: ID('a'), name: 'direct', path: 'java', args: ['-jar', '/a.jar'], memory: 2 * GiB, env: ['JAVA_VERSION=8u111', 'JAVA_OPTS=-Xms1g -Xmx1g'] }),
        // a shell expands it: bounded
        inspectJson({ id: ID('b'), name: 'shell', path: 'sh', args: ['-c', 'exec java $JAVA_OPTS -jar /a.jar'], memory: 2 * GiB, env: ['JAVA_VERSION=8u111', 'JAVA_OPTS=-Xms1g -Xmx1g'] }),
      ),
    });
    const found = run(jvmHeapUnboundedRule, facts);
    expect(found.map((f) => f.subject)).toEqual([ID('a')]);
    expect(found[0]?.title).toContain('runs java with a 2 GiB memory limit and no -Xmx; Java 8u111 (JAVA_VERSION=8u111)');
    expect(found[0]?.fixes[0]?.detail).toContain("JAVA_OPTS holds a heap option the JVM never sees: no shell or launcher script puts it on java's command line. JAVA_TOOL_OPTIONS is read by the JVM itself.");
    expect(found[0]?.evidence.map((e) => e.text.trim())).toContain('"JAVA_OPTS=-Xms1g -Xmx1g"');
  });

  it('reads Java versions in their several spellings', () => {
    expect(parseJavaVersion('8u151-b12-1~deb9u1')).toEqual({ major: 8, update: 151 });
    expect(parseJavaVersion('1.8.0_181')).toEqual({ major: 8, update: 181 });
    expect(parseJavaVersion('jdk-11.0.2+9')).toEqual({ major: 11, update: 2 });
    expect(parseJavaVersion('11.0.16.1')).toEqual({ major: 11, update: 16 });
    expect(parseJavaVersion('17')).toEqual({ major: 17 });
    expect(isContainerAware({ major: 8, update: 190 })).toBe(false);
    expect(isContainerAware({ major: 8 })).toBe(false);
    expect(isContainerAware({ major: 10 })).toBe(true);
  });

  describe('on a cgroup v2 host (docker info says so)', () => {
    // docker info as Docker 20.10+ prints it (https://docs.docker.com/reference/cli/docker/system/info/)
    const info = (version: 1 | 2) =>
      ['Client:', ' Context:    default', '', 'Server:', ' Containers: 1', '  Running: 1', ' Server Version: 20.10.5', ' Storage Driver: overlay2',
        ' Cgroup Driver: systemd', ` Cgroup Version: ${version}`, ' Kernel Version: 5.10.0-8-amd64', ''].join('\n');
    const java = (version: string) => inspectJson({ id: ID('a'), name: 'api', path: 'java', args: ['-jar', '/app.jar'], memory: GiB, env: [`JAVA_VERSION=${version}`] });
    const titles = (cgroup: 1 | 2, version: string) => run(jvmHeapUnboundedRule, factsFrom({ docker_info: info(cgroup), docker_inspect: inspect(java(version)) })).map((f) => f.title);

    it('flags 8u191 to 8u371 and 11 before 11.0.16, which read only cgroup v1 limits, and quotes the Cgroup Version line', () => {
      const [f] = run(jvmHeapUnboundedRule, factsFrom({ docker_info: info(2), docker_inspect: inspect(java('11.0.2')) }));
      expect(f?.title).toContain('Java 11.0.2 (JAVA_VERSION=11.0.2) does not read a cgroup v2 limit');
      expect(f?.evidence.map((e) => e.text.trim())).toContain('Cgroup Version: 2');
      expect(f?.fixes.map((x) => x.title)).toEqual([
        'Bound the heap to about 3/4 of the limit: -Xmx768m for a 1 GiB limit',
        'Or run a JVM that reads cgroup v2 limits (8u372+, 11.0.16+ or 15+) and size the heap as a share of the limit',
      ]);
      expect(titles(2, '8u191')).toHaveLength(1);
      expect(titles(2, '8u352')).toHaveLength(1);
    });

    it('leaves alone the releases that read cgroup v2, and the same JVMs on a cgroup v1 host', () => {
      for (const v of ['8u372', '11.0.16', '15', '17.0.9']) expect(titles(2, v), v).toEqual([]);
      for (const v of ['8u191', '11.0.2']) expect(titles(1, v), v).toEqual([]);
    });

    it('never offers the cgroup v1 experimental flag on cgroup v2', () => {
      const [f] = run(jvmHeapUnboundedRule, factsFrom({ docker_info: info(2), docker_inspect: inspect(java('8u131')) }));
      expect(f?.title).toContain('does not size its heap from the cgroup');
      expect(f?.fixes.flatMap((x) => x.container_env ?? []).join(' ')).not.toMatch(/UseCGroupMemoryLimitForHeap/);
    });
  });

  describe('with the process list (ps), which shows what the main process really runs', () => {
    // ps without parents (ps -eo pid,stat,etimes,wchan:32,args, as earlier playbooks collected it): only
    // the main process is read; inspectJson's main process is pid 100
    const ps = (args: string) => ['  PID STAT ELAPSED WCHAN                            COMMAND', `  100 Ssl     3600 futex_wait_queue                 ${args}`, ''].join('\n');
    const script = (args: string[], env: string[] = ['JAVA_VERSION=8u121']) => inspectJson({ id: ID('a'), name: 'svc', path: '/docker-entrypoint.sh', args, memory: GiB, env });

    it('finds java that an entrypoint script exec\'d, and quotes its ps line', () => {
      const [f] = run(jvmHeapUnboundedRule, factsFrom({ docker_inspect: inspect(script(['start'])), ps: ps('java -Dfile.encoding=UTF-8 -jar /opt/app/app.jar') }));
      expect(f?.title).toContain('runs java with a 1 GiB memory limit and no -Xmx');
      expect(f?.evidence.filter((e) => e.spec === 'ps').map((e) => e.text.trim())).toEqual(['100 Ssl     3600 futex_wait_queue                 java -Dfile.encoding=UTF-8 -jar /opt/app/app.jar']);
    });

    it('believes the -Xmx a script added over the command inspect shows, and the JVM\'s own option variables', () => {
      expect(run(jvmHeapUnboundedRule, factsFrom({ docker_inspect: inspect(script(['java', '-jar', '/app.jar'])), ps: ps('java -Xmx768m -jar /app.jar') }))).toEqual([]);
      const toolOptions = script(['start'], ['JAVA_VERSION=8u121', 'JAVA_TOOL_OPTIONS=-Xmx700m']);
      expect(run(jvmHeapUnboundedRule, factsFrom({ docker_inspect: inspect(toolOptions), ps: ps('java -jar /app.jar') }))).toEqual([]);
    });

    it('falls back to the command inspect shows when the main process is not java (tini, a shell that did not exec)', () => {
      expect(run(jvmHeapUnboundedRule, factsFrom({ docker_inspect: inspect(script(['java', '-jar', '/app.jar'])), ps: ps('/bin/sh /docker-entrypoint.sh java -jar /app.jar') }))).toHaveLength(1);
      expect(run(jvmHeapUnboundedRule, factsFrom({ docker_inspect: inspect(script(['start'])), ps: ps('/sbin/tini -- /docker-entrypoint.sh start') }))).toEqual([]);
    });
  });

  describe('with parents in the process list (ps -eo pid,ppid,...), which shows the JVM below an init or a script', () => {
    // rows of `ps -eo pid,ppid,stat,etimes,wchan:32,args`, as the playbooks collect it; inspectJson's main process is pid 100
    const tree = (...rows: [pid: number, ppid: number, args: string][]) =>
      ['  PID  PPID STAT ELAPSED WCHAN                            COMMAND', ...rows.map(([pid, ppid, args]) => `${String(pid).padStart(5)} ${String(ppid).padStart(5)} Ssl     3600 futex_wait_queue                 ${args}`), ''].join('\n');
    const tini = (args: string[], env: string[] = ['JAVA_VERSION=8u121']) => inspectJson({ id: ID('a'), name: 'svc', path: '/sbin/tini', args: ['--', ...args], memory: GiB, env });
    const findings = (container: object, ps: string) => run(jvmHeapUnboundedRule, factsFrom({ docker_inspect: inspect(container), ps }));

    it('finds the java an init started (inspect shows only tini and a script), and quotes its ps line', () => {
      const ps = tree([1, 0, '/sbin/init'], [100, 90, '/sbin/tini -- /docker-entrypoint.sh start'], [120, 100, 'java -Dfile.encoding=UTF-8 -jar /opt/app/app.jar']);
      const [f] = findings(tini(['/docker-entrypoint.sh', 'start']), ps);
      expect(f?.title).toContain('runs java with a 1 GiB memory limit and no -Xmx; Java 8u121');
      expect(f?.evidence.filter((e) => e.spec === 'ps').map((e) => e.line)).toEqual([4]);
    });

    it("reads the heap a script below the init gives java, and says the script sets it", () => {
      const ps = tree([100, 90, '/sbin/tini -- /docker-entrypoint.sh start'], [110, 100, '/bin/sh /docker-entrypoint.sh start'], [130, 110, '/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx1g -jar /app.jar']);
      const [f] = findings(tini(['/docker-entrypoint.sh', 'start'], []), ps);
      expect(f?.title).toContain('runs java with a 1 GiB memory limit and -Xmx1g: its heap alone may take the whole limit');
      expect(f?.data?.java_version).toBe('17');
      expect(f?.fixes[0]?.detail).toContain("A script puts it on java's command line");
      expect(f?.evidence.filter((e) => e.spec === 'ps').map((e) => e.line)).toEqual([4]);
    });

    it("names the image's own variable that its script puts on java's command line (Elasticsearch's ES_JAVA_OPTS)", () => {
      // as the Elasticsearch 7 image runs: tini, its entrypoint script, then java with ES_JAVA_OPTS among its options
      const ps = tree([100, 90, '/bin/tini -- /usr/local/bin/docker-entrypoint.sh eswrapper'], [120, 100, '/usr/share/elasticsearch/jdk/bin/java -Xshare:auto -Des.networkaddress.cache.ttl=60 -Xms1g -Xmx1g -XX:+UseG1GC -cp /usr/share/elasticsearch/lib/* org.elasticsearch.bootstrap.Elasticsearch']);
      const es = tini(['/usr/local/bin/docker-entrypoint.sh', 'eswrapper'], ['ES_JAVA_OPTS=-Xms1g -Xmx1g', 'JAVA_TOOL_OPTIONS=-Xss1m']);
      const [f] = findings(es, ps);
      expect(f?.title).toContain('runs java with a 1 GiB memory limit and -Xmx1g: its heap alone may take the whole limit');
      expect(f?.fixes[0]?.detail).toContain('It is set in ES_JAVA_OPTS; a later option there wins.');
      expect(f?.fixes[0]?.container_env).toEqual(['ES_JAVA_OPTS=<what it holds now> -Xmx768m']);
      expect(f?.evidence.map((e) => e.text.trim())).toContain('"ES_JAVA_OPTS=-Xms1g -Xmx1g",');
      // a variable the JVM reads itself never reaches its command line: an option ps shows there is not from it
      const [own] = findings(tini(['/usr/local/bin/docker-entrypoint.sh', 'eswrapper'], ['JAVA_TOOL_OPTIONS=-Xmx1g']), tree([100, 90, '/bin/tini -- /usr/local/bin/docker-entrypoint.sh'], [120, 100, 'java -Xmx1g -jar /app.jar']));
      expect(own?.fixes[0]?.detail).toContain("A script puts it on java's command line");
    });

    it("takes no other container's java, nor one of two JVMs side by side, for the container's", () => {
      const elsewhere = tree([100, 90, '/sbin/tini -- /docker-entrypoint.sh start'], [300, 290, 'java -jar /other.jar']);
      expect(findings(tini(['/docker-entrypoint.sh', 'start']), elsewhere)).toEqual([]);
      const twoSideBySide = tree([100, 90, '/usr/bin/supervisord -n'], [120, 100, 'java -jar /a.jar'], [121, 100, 'java -jar /b.jar']);
      expect(findings(inspectJson({ id: ID('a'), name: 'svc', path: '/usr/bin/supervisord', args: ['-n'], memory: GiB, env: ['JAVA_VERSION=8u121'] }), twoSideBySide)).toEqual([]);
      // the nearest one wins: a JVM that starts another (a build it runs) is the container's
      const parentAndChild = tree([100, 90, '/sbin/tini -- /docker-entrypoint.sh start'], [120, 100, 'java -jar /ci.jar'], [140, 120, 'java -Xmx64m -cp /build Task']);
      expect(findings(tini(['/docker-entrypoint.sh', 'start']), parentAndChild)[0]?.evidence.filter((e) => e.spec === 'ps').map((e) => e.line)).toEqual([3]);
    });
  });
});

describe('JVM_HEAP_UNBOUNDED reads the JVM from what runs and how it was told', () => {
  const ps = (args: string) => ['  PID STAT ELAPSED WCHAN                            COMMAND', `  100 Ssl     3600 futex_wait_queue                 ${args}`, ''].join('\n');
  const svc = (over: { path?: string; args?: string[]; env?: string[] } = {}) =>
    inspectJson({ id: ID('a'), name: 'svc', path: over.path ?? '/entrypoint.sh', args: over.args ?? [], memory: GiB, env: over.env ?? [] });
  const findings = (container: object, args?: string) => run(jvmHeapUnboundedRule, factsFrom({ docker_inspect: inspect(container), ...(args ? { ps: ps(args) } : {}) }));

  it('names an OpenJ9 JVM as such, from the JAVA_VERSION of its image', () => {
    // AdoptOpenJDK's openj9 build of 8u181: OpenJ9 0.9 left container support off by default
    const [f] = findings(svc({ path: 'java', args: ['-jar', '/app.jar'], env: ['JAVA_VERSION=jdk8u181-b13_openj9-0.9.0'] }));
    expect(f?.title).toContain('no -Xmx; Java 8u181 (OpenJ9) (JAVA_VERSION=jdk8u181-b13_openj9-0.9.0) does not size its heap from the cgroup');
  });

  it('reads the release from the path of the java that runs', () => {
    expect(parseJavaPath('/usr/lib/jvm/java-17-openjdk-amd64/bin/java')).toEqual({ major: 17 });
    expect(parseJavaPath('/usr/lib/jvm/java-1.8.0-openjdk-1.8.0.131-11.b12.el7.x86_64/jre/bin/java')).toEqual({ major: 8, update: 131 });
    expect(parseJavaPath('/usr/lib/jvm/java-11-openjdk-11.0.16.0.8-1.el8_6.x86_64/bin/java')).toEqual({ major: 11, update: 16 });
    expect(parseJavaPath('/usr/java/jdk1.8.0_131/bin/java')).toEqual({ major: 8, update: 131 });
    expect(parseJavaPath('/opt/java/jdk8u131-b11/jre/bin/java')).toEqual({ major: 8, update: 131 });
    expect(parseJavaPath('/opt/jdk-11.0.2+9/bin/java')).toEqual({ major: 11, update: 2 });
    expect(parseJavaPath('/usr/lib/jvm/java-1.8-openjdk/jre/bin/java')).toEqual({ major: 8 });
    expect(parseJavaPath('/usr/lib/jvm/zulu17/bin/java')).toEqual({ major: 17 });
    expect(parseJavaPath('/usr/lib/jvm/java-11-amazon-corretto/bin/java')).toEqual({ major: 11 });
    for (const unknown of ['/opt/java/openjdk/bin/java', '/docker-java-home/jre/bin/java', '/usr/bin/java', 'java', '/usr/lib/jvm/default-java/bin/java']) {
      expect(parseJavaPath(unknown), unknown).toBeUndefined();
    }
  });

  it('leaves alone a Java 17 known only by its path, and flags a Java 8u131 known the same way', () => {
    expect(findings(svc(), '/usr/lib/jvm/java-17-openjdk-amd64/bin/java -jar /app.jar')).toEqual([]);
    expect(findings(svc({ path: '/usr/lib/jvm/java-17-openjdk-amd64/bin/java', args: ['-jar', '/app.jar'] }))).toEqual([]);
    const rhel = '/usr/lib/jvm/java-1.8.0-openjdk-1.8.0.131-11.b12.el7.x86_64/jre/bin/java';
    const [f] = findings(svc(), `${rhel} -jar /app.jar`);
    expect(f?.title).toContain(`Java 8u131 (path ${rhel}) does not size its heap from the cgroup`);
    expect(f?.fixes.map((x) => x.container_env?.[0])).toContain('JAVA_TOOL_OPTIONS=-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=2');
  });

  it('believes the path over a JAVA_VERSION of another release, and reads JAVA_HOME when nothing else tells', () => {
    expect(findings(svc({ env: ['JAVA_VERSION=8u121'] }), '/usr/lib/jvm/java-17-openjdk-amd64/bin/java -jar /app.jar')).toEqual([]);
    const [f] = findings(svc({ env: ['JAVA_HOME=/usr/lib/jvm/java-1.8-openjdk'] }), 'java -jar /app.jar');
    expect(f?.title).toContain('Java 8 (JAVA_HOME=/usr/lib/jvm/java-1.8-openjdk)');
    expect(f?.evidence.map((e) => e.text)).toEqual(expect.arrayContaining([expect.stringContaining('"JAVA_HOME=/usr/lib/jvm/java-1.8-openjdk"')]));
  });

  it('flags a container-aware JVM told to ignore the limit with -XX:-UseContainerSupport, and says to remove it', () => {
    const java17 = svc({ path: '/usr/lib/jvm/java-17-openjdk-amd64/bin/java', args: ['-XX:-UseContainerSupport', '-jar', '/app.jar'] });
    const [f] = findings(java17);
    expect(f?.title).toBe('Container svc (aaaaaaaaaaaa) runs java with a 1 GiB memory limit and no -Xmx; -XX:-UseContainerSupport tells Java 17 (path /usr/lib/jvm/java-17-openjdk-amd64/bin/java) to ignore the limit');
    expect(f?.evidence.map((e) => e.text.trim())).toEqual(expect.arrayContaining(['"-XX:-UseContainerSupport",']));
    expect(f?.fixes.map((x) => x.title)).toEqual(['Remove -XX:-UseContainerSupport: Java 17 then sizes its heap from the 1 GiB limit', 'Or bound the heap: -Xmx768m for a 1 GiB limit']);
    expect(f?.data).toMatchObject({ container_support_off: true });
    // the same flag in JAVA_TOOL_OPTIONS
    expect(findings(svc({ env: ['JAVA_TOOL_OPTIONS=-XX:-UseContainerSupport'] }), '/usr/lib/jvm/java-17-openjdk-amd64/bin/java -jar /app.jar')).toHaveLength(1);
  });

  it('counts -XX:MaxHeapSize as a bound, and a MaxRAMFraction on a JVM that does not read the limit as none', () => {
    expect(findings(svc({ env: ['JAVA_VERSION=8u121'] }), 'java -XX:MaxHeapSize=700m -jar /app.jar')).toEqual([]);
    const [f] = findings(svc({ env: ['JAVA_VERSION=8u121'] }), 'java -XX:MaxRAMFraction=2 -jar /app.jar');
    expect(f?.fixes[0]?.detail).toContain("-XX:MaxRAMFraction=2 does not help: it is a share of the host's memory, not of the limit");
    // MaxRAMPercentage came with the container support itself: a JVM that starts with it reads a v1 limit
    expect(findings(svc(), 'java -XX:MaxRAMPercentage=75.0 -jar /app.jar')).toEqual([]);
  });

  it('quotes the line its version came from: the image name (not the image id), JAVA_DEBIAN_VERSION, JDK_VERSION', () => {
    const evidenceOf = (container: object) => findings(container).flatMap((f) => f.evidence.map((e) => e.text.trim()));
    // docker inspect holds the image twice: its id at the top, the name and tag a user gave in Config
    const tagged = { ...svc({ path: 'java', args: ['-jar', '/app.jar'] }), Image: 'sha256:4b3d8a2e5c1f' };
    const [f] = findings({ ...tagged, Config: { Image: 'openjdk:8u181-jre', Env: [], Entrypoint: null } });
    expect(f?.title).toContain('Java 8u181 (image tag 8u181-jre)');
    expect(evidenceOf({ ...tagged, Config: { Image: 'openjdk:8u181-jre', Env: [], Entrypoint: null } })).toContain('"Image": "openjdk:8u181-jre",');
    expect(evidenceOf({ ...tagged, Config: { Image: 'openjdk:8u181-jre', Env: [], Entrypoint: null } }).join('\n')).not.toContain('sha256:4b3d8a2e5c1f');
    expect(evidenceOf(svc({ path: 'java', env: ['JAVA_DEBIAN_VERSION=8u151-b12-1~deb9u1'] }))).toContain('"JAVA_DEBIAN_VERSION=8u151-b12-1~deb9u1"');
    expect(evidenceOf(svc({ path: 'java', env: ['JDK_VERSION=1.8.0_121'] }))).toContain('"JDK_VERSION=1.8.0_121"');
  });

  it('reads the JDK directory on PATH for a java run by name, and quotes the PATH line', () => {
    // the openjdk:8-jre-alpine image's PATH (Swarm inspect in test/fixtures/variants/JVM_HEAP_UNBOUNDED)
    const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/jvm/java-1.8-openjdk/jre/bin:/usr/lib/jvm/java-1.8-openjdk/bin';
    const [f] = findings(svc({ path: 'java', args: ['-jar', '/app.jar'], env: [PATH] }));
    expect(f?.title).toContain('Java 8 (PATH entry /usr/lib/jvm/java-1.8-openjdk/jre/bin) does not size its heap from the cgroup');
    expect(f?.evidence.map((e) => e.text.trim())).toContain(`"${PATH}"`);
    // the same for a script that runs java by name; a JDK 17 on PATH is container-aware
    expect(findings(svc({ env: [PATH.replace(/java-1\.8-openjdk/g, 'java-17-openjdk')] }), 'java -jar /app.jar')).toEqual([]);
    // a java run by its full path is that one, whatever PATH holds
    expect(findings(svc({ env: [PATH] }), '/opt/app/jre/bin/java -jar /app.jar')[0]?.title).toContain('JVM version unknown');
  });

  it("counts the Jenkins image's jenkins.sh as java, and the JAVA_OPTS it passes on", () => {
    const jenkins = (env: string[]) => svc({ path: '/sbin/tini', args: ['--', '/usr/local/bin/jenkins.sh'], env: ['JAVA_VERSION=8u171', ...env] });
    expect(findings(jenkins([]))[0]?.title).toContain('Java 8u171 (JAVA_VERSION=8u171) does not size its heap from the cgroup');
    expect(findings(jenkins(['JAVA_OPTS=-Xmx700m']))).toEqual([]);
    // the Jenkins image as the Engine API returned it (a public test resource, filed as a variant with
    // no limit): given one, it is flagged on its JAVA_VERSION, which is quoted
    const published = JSON.parse(readFileSync(new URL('../../../fixtures/variants/JVM_HEAP_UNBOUNDED/arquillian-cube-engine-api-jenkins-sh-8u121-no-limit/docker_inspect', import.meta.url), 'utf8')) as { HostConfig: { Memory: number } };
    expect(findings(published)).toEqual([]);
    const [limited] = findings({ ...published, HostConfig: { ...published.HostConfig, Memory: GiB } });
    expect(limited?.title).toBe('Container cienv_jenkins-server_1 (8c0df5f3c863) runs java with a 1 GiB memory limit and no -Xmx; Java 8u121 (JAVA_VERSION=8u121) does not size its heap from the cgroup');
    expect(limited?.evidence.map((e) => e.text.trim())).toContain('"JAVA_VERSION=8u121",');
    // a Jenkins image of today sets JAVA_HOME=/opt/java/openjdk, which names no release, and JENKINS_VERSION,
    // whose release needs Java 11 (2.357+) or 17 (2.463+): container-aware on cgroup v1, and 17 on v2 too
    const modern = (version: string) =>
      svc({ path: '/usr/bin/tini', args: ['--', '/usr/local/bin/jenkins.sh'], env: ['PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/bin:/bin', `JENKINS_VERSION=${version}`, 'JAVA_HOME=/opt/java/openjdk'] });
    expect(findings(modern('2.428'))).toEqual([]);
    const docker_info = ['Server:', ' Server Version: 24.0.7', ' Cgroup Driver: systemd', ' Cgroup Version: 2', ''].join('\n');
    const onV2 = (version: string) => run(jvmHeapUnboundedRule, factsFrom({ docker_info, docker_inspect: inspect(modern(version)) }));
    expect(onV2('2.479.1')).toEqual([]);
    const [v2] = onV2('2.428');
    expect(v2?.title).toContain('Java 11+ (JENKINS_VERSION=2.428 needs it) may not read a cgroup v2 limit');
    expect(v2?.evidence.map((e) => e.text.trim())).toContain('"JENKINS_VERSION=2.428",');
    expect(v2?.fixes.at(-1)?.commands).toEqual(['docker exec aaaaaaaaaaaa java -version']);
    // before 2.357 it ran on 8 as well: the release stays unknown
    expect(findings(modern('2.346.3'))[0]?.title).toContain('JVM version unknown');
    // a launcher that sets a heap of its own is not taken for java
    expect(findings(svc({ path: '/opt/kafka/bin/kafka-server-start.sh', args: ['config/server.properties'], env: ['JAVA_VERSION=8u171'] }))).toEqual([]);
  });

  it('tells how to find out the version of a running JVM it cannot name, quoting the program ps shows', () => {
    const [f] = findings(svc(), '/opt/app$(id)/jre/bin/java -jar /app.jar');
    expect(f?.title).toContain('JVM version unknown');
    // a path from the host reaches the command quoted
    expect(f?.fixes.at(-1)?.commands).toEqual([`docker exec aaaaaaaaaaaa '/opt/app$(id)/jre/bin/java' -version`]);
    expect(findings(svc(), '/opt/app/jre/bin/java -jar /app.jar')[0]?.fixes.at(-1)?.commands).toEqual(['docker exec aaaaaaaaaaaa /opt/app/jre/bin/java -version']);
    const [plain] = findings(svc(), 'java -jar /app.jar');
    expect(plain?.fixes.at(-1)?.commands).toEqual(['docker exec aaaaaaaaaaaa java -version']);
  });
});

describe('image references', () => {
  it('reads the tag, and not a registry port or a digest', () => {
    expect(imageTag('openjdk:8u181-jre')).toBe('8u181-jre');
    expect(imageTag('registry.local:5000/business/app:test-20170825-1')).toBe('test-20170825-1');
    expect(imageTag('registry.local:5000/openjdk')).toBe('');
    expect(imageTag('openjdk@sha256:4b3d8a2e5c1f')).toBe('');
    expect(imageTag('node:14-alpine@sha256:4b3d8a2e5c1f')).toBe('14-alpine');
    expect(imageTag('busybox')).toBe('');
  });
});
