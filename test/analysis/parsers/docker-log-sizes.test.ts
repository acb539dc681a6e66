import { describe, expect, it } from 'vitest';
import { duUnitFromCommand, parseDataRootHeader, parseDockerLogSizes } from '../../../src/analysis/parsers/docker-log-sizes.js';
import { fixtureText } from './fixture-text.js';

describe('parseDockerLogSizes', () => {
  it('reads du -sb lines and names the container from the path', () => {
    const rows = parseDockerLogSizes(fixtureText('ubuntu-veth-unregister-leak', 'docker_log_sizes'));
    expect(rows.length).toBe(6);
    expect(rows[2]).toMatchObject({ containerId: '7c221af0a991bec882cf7a723e6116281a425adfde2bba1b8bd7cc3f96b0c47a', size: 4401227003904, human: false });
  });

  it('gives nothing for the empty file of a journald host, and skips du errors', () => {
    expect(parseDockerLogSizes('')).toEqual([]);
    expect(parseDockerLogSizes("du: cannot access '/var/lib/docker/containers/*/*-json.log': No such file or directory\n")).toEqual([]);
  });

  it('reads du -sh sizes as bytes and takes the block size from the command', () => {
    const id = 'c'.repeat(64);
    expect(parseDockerLogSizes(`1.5G\t/var/lib/docker/containers/${id}/${id}-json.log\n`)[0]).toMatchObject({ size: 1.5 * 2 ** 30, human: true });
    expect(duUnitFromCommand('du -sk /var/lib/docker/containers/*/*-json.log')).toBe(1024);
    expect(duUnitFromCommand('du -sb /var/lib/docker/containers/*/*-json.log')).toBe(1);
    expect(duUnitFromCommand(undefined)).toBe(1);
  });

  it('reads du over the container directories, absolute or relative to containers/', () => {
    const id = 'c898acc7c656762012e1077c54bac17ba141ac63603f9bbce465873bc582b770';
    expect(parseDockerLogSizes(`236G    ${id}\n232M    /var/lib/docker/containers/${id}/\n4.0K    checkpoints\n`).map((r) => [r.containerId, r.size, r.directory])).toEqual([
      [id, 236 * 2 ** 30, true],
      [id, 232 * 2 ** 20, true],
    ]);
  });
});

describe('parseDataRootHeader', () => {
  const id = 'd'.repeat(64);
  const row = (root: string) => `31457280\t${root}/containers/${id}/${id}-json.log\n`;

  it('reads the root and where the host learned it, for each source', () => {
    for (const source of ['docker-info', 'daemon.json', 'dockerd-cmdline', 'default'] as const) {
      const text = `# data-root /mnt/big/docker (from ${source})\n${row('/mnt/big/docker')}`;
      expect(parseDataRootHeader(text)).toEqual({ path: '/mnt/big/docker', source, line: { spec: 'docker_log_sizes', line: 1, text: `# data-root /mnt/big/docker (from ${source})` } });
      expect(parseDockerLogSizes(text)).toMatchObject([{ containerId: id, size: 31457280, path: `/mnt/big/docker/containers/${id}/${id}-json.log` }]);
    }
  });

  it('has nothing to say for bundles from before the header, or a header that is not well formed', () => {
    expect(parseDataRootHeader(row('/var/lib/docker'))).toBeUndefined();
    expect(parseDataRootHeader('')).toBeUndefined();
    expect(parseDataRootHeader('# data-root /x (from somewhere)\n')).toBeUndefined();
    expect(parseDataRootHeader('# data-root relative/docker (from daemon.json)\n')).toBeUndefined();
    expect(parseDataRootHeader('# data-root /data/../etc (from daemon.json)\n')).toBeUndefined();
    expect(parseDataRootHeader("# data-root /data/$(reboot) (from docker-info)\n")).toBeUndefined();
    // only before du's rows: a log path cannot turn into a header further down
    expect(parseDataRootHeader(`${row('/var/lib/docker')}# data-root /elsewhere (from daemon.json)\n`)).toBeUndefined();
  });
});
