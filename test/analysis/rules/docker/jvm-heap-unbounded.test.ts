import { describe, expect, it } from 'vitest';
import { isContainerAware, jvmHeapUnboundedRule, parseJavaVersion } from '../../../../src/analysis/rules/docker/jvm-heap-unbounded.js';
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

  it('says so when the JVM version is unknown', () => {
    const facts = factsFrom({ docker_inspect: inspect(inspectJson({ id: ID('b'), name: 'svc', path: 'sh', args: ['-c', 'exec java -jar /a.jar'], memory: 1536 * 2 ** 20 })) });
    const [f] = run(jvmHeapUnboundedRule, facts);
    expect(f?.title).toContain('JVM version unknown, assumed not container-aware');
    expect(f?.fixes[0]?.commands).toContain('-Xmx1152m');
    // neither a flag only some versions have, nor one this JVM may not know, is handed out as a command
    expect(f?.fixes.flatMap((x) => x.commands ?? []).join(' ')).not.toMatch(/UseCGroupMemoryLimitForHeap|MaxRAMPercentage/);
  });

  it('offers the experimental cgroup flag to 8u131 (the Swarm service of the public variant), with -Xmx first', () => {
    const facts = factsFrom({ docker_inspect: inspect(inspectJson({ id: ID('9'), name: 'svc', path: 'java', args: ['-jar', '/a.jar'], memory: 512 * 2 ** 20, env: ['JAVA_VERSION=8u131'] })) });
    const [f] = run(jvmHeapUnboundedRule, facts);
    expect(f?.fixes.map((x) => x.commands?.[0])).toEqual(['-Xmx384m', '-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap -XX:MaxRAMFraction=2', undefined]);
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
      expect(f?.fixes.flatMap((x) => x.commands ?? []).join(' ')).not.toMatch(/UseCGroupMemoryLimitForHeap/);
    });
  });

  describe('with the process list (ps), which shows what the main process really runs', () => {
    // ps -eo pid,stat,etimes,wchan:32,args, as the docker-host playbook collects it; inspectJson's main process is pid 100
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
});
