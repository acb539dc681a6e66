import { describe, expect, it } from 'vitest';
import { parseDockerPs, statusFromText } from '../../../src/analysis/parsers/docker-ps.js';
import { fixtureText } from './fixture-text.js';

describe('parseDockerPs', () => {
  it('reads {{json .}} lines, unquoting the command', () => {
    const rows = parseDockerPs(fixtureText('mesos-container-stop-timeout', 'docker_ps'));
    expect(rows.length).toBe(8);
    expect(rows[1]).toMatchObject({ id: '364124e485752e826aa1827948ac5fec92b27f3b57e36c5ba6ca1beb66ed6f84', command: 'java -Xmx256m -jar /opt/app/flyway-runner.jar migrate', status: 'exited', exitCode: 0, running: false });
    expect(rows[1]?.line.line).toBe(2);
  });

  it('reads the old table by its header columns', () => {
    const rows = parseDockerPs(fixtureText('redis-dm-pool-full', 'docker_ps'));
    expect(rows.length).toBe(21);
    expect(rows[0]).toMatchObject({
      id: 'a4feb0094cc56b99ac480b9237ab62aaf0889ab239f60e10408c9503d4f097d9',
      image: 'registry.dp/dp-redis:2.8.19',
      command: '/usr/local/bin/redis-server /data/redis/conf/redis-7021.conf',
      statusText: 'Up 35 hours',
      status: 'running',
      name: 'redis_7021',
    });
  });

  it('derives state and exit code from the status text', () => {
    expect(statusFromText('Exited (137) 5 hours ago')).toEqual({ status: 'exited', running: false, exitCode: 137, endedAtLeastSecondsAgo: 5 * 3600 });
    // Docker's human units, rounded down: at least this long ago
    expect(statusFromText('Exited (1) About an hour ago').endedAtLeastSecondsAgo).toBe(3600);
    expect(statusFromText('Exited (0) Less than a second ago').endedAtLeastSecondsAgo).toBe(0);
    expect(statusFromText('Exited (1) 2 weeks ago').endedAtLeastSecondsAgo).toBe(14 * 86_400);
    expect(statusFromText('Exited (2) 3 months ago').endedAtLeastSecondsAgo).toBe(90 * 86_400);
    expect(statusFromText('Exited (1)').endedAtLeastSecondsAgo).toBeUndefined();
    expect(statusFromText('Restarting (1) 8 seconds ago')).toEqual({ status: 'restarting', running: true });
    expect(statusFromText('Up 2 hours (Paused)')).toEqual({ status: 'paused', running: true });
    expect(statusFromText('Created')).toEqual({ status: 'created', running: false });
  });
});

describe('parseDockerPs tables of other releases', () => {
  it('ends the IMAGE cell at the PLATFORM column', () => {
    const text = [
      'CONTAINER ID        IMAGE           PLATFORM       COMMAND                CREATED             STATUS                       PORTS               NAMES',
      'b3e1c0ed5bfe        ubuntu:latest   linux/amd64    "sleep 1000"           12 seconds ago      Exited (137) 5 seconds ago                       grave_kowalevski',
    ].join('\n');
    expect(parseDockerPs(text)[0]).toMatchObject({ image: 'ubuntu:latest', name: 'grave_kowalevski', exitCode: 137, command: 'sleep 1000' });
  });

  it('reads rows that no longer sit under their header (shortened image, masked ports)', () => {
    const edited = [
      'CONTAINER ID        IMAGE                           COMMAND                   CREATED             STATUS                              PORTS                    NAMES',
      '78d87d7f4ac8        xxx/yyy  "command"   4 weeks ago         Restarting (-1) About an hour ago   0.0.0.0:2012->2012/tcp   yyy-2012',
    ].join('\n');
    expect(parseDockerPs(edited)[0]).toMatchObject({ id: '78d87d7f4ac8', name: 'yyy-2012', status: 'restarting', statusText: 'Restarting (-1) About an hour ago' });
    const masked = [
      'CONTAINER ID   IMAGE                                       COMMAND                  CREATED       STATUS        PORTS                    NAMES',
      'c898acc7c656   quay.io/prometheuscommunity/json-exporter   "/bin/json_exporter …"   7 days ago    Up 43 hours   0.0.0.0:xxx->7979/tcp   json_exporter',
    ].join('\n');
    expect(parseDockerPs(masked)[0]).toMatchObject({ name: 'json_exporter', status: 'running' });
  });
});
