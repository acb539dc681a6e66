import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneBundles, readBundle, writeBundle } from '../../src/bundles/index.js';
import { BundleError, bundleFromRecord, fixedClock } from '../../src/domain/index.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';

const root = () => mkdtempSync(join(tmpdir(), 'bundles-'));

describe('writing bundles', () => {
  it('writes the evidence layout that readBundle reads back to an equal bundle', async () => {
    // given a recorded incident bundle
    const original = await readBundle(join(INCIDENTS_DIR, 'docker-06-containerd-eof'));
    const dir = join(root(), 'docker-06', '2017-06-03T024510Z');
    // when
    await writeBundle(dir, original);
    // then
    const again = await readBundle(dir);
    expect(again.meta).toEqual(original.meta);
    expect(new Map([...again.files].sort())).toEqual(new Map([...original.files].sort()));
    expect(readdirSync(dir).sort()).toEqual([...original.files.keys(), 'meta.json'].sort());
  });

  it('makes the directory 0700 and every file 0600, whatever the umask', async () => {
    const previous = process.umask(0o022);
    try {
      const dir = join(root(), 'b');
      await writeBundle(dir, bundleFromRecord({ uname: 'Linux\n', dmesg: '' }, { host: 'h' }));
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('refuses to overwrite an existing bundle', async () => {
    const dir = join(root(), 'b');
    await writeBundle(dir, bundleFromRecord({ uname: 'a' }));
    await expect(writeBundle(dir, bundleFromRecord({ uname: 'b' }))).rejects.toThrow(/already exists/);
  });

  it('refuses a file name that would leave the bundle directory', async () => {
    const base = root();
    const err = await writeBundle(join(base, 'b'), bundleFromRecord({ '../escape': 'x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect(readdirSync(base)).toEqual([]);
  });

  it('prunes bundles collected before the retention window and keeps the rest', async () => {
    // given three bundles, 40, 10 and 1 days old, and a directory that is not a bundle
    const base = root();
    const now = new Date('2026-11-21T00:00:00Z');
    const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString();
    await writeBundle(join(base, 'old'), bundleFromRecord({ uname: 'x' }, { collected_at: daysAgo(40) }));
    await writeBundle(join(base, 'mid'), bundleFromRecord({ uname: 'x' }, { collected_at: daysAgo(10) }));
    mkdirSync(join(base, 'not-a-bundle'));
    writeFileSync(join(base, 'not-a-bundle', 'keep'), 'x');
    // when a new bundle is written with 14 days of retention
    const result = await writeBundle(join(base, 'new'), bundleFromRecord({ uname: 'x' }, { collected_at: daysAgo(1) }), {
      retentionDays: 14,
      clock: fixedClock(now),
    });
    // then
    expect(result.pruned).toEqual([join(base, 'old')]);
    expect(readdirSync(base).sort()).toEqual(['mid', 'new', 'not-a-bundle']);
    expect(await pruneBundles(base, 5 * 86_400_000, fixedClock(now))).toEqual([join(base, 'mid')]);
  });
});
