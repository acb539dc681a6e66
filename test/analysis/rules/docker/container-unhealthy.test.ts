import { describe, expect, it } from 'vitest';
import { checkInterval, containerUnhealthyRule, healthFailureOf } from '../../../../src/analysis/rules/docker/container-unhealthy.js';
import { parseDockerInspect } from '../../../../src/analysis/parsers/docker-inspect.js';
import { factsFrom, ID, inspectJson, run } from './rule-harness.js';

const SHORT = ID('a').slice(0, 12);
const SECOND = 1_000_000_000;

interface Probe {
  output: string;
  exitCode: number;
}

/**
 * One running container with a HEALTHCHECK, laid out as dockerd 20.10 prints it (State.Health with
 * its Log, Config.Healthcheck with nanosecond durations), indented as docker inspect indents.
 */
function checked(test: string[], probes: Probe[], more: { status?: string; streak?: number; running?: boolean; labels?: Record<string, string>; interval?: number; path?: string; env?: string[] } = {}): string {
  const c = inspectJson({ id: ID('a'), name: 'web', path: more.path ?? 'nginx', args: [], running: more.running ?? true, ...(more.env ? { env: more.env } : {}) }) as {
    State: Record<string, unknown>;
    Config: Record<string, unknown>;
  };
  const start = Date.parse('2026-01-01T00:00:00Z');
  c.State.Health = {
    Status: more.status ?? 'unhealthy',
    FailingStreak: more.streak ?? probes.filter((p) => p.exitCode !== 0).length,
    Log: probes.map((p, i) => ({
      Start: new Date(start + i * 30_000).toISOString(),
      End: new Date(start + i * 30_000 + 50).toISOString(),
      ExitCode: p.exitCode,
      Output: p.output,
    })),
  };
  c.Config.Healthcheck = { Test: test, Interval: more.interval ?? 30 * SECOND, Timeout: 3 * SECOND, Retries: 3 };
  if (more.labels) c.Config.Labels = more.labels;
  return JSON.stringify([c], null, 4);
}

const five = (p: Probe): Probe[] => [p, p, p, p, p];

