import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { bundleFromRecord } from '../../../../src/domain/index.js';

const NOW = new Date('2026-11-21T00:00:00Z');

describe('DOCKERD_DOWN from a live collection', () => {
  it('is raised when the docker client said it cannot connect on stderr, kept in meta.json', () => {
    // given: what collectBundle writes when `docker info` fails: empty stdout, stderr in the step's meta
    const bundle = bundleFromRecord(
      { docker_info: '', docker_version: 'Client:\n Version:      17.09.0-ce\n' },
      {
        host: 'web-1',
        steps: {
          docker_info: {
            exit: 1,
            timed_out: false,
            stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
          },
        },
      },
    );
    // when
    const report = analyze(bundle, { now: NOW });
    // then
    const down = report.findings.find((f) => f.code === 'DOCKERD_DOWN');
    expect(down?.evidence[0]).toMatchObject({ spec: 'docker_info', text: expect.stringContaining('Cannot connect to the Docker daemon') });
    expect(down?.evidence[0]?.line).toBeUndefined();
  });

  it('is not raised when stderr holds something else', () => {
    const bundle = bundleFromRecord(
      { docker_info: '' },
      { host: 'web-1', steps: { docker_info: { exit: 1, stderr: 'permission denied while trying to connect' } } },
    );
    expect(analyze(bundle, { now: NOW }).findings.map((f) => f.code)).not.toContain('DOCKERD_DOWN');
  });
});
