import { describe, expect, it } from 'vitest';
import { parseDockerInfo } from '../../../src/analysis/parsers/docker-info.js';
import { fixtureText } from './fixture-text.js';

describe('parseDockerInfo', () => {
  it('reads Docker 1.3 output with unindented driver lines and no Server Version', () => {
    const info = parseDockerInfo(fixtureText('redis-dm-pool-full', 'docker_info'));
    expect(info.serverVersion).toBeUndefined();
    expect(info.storageDriver).toBe('devicemapper');
    expect(info.dataUsedBytes).toBe(1.677e12);
    expect(info.dataTotalBytes).toBe(1.677e12);
    expect(info.dataAvailableBytes).toBeUndefined();
    expect(info.metadataUsedBytes).toBeCloseTo(852.1e6);
    expect(info.containers).toBe(21);
    expect(info.lines.get('Data Space Used')).toEqual({ spec: 'docker_info', line: 8, text: 'Data Space Used: 1.677 TB' });
  });

  it('reads the indented devicemapper block of 1.10 with loop files', () => {
    const info = parseDockerInfo(fixtureText('centos-rootfs-full-ro', 'docker_info'));
    expect(info).toMatchObject({
      serverVersion: '1.10.3',
      dataFile: '/dev/loop0',
      dataLoopFile: '/var/lib/docker/devicemapper/devicemapper/data',
      backingFilesystem: 'ext4',
      baseDeviceSizeBytes: 10.74e9,
      kernelVersion: '3.10.0-514.6.1.el7.x86_64',
    });
    expect(info.dataAvailableBytes).toBeCloseTo(140.5e6);
    expect(info.metadataAvailableBytes).toBeCloseTo(140.5e6);
  });

  it('reads sizes printed without a space (17.06) and leaves an empty Data file unset', () => {
    const info = parseDockerInfo(fixtureText('ubuntu-dm-thinpool-metadata-full', 'docker_info'));
    expect(info.dataFile).toBeUndefined();
    expect(info.lines.has('Data file')).toBe(true);
    expect(info.metadataUsedBytes).toBeCloseTo(1.048e9);
    expect(info.metadataAvailableBytes).toBeCloseTo(20.97e6);
    expect(info.thinPoolMinFreeBytes).toBeCloseTo(10.18e9);
    expect(info.dockerRootDir).toBe('/var/lib/docker');
  });

  it('reads the Server: section layout of current releases', () => {
    const text = 'Client:\n Context:    default\n Debug Mode: false\n\nServer:\n Containers: 3\n  Running: 1\n Server Version: 24.0.7\n Storage Driver: overlay2\n  Backing Filesystem: extfs\n Kernel Version: 6.1.0-13-amd64\n Docker Root Dir: /srv/docker\n';
    expect(parseDockerInfo(text)).toMatchObject({ containers: 3, runningContainers: 1, serverVersion: '24.0.7', storageDriver: 'overlay2', kernelVersion: '6.1.0-13-amd64', dockerRootDir: '/srv/docker' });
  });

  it('gives no fields for a client error', () => {
    const info = parseDockerInfo('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n');
    expect(info.storageDriver).toBeUndefined();
    expect(info.containers).toBeUndefined();
  });
});
