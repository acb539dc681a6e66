import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../../src/app/demo.js';
import { PLAYBOOKS_DIR } from '../../../src/config/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';

describe('the demo', () => {
  let bundles: string;

  beforeAll(() => {
    bundles = mkdtempSync(join(tmpdir(), 'sickbay-demo-test-'));
    for (const name of ['mesos-java-oom-137', 'redis-dm-pool-full']) cpSync(join(INCIDENTS_DIR, name), join(bundles, name), { recursive: true });
  });
  afterAll(() => rmSync(bundles, { recursive: true, force: true }));

  async function run(redisUrl: string) {
    let out = '';
    let err = '';
    const result = await runDemo({
      bundlesDir: bundles,
      playbooksDir: PLAYBOOKS_DIR,
      redisUrl,
      durationScale: 0,
      out: (t) => (out += t),
      err: (t) => (err += t),
      colour: false,
      progress: false,
    });
    return { result, out, err };
  }

  it('diagnoses every lab host through the queue and SSH and prints each report once', async () => {
    const { result, out, err } = await run('redis://127.0.0.1:6379');
    expect(result).toEqual({ hosts: 2, failed: 0 });
    expect(out.match(/^== /gm)).toHaveLength(2);
    expect(out).toContain('Root cause: devicemapper pool 1.677 TB of 1.677 TB used (100 %)');
    expect(out).toMatch(/Root cause: Container .* runs java with a 4 GiB memory limit and no -Xmx/);
    expect(err).toContain('2 hosts diagnosed through the queue and SSH');
  });

  it('starts and stops a private redis-server when none answers at REDIS_URL', async () => {
    const { result, err } = await run('redis://127.0.0.1:1');
    expect(result.failed).toBe(0);
    expect(err).toMatch(/started a private redis-server on 127\.0\.0\.1:(\d+)/);
  });
});
