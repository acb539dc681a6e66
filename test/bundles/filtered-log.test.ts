import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, ANALYSIS_LOG_FILTER } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { readFilteredLog } from '../../src/bundles/filtered-log.js';
import type { LogLineFilter } from '../../src/domain/index.js';
import { incidentBundles, variantBundles, WRAPPED_CONTAINERD_RESTORE } from '../helpers/fixtures.js';

const NOW = new Date('2026-12-05T12:00:00Z');
/** The analysis' own filter, on files of any size. */
const EVERY_SIZE: LogLineFilter = { ...ANALYSIS_LOG_FILTER, minBytes: 0 };
const work = mkdtempSync(join(tmpdir(), 'sickbay-filtered-log-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Lines put in front of each fixture log: more than the filter keeps at the top. */
const PADDING = ANALYSIS_LOG_FILTER.headLines + 50;

/** A copy of a bundle whose logs start with PADDING lines that no parser reads. */
function padLogs(dir: string): string {
  const copy = mkdtempSync(join(work, 'bundle-'));
  cpSync(dir, copy, { recursive: true });
  const padding = Array.from({ length: PADDING }, (_, i) => `padding ${i}\n`).join('');
  for (const spec of EVERY_SIZE.specs) {
    const file = join(copy, spec);
    if (existsSync(file)) writeFileSync(file, padding + readFileSync(file, 'utf8'));
  }
  return copy;
}

async function filtered(text: string | Buffer, filter: LogLineFilter, start = 0): Promise<string> {
  const file = join(work, `log-${Math.random().toString(16).slice(2)}`);
  writeFileSync(file, text);
  const handle = await open(file, 'r');
  try {
    return await readFilteredLog(handle, start, (await handle.stat()).size, filter);
  } finally {
    await handle.close();
  }
}

describe('reading a big log through the analysis line filter', () => {
  it('gives every fixture the same report as a whole read', async () => {
    const dirs = [...incidentBundles(), ...variantBundles()].map((b) => b.dir);
    expect(dirs.length).toBeGreaterThan(100);
    let filteredLines = 0;
    for (const dir of dirs) {
      // each log behind more lines than the filter keeps at the top, so that only its rules keep
      // what the analysis reads (the fixtures are short enough to sit within the first lines)
      const padded = padLogs(dir);
      const whole = analyze(await readBundle(padded), { now: NOW });
      const bundle = await readBundle(padded, { logFilter: EVERY_SIZE });
      filteredLines += [...bundle.files.entries()].filter(([spec]) => EVERY_SIZE.specs.includes(spec)).reduce((n, [, text]) => n + text.split('\n').filter((l) => l === '').length, 0);
      expect(analyze(bundle, { now: NOW }), dir).toEqual(whole);
    }
    // the filter did empty lines (at least the padding of the bundles that have logs): the comparison is not of two whole reads
    expect(filteredLines).toBeGreaterThan(20 * PADDING);
  });

  it("keeps the head of a syslog line whose wrapped tail holds dockerd's event", async () => {
    const dir = mkdtempSync(join(work, 'wrapped-'));
    const noise = Array.from({ length: PADDING }, (_, i) => `Jun  3 10:3${i % 10}:00 docker-06 cron[7]: (root) CMD (run-parts ${i})`);
    writeFileSync(join(dir, 'messages'), `${[...noise, ...WRAPPED_CONTAINERD_RESTORE, ...noise].join('\n')}\n`);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ host: 'docker-06', collected_at: '2017-06-03T03:00:00Z' }));
    const whole = analyze(await readBundle(dir), { now: NOW });
    const through = analyze(await readBundle(dir, { logFilter: EVERY_SIZE }), { now: NOW });
    expect(whole.findings.map((f) => f.code)).toContain('CONTAINERD_RESTORE_FAILED');
    expect(through).toEqual(whole);
  });

  it('keeps the matched lines, the lines the rules ask for around them and the first lines, at their own line numbers', async () => {
    const filter: LogLineFilter = {
      specs: ['messages'],
      rules: [
        { pattern: /KEEP-AFTER/g, before: 0, after: 2 },
        { pattern: /^KEEP-BEFORE/gm, before: 1, after: 0 },
      ],
      headLines: 1,
      minBytes: 0,
    };
    const lines = ['head', 'a', 'b', 'x KEEP-AFTER', 'c', 'd', 'e', 'prev', 'KEEP-BEFORE é', 'f', 'g KEEP-BEFORE (not at the start)', 'h'];
    expect((await filtered(`${lines.join('\n')}\n`, filter)).split('\n')).toEqual(['head', '', '', 'x KEEP-AFTER', 'c', 'd', '', 'prev', 'KEEP-BEFORE é', '', '', '', '']);
    // no newline at the end: none added; CRLF lines kept as they are
    expect(await filtered('a\r\nKEEP-AFTER\r\nb\r\nc\r\nd', filter)).toBe('a\r\nKEEP-AFTER\r\nb\r\nc\r\n');
    expect(await filtered('', filter)).toBe('');
  });

  it('reads across its reads and slices: matches on both sides of a boundary, the line before in the slice before, a line longer than a read', async () => {
    const filter: LogLineFilter = { specs: ['messages'], rules: [{ pattern: /^MARK \d+/gm, before: 1, after: 1 }], headLines: 0, minBytes: 0 };
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) lines.push(i % 997 === 0 ? `MARK ${i}` : `noise ${i} ${'n'.repeat(i % 40)}`);
    lines.splice(12_345, 0, 'y'.repeat(1_500_000), 'MARK long');
    const text = `${lines.join('\n')}\n`;
    const got = (await filtered(text, filter)).split('\n');
    const want = text.split('\n').map((line, i, all) => (/^MARK \d+/.test(line) || /^MARK \d+/.test(all[i + 1] ?? '') || /^MARK \d+/.test(all[i - 1] ?? '') ? line : ''));
    expect(got).toEqual(want);
    expect(got.length).toBe(lines.length + 1);
  });

  it('starts where it is told (a tail read) and reads UTF-8 as a whole read does', async () => {
    const filter: LogLineFilter = { specs: ['messages'], rules: [{ pattern: /oom-kill/g, before: 0, after: 0 }], headLines: 0, minBytes: 0 };
    const text = 'skipped line\nGrüße oom-kill über 日本\nplain\n';
    expect(await filtered(text, filter, 'skipped line\n'.length)).toBe('Grüße oom-kill über 日本\n\n');
  });

  it('refuses a rule it cannot honour', async () => {
    await expect(filtered('x\n', { specs: [], rules: [{ pattern: /^x/, before: 0, after: 0 }], headLines: 0, minBytes: 0 })).rejects.toThrow(/needs the m flag/);
    await expect(filtered('x\n', { specs: [], rules: [{ pattern: /x/m, before: 2, after: 0 }], headLines: 0, minBytes: 0 })).rejects.toThrow(/at most one line before/);
  });
});
