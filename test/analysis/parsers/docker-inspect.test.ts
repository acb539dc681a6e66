import { describe, expect, it } from 'vitest';
import { parseDockerInspect } from '../../../src/analysis/parsers/docker-inspect.js';
import { fixtureText } from './fixture-text.js';

describe('parseDockerInspect', () => {
  it('reads Docker 1.3 sorted keys: memory in Config, no State.Status', () => {
    const [first] = parseDockerInspect(fixtureText('redis-dm-pool-full', 'docker_inspect'));
    expect(first).toMatchObject({ id: 'a4feb0094cc56b99ac480b9237ab62aaf0889ab239f60e10408c9503d4f097d9', name: 'redis_7021', status: 'running', running: true, memoryLimitBytes: 10737418240 });
    expect(first?.lines.Name?.text.trim()).toBe('"Name": "/redis_7021",');
  });

  it('reads the newer layout with OOMKilled, exit codes, limits and env', () => {
    const all = parseDockerInspect(fixtureText('mesos-java-oom-137', 'docker_inspect'));
    const killed = all.find((c) => c.id.startsWith('812c82c5a7a5'));
    expect(killed).toMatchObject({ status: 'exited', running: false, exitCode: 137, oomKilled: true, memoryLimitBytes: 4294967296, restartCount: 0 });
    expect(killed?.command?.startsWith('java -Djava.security.egd')).toBe(true);
    expect(killed?.env).toContain('JAVA_VERSION=8u111');
    expect(killed?.lines.OOMKilled?.text).toContain('"OOMKilled": true');
    expect(killed?.line.text).toContain(killed?.id);
  });

  it('keeps the complete containers of an output cut short by a timeout', () => {
    const text = fixtureText('mesos-java-oom-137', 'docker_inspect');
    const all = parseDockerInspect(text);
    const cut = parseDockerInspect(text.slice(0, Math.floor(text.length * 0.6)));
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.length).toBeLessThan(all.length);
    expect(cut.map((c) => c.id)).toEqual(all.slice(0, cut.length).map((c) => c.id));
  });

  it('reads several arrays printed one after another', () => {
    const one = '[{"Id":"' + 'a'.repeat(64) + '","Name":"/a","State":{"Running":true}}]';
    const two = '[{"Id":"' + 'b'.repeat(64) + '","Name":"/b","State":{"Running":false,"ExitCode":1,"StartedAt":"2020-01-01T00:00:00Z"}}]';
    expect(parseDockerInspect(`${one}\n${two}\n`).map((c) => [c.name, c.status])).toEqual([['a', 'running'], ['b', 'exited']]);
  });

  it("reads bare container objects, as docker inspect --format '{{json .}}' and the Engine API print them", () => {
    const one = '{"Id":"' + 'a'.repeat(64) + '","Path":"java","Args":["-jar","/app.jar"],"State":{"Running":true},"HostConfig":{"Memory":536870912}}';
    const two = '{"Id":"' + 'b'.repeat(64) + '","Name":"/b","State":{"Running":false,"ExitCode":137}}';
    const all = parseDockerInspect(`${one}\n${two}\n`);
    expect(all.map((c) => c.id[0])).toEqual(['a', 'b']);
    expect(all[0]).toMatchObject({ running: true, command: 'java -jar /app.jar', memoryLimitBytes: 536870912 });
    expect(all[1]).toMatchObject({ name: 'b', exitCode: 137 });
  });
});
