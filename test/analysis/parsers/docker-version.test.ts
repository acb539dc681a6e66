import { describe, expect, it } from 'vitest';
import { parseDockerVersion } from '../../../src/analysis/parsers/docker-version.js';
import { fixtureText } from './fixture-text.js';

describe('parseDockerVersion', () => {
  it('reads the old flat layout of Docker 1.3', () => {
    const v = parseDockerVersion(fixtureText('redis-dm-pool-full', 'docker_version'));
    expect(v).toMatchObject({ client: '1.3.2', server: '1.3.2' });
    expect(v.serverLine?.line).toBe(6);
  });

  it('reads the Client:/Server: sections', () => {
    expect(parseDockerVersion(fixtureText('mesos-container-stop-timeout', 'docker_version'))).toMatchObject({ client: '17.09.0-ce', server: '17.09.0-ce' });
  });

  it('reads the Engine: sub-section of 18.09 and later', () => {
    const text = 'Client: Docker Engine - Community\n Version:           20.10.7\n\nServer: Docker Engine - Community\n Engine:\n  Version:          20.10.8\n  API version:      1.41 (minimum version 1.12)\n containerd:\n  Version:          1.4.9\n';
    expect(parseDockerVersion(text)).toMatchObject({ client: '20.10.7', server: '20.10.8' });
  });

  it('has no server when the daemon cannot be reached', () => {
    const v = parseDockerVersion(fixtureText('debian-dockerd-down-after-upgrade', 'docker_version'));
    expect(v.client).toBe('17.12.0-ce');
    expect(v.server).toBeUndefined();
  });
});