describe('CONTAINER_UNHEALTHY', () => {
  it('reads State.Health and Config.Healthcheck with the lines that prove them', () => {
    const text = checked(['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], five({ exitCode: 7, output: 'curl: (7) Failed to connect to localhost port 8080: Connection refused\n' }), { streak: 41 });
    const [c] = parseDockerInspect(text);
    expect(c?.health).toMatchObject({ status: 'unhealthy', failingStreak: 41, test: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], intervalSeconds: 30, timeoutSeconds: 3, retries: 3 });
    expect(c?.health?.probes).toHaveLength(5);
    expect(c?.health?.statusLine?.text.trim()).toBe('"Status": "unhealthy",');
    expect(c?.health?.streakLine?.text.trim()).toBe('"FailingStreak": 41,');
    expect(c?.health?.probes.at(-1)?.line?.text).toContain('Connection refused');
    // indented JSON puts the check's words on lines of their own, and Go writes & as \u0026
    expect(c?.health?.testLine?.text.trim()).toBe('"curl -f http://localhost:8080/health || exit 1"');
    const goEscaped = checked(['CMD-SHELL', 'curl -f http://localhost/ && true'], five({ exitCode: 1, output: '' })).replace('&&', '\\u0026\\u0026');
    expect(parseDockerInspect(goEscaped)[0]?.health?.testLine?.text).toContain('\\u0026\\u0026 true');
  });

  it('names the cause, from the output of the last check, in the title, with what to do for it', () => {
    const [f] = run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], five({ exitCode: 7, output: 'curl: (7) Failed to connect to localhost port 8080: Connection refused\n' }), { streak: 41 }) }));
    expect(f?.title).toBe(`Container web (${SHORT}) is unhealthy: its health check failed 41 times in a row, for about 20 min (connection refused on port 8080)`);
    expect(f?.fixes[0]?.title).toBe('Nothing listens where the check connects (port 8080): the service is down inside the container, or listens elsewhere');
    expect(f?.fixes[0]?.detail).toMatch(/^The last check said: "curl: \(7\) Failed to connect to localhost port 8080: Connection refused"\. /);
    // the check by hand, its line quoted for sh; and Docker does not restart it for anyone
    expect(f?.fixes[1]?.commands).toEqual([`docker exec ${SHORT} sh -c 'curl -f http://localhost:8080/health || exit 1'; echo "exit $?"`]);
    expect(f?.fixes.at(-1)).toMatchObject({ title: expect.stringMatching(/^Docker does not restart an unhealthy container by itself/), commands: [`docker restart ${SHORT}`] });
    expect(f?.seen).toMatchObject({ count: 41, first: { utc: '2026-01-01T00:00:00.050Z' }, last: { utc: '2026-01-01T00:02:00.050Z' }, clock: 'docker' });
    expect(f?.data).toMatchObject({ health_failure: 'refused', failing_streak: 41, last_exit_code: 7 });
  });

  it('reads each cause the outputs of curl, wget, BusyBox sh, runc and Docker itself give', () => {
    const shell = ['CMD-SHELL', 'curl -f http://localhost/'];
    const cases: [string, number, ReturnType<typeof healthFailureOf>][] = [
      ['Health check exceeded timeout (30s)', -1, { kind: 'timeout', seconds: '30s' }],
      ['/bin/sh: curl: not found\n', 127, { kind: 'missing', program: 'curl' }],
      ['/bin/sh: 1: curl: not found\n', 127, { kind: 'missing', program: 'curl' }],
      ['OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown', 126, { kind: 'missing', program: 'curl' }],
      ['OCI runtime exec failed: exec failed: cannot exec a container that has stopped: unknown', -1, { kind: 'exec', reason: 'cannot exec a container that has stopped' }],
      ['', 127, { kind: 'missing', program: 'curl' }],
      ['curl: (22) The requested URL returned error: 503\n', 22, { kind: 'http', status: '503' }],
      ['Connecting to localhost:8080 (127.0.0.1:8080)\nwget: server returned error: HTTP/1.1 500 Internal Server Error\n', 1, { kind: 'http', status: '500' }],
      ["wget: can't connect to remote host (127.0.0.1): Connection refused\n", 1, { kind: 'refused' }],
      ['curl: (6) Could not resolve host: db\n', 6, { kind: 'resolve', name: 'db' }],
      ["wget: bad address 'api.internal'\n", 1, { kind: 'resolve', name: 'api.internal' }],
      ['pg_isready: no response\n', 2, { kind: 'failed', exitCode: 2 }],
    ];
    for (const [output, exitCode, expected] of cases) expect(healthFailureOf({ output, exitCode }, shell), output).toEqual(expected);
    // the port of a refusal that does not say it comes from the check's own line
    expect(healthFailureOf({ output: "wget: can't connect to remote host (127.0.0.1): Connection refused\n", exitCode: 1 }, ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:9090/ready'])).toEqual({ kind: 'refused', port: '9090' });
    // exit 127 with no words: the program is CMD's first word
    expect(healthFailureOf({ output: '', exitCode: 127 }, ['CMD', '/usr/local/bin/healthcheck', '--quiet'])).toEqual({ kind: 'missing', program: 'healthcheck' });
  });

  it('offers no restart for a check that can never pass, and a thread dump before one for a JVM that does not answer', () => {
    const [missing] = run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD-SHELL', 'curl -f http://localhost/'], five({ exitCode: 127, output: '/bin/sh: curl: not found\n' })) }));
    expect(missing?.title).toMatch(/\(curl is not in the image\)$/);
    expect(missing?.fixes.flatMap((f) => f.commands ?? []).filter((c) => c.startsWith('docker restart'))).toEqual([]);
    expect(missing?.fixes[0]?.detail).toMatch(/restarting the container will not help/);
    expect(missing?.will_not_help).toEqual(['docker restart']);

    const [jvm] = run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD-SHELL', 'curl -f http://localhost:8080/actuator/health'], five({ exitCode: -1, output: 'Health check exceeded timeout (3s)' }), { path: 'java', env: ['JAVA_VERSION=17.0.8'] }) }));
    expect(jvm?.title).toMatch(/\(it timed out after 3s\)$/);
    expect(jvm?.fixes[0]?.commands).toContain(`docker exec ${SHORT} sh -c 'jcmd 1 Thread.print || kill -QUIT 1'`);
    const [nginx] = run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD-SHELL', 'curl -f http://localhost/'], five({ exitCode: -1, output: 'Health check exceeded timeout (3s)' })) }));
    expect(nginx?.fixes.flatMap((f) => f.commands ?? []).filter((c) => c.includes('Thread.print'))).toEqual([]);
  });

  it('says Swarm replaces an unhealthy task, and nothing else does', () => {
    const probes = five({ exitCode: 1, output: 'curl: (22) The requested URL returned error: 500\n' });
    const [swarm] = run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD-SHELL', 'curl -f http://localhost/'], probes, { labels: { 'com.docker.swarm.service.name': 'shop_api' } }) }));
    expect(swarm?.fixes.at(-1)).toEqual({ title: 'Swarm replaces unhealthy tasks of service shop_api by itself: read why its tasks fail', commands: ['docker service ps --no-trunc shop_api'] });
    const [compose] = run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD-SHELL', 'curl -f http://localhost/'], probes, { labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' } }) }));
    expect(compose?.fixes.at(-1)?.detail).toContain('Compose service api does not restart it either.');
  });

  it('leaves alone healthy, starting and stopped containers, and reads (unhealthy) from docker ps alone', () => {
    const ok = five({ exitCode: 0, output: '' });
    const bad = five({ exitCode: 1, output: '' });
    expect(run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD', 'true'], ok, { status: 'healthy' }) }))).toEqual([]);
    expect(run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD', 'true'], [], { status: 'starting' }) }))).toEqual([]);
    // an exited container keeps its last health: that is history, and CONTAINER_EXITED says why it ended
    expect(run(containerUnhealthyRule, factsFrom({ docker_inspect: checked(['CMD', 'false'], bad, { running: false }) }))).toEqual([]);
    const ps = 'CONTAINER ID   IMAGE          COMMAND                  CREATED       STATUS                    PORTS     NAMES\n498a4a648f86   pihole/pihole  "/s6-init"                58 minutes ago   Up 23 minutes (unhealthy)             pihole\n';
    const [row] = run(containerUnhealthyRule, factsFrom({ docker_ps: ps }));
    expect(row?.title).toBe('Container pihole (498a4a648f86) is unhealthy (Up 23 minutes (unhealthy))');
    expect(row?.fixes[0]?.commands).toEqual([`docker inspect -f '{{json .State.Health}}' 498a4a648f86`]);
  });

  it('tells how long the check has failed from its interval, or from the log when the check is not shown', () => {
    const [c] = parseDockerInspect(checked(['CMD', 'true'], five({ exitCode: 1, output: '' }), { interval: 0 }));
    // interval 0 in Config.Healthcheck: Docker's default, 30 s
    expect(c?.health && checkInterval(c.health)).toBe(30);
    const withoutCheck = { ...c?.health, test: undefined, intervalSeconds: undefined, probes: c?.health?.probes ?? [], status: 'unhealthy' };
    expect(checkInterval(withoutCheck)).toBe(30);
    expect(checkInterval({ ...withoutCheck, probes: withoutCheck.probes.slice(0, 1) })).toBeUndefined();
  });

  it("quotes its own last words where its log was read, and a JVM's OutOfMemoryError that left it unable to answer", () => {
    const tail = [
      `# container ${SHORT}`,
      '2026-01-01T00:01:58.100000000Z 2026-01-01 00:01:58 ERROR [http-nio-8080-exec-7] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() threw exception',
      '2026-01-01T00:01:58.200000000Z java.lang.OutOfMemoryError: Java heap space',
      '',
    ].join('\n');
    const inspect = checked(['CMD-SHELL', 'curl -f http://localhost:8080/actuator/health'], five({ exitCode: -1, output: 'Health check exceeded timeout (3s)' }), { path: 'java', env: ['JAVA_VERSION=17.0.8'] });
    const [f] = run(containerUnhealthyRule, factsFrom({ docker_inspect: inspect, container_log_tail: tail }));
    expect(f?.evidence.map((e) => e.text)).toContainEqual(expect.stringContaining('java.lang.OutOfMemoryError: Java heap space'));
    // the heap it ran out of leads; the timeout's own fix quotes its last words
    expect(f?.fixes[0]?.title).toMatch(/heap/i);
    const timeout = f?.fixes.find((x) => x.title.startsWith('The service did not answer its check in time'));
    expect(timeout?.detail).toContain('java.lang.OutOfMemoryError: Java heap space');
  });
});

