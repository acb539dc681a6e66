import { describe, expect, it } from 'vitest';
import { parseDockerdCommand } from '../../../src/analysis/parsers/dockerd-command.js';
import { parseDockerdStartup } from '../../../src/analysis/parsers/dockerd-startup.js';
import { specLines } from '../../../src/analysis/parsers/text-lines.js';
import { fixtureText } from './fixture-text.js';

describe('dockerd about itself', () => {
  it('reads storage options from a Docker 1.3 `docker -d` line in ps aux', () => {
    const cmd = parseDockerdCommand(specLines('ps', fixtureText('redis-dm-pool-full', 'ps')));
    expect(cmd?.storageOpts.get('dm.basesize')).toBe('100G');
    expect(cmd?.storageOpts.get('dm.datadev')).toBe('/dev/sda3');
    expect(cmd?.line.line).toBe(183);
  });

  it('reads --storage-driver and --graph in both spellings from dockerd-current', () => {
    const cmd = parseDockerdCommand(specLines('ps', fixtureText('centos-dm-loop-pool-full', 'ps')));
    expect(cmd).toMatchObject({ storageDriver: 'devicemapper', dataRoot: '/data/docker' });
    const eq = parseDockerdCommand(specLines('ps', fixtureText('mesos-java-oom-137', 'ps')));
    expect(eq?.storageOpts.get('dm.thinpooldev')).toBe('/dev/mapper/docker-thinpool');
  });

  it('finds no daemon where only the client and containerd run', () => {
    const lines = specLines('ps', '  PID STAT COMMAND\n  1 S docker ps -a\n 2 S docker-containerd-shim x\n 3 S mesos-docker-executor --docker=docker\n');
    expect(parseDockerdCommand(lines)).toBeUndefined();
  });

  it("reads the version, the driver and devmapper's loop warning from dockerd's start", () => {
    const s = parseDockerdStartup('journal_docker', fixtureText('liubei-dm-xfs-hang', 'journal_docker'));
    expect(s).toMatchObject({ version: '1.10.3', storageDriver: 'devicemapper' });
    expect(s.loopWarning?.line).toBe(3);
    expect(s.versionLine?.line).toBe(12);
  });
});
