import { describe, expect, it } from 'vitest';
import { containerPresence, outputUnderstood } from '../../src/analysis/index.js';
import { parseDockerPs } from '../../src/analysis/parsers/docker-ps.js';
import { bundleFromRecord, type CommandResult, type CommandRunner } from '../../src/domain/index.js';
import { verifyPlan } from '../../src/remediation/executor.js';
import type { RemediationPlan } from '../../src/remediation/plan.schema.js';

const ID = '8f8020e79b13';
const FULL = '8f8020e79b13a1c5a7e7e1d6c0b3f2e9d4c5b6a7e8f9a0b1c2d3e4f5a6b7c8d9';

/**
 * `docker ps` output in its documented shapes (https://docs.docker.com/reference/cli/docker/container/ls/#format):
 * the default table, `--format 'table …'`, a template without `table` (no header), `{{json .}}`, `-q`.
 */
const SHAPES: Record<string, string> = {
  table: `CONTAINER ID   IMAGE     COMMAND       CREATED       STATUS       PORTS     NAMES\n${ID}   busybox   "sleep 1d"   2 hours ago   Up 2 hours             stuck\n`,
  'custom table': `CONTAINER ID   STATUS\n${ID}   Up 2 hours\n`,
  'template, tabs': `${ID}\tUp 2 hours\tstuck\n`,
  'template, spaces': `${ID}: Up 2 hours\n`.replace(':', ''),
  'no-trunc template': `${FULL}\tExited (137) 5 minutes ago\n`,
  json: `{"ID":"${ID}","Names":"stuck","Status":"Up 2 hours"}\n`,
  quiet: `${ID}\n`,
};

describe('docker ps in every documented shape', () => {
  it.each(Object.entries(SHAPES))('%s is understood and lists the container', (_shape, text) => {
    expect(outputUnderstood('docker_ps', text)).toBe(true);
    expect(parseDockerPs(text).map((r) => r.id.slice(0, 12))).toEqual([ID]);
    expect(containerPresence(bundleFromRecord({ docker_ps: text }), ID)).toBe('present');
  });

  it('reads the status of a headerless template row', () => {
    expect(parseDockerPs(SHAPES['template, tabs'] ?? '')[0]).toMatchObject({ statusText: 'Up 2 hours', name: 'stuck', running: true });
    expect(parseDockerPs(SHAPES['no-trunc template'] ?? '')[0]).toMatchObject({ exitCode: 137, running: false });
  });

  it('takes an empty listing (nothing matched the filter) as understood: the container is absent', () => {
    expect(containerPresence(bundleFromRecord({ docker_ps: '' }), ID)).toBe('absent');
  });

  it('does not take output it cannot read as absence', () => {
    expect(outputUnderstood('docker_ps', 'permission denied while trying to connect\n')).toBe(false);
    expect(containerPresence(bundleFromRecord({ docker_ps: 'permission denied while trying to connect\n' }), ID)).toBe('unknown');
  });
});

/** A runner that answers each verify step with a fixed output, exit 0. */
function answering(stdout: string): CommandRunner {
  return {
    host: 'h',
    run: async (): Promise<CommandResult> => ({ stdout, stderr: '', exit: 0, timedOut: false, durationMs: 1, truncated: false }),
    close: async () => {},
  };
}

const plan: RemediationPlan = {
  id: 'remove_stuck_container',
  title: 'Remove the stuck container',
  host: 'h',
  commands: [`docker rm -f ${ID}`],
  risk: 'low',
  answers: ['CONTAINER_STOP_TIMEOUT'],
  verify: { steps: [{ id: 'docker_ps', spec: 'docker_ps', command: 'docker ps', timeoutMs: 1000 }], gone: ['CONTAINER_STOP_TIMEOUT'], subject: ID },
  requestedBy: 'U1',
};
const clock = { now: () => new Date('2026-11-21T00:00:00Z') };

describe('verification', () => {
  it('is unverified when the verify output was not understood, however empty the findings', async () => {
    const v = await verifyPlan(plan, answering('Got permission denied while trying to connect to the Docker daemon socket\n'), { clock });
    expect(v.status).toBe('unverified');
    expect(v.problems.join(' ')).toContain('not understood');
  });

  it('is fixed when the listing was understood and the container is positively absent', async () => {
    expect((await verifyPlan(plan, answering(''), { clock })).status).toBe('fixed');
    expect((await verifyPlan(plan, answering('CONTAINER ID   STATUS\n'), { clock })).status).toBe('fixed');
  });

  it('understands a headerless row of the container (present: the analysis decides, never "unverified" for want of a header)', async () => {
    const v = await verifyPlan(plan, answering(`${ID}\tUp 2 hours\tstuck\n`), { clock });
    expect(v.problems).toEqual([]);
  });
});

describe('verification of a restarted unhealthy container', () => {
  const restart: RemediationPlan = {
    ...plan,
    id: 'restart_unhealthy_container',
    title: 'Restart the unhealthy container',
    commands: [`docker restart ${ID}`],
    answers: ['CONTAINER_UNHEALTHY'],
    verify: { steps: [{ id: 'docker_ps', spec: 'docker_ps', command: 'docker ps', timeoutMs: 1000 }], gone: ['CONTAINER_UNHEALTHY'], subject: ID },
  };
  const ps = (status: string) => `{"ID":"${ID}","Names":"web","Status":"${status}"}\n`;

  it('is fixed only once its check has passed again, not while it is starting', async () => {
    expect((await verifyPlan(restart, answering(ps('Up 40 seconds (healthy)')), { clock })).status).toBe('fixed');
    const starting = await verifyPlan(restart, answering(ps('Up 5 seconds (health: starting)')), { clock });
    expect(starting.status).toBe('unverified');
    expect(starting.problems).toEqual([`container ${ID}'s health check has not passed since (starting)`]);
    expect((await verifyPlan(restart, answering(ps('Up 40 seconds (unhealthy)')), { clock })).status).toBe('still_present');
    // a container that has no check at all proves nothing about one
    expect((await verifyPlan(restart, answering(ps('Up 40 seconds')), { clock })).status).toBe('unverified');
  });
});
