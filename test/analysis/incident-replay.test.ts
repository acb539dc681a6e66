import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { AnalysisReportSchema, FINDING_CODES, reportProblems, type AnalysisReport } from '../../src/domain/index.js';
import { incidentBundles } from '../helpers/fixtures.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const bundles = incidentBundles();
const GOLDEN_FILE = 'expected-findings.json';
/** `npm run golden:update` (SICKBAY_UPDATE_GOLDEN=1) rewrites every fixture's golden file from today's analysis. */
const UPDATE_GOLDEN = process.env['SICKBAY_UPDATE_GOLDEN'] === '1';
const HOW_TO_UPDATE = 'if the change is intended, run `npm run golden:update` and review the diff of the expected-findings.json files';

/**
 * What a fixture's report must keep finding, finding by finding and in the report's order (root
 * causes first, history last): code, severity and subject, when an event was first and last seen
 * (UTC) and how often, why a finding is history ("earlier"), and every independent problem's cause
 * with the chain it explains. Titles are left out on purpose: their wording may improve while the
 * diagnosis stays the same.
 */
function golden(report: AnalysisReport) {
  const problems = reportProblems(report);
  return {
    root_causes: problems.map((p) => ({ code: p.code, explains: p.explains })),
    findings: report.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      ...(f.subject !== undefined ? { subject: f.subject } : {}),
      ...(f.seen ? { seen: { count: f.seen.count, ...(f.seen.first ? { first: f.seen.first.utc, last: f.seen.last?.utc } : {}) } } : {}),
      ...(f.earlier !== undefined ? { earlier: f.earlier } : {}),
    })),
  };
}

describe('incident replay', () => {
  it('has fixture bundles to replay', () => {
    expect(bundles.length).toBeGreaterThanOrEqual(9);
  });

  for (const { name, dir, expected } of bundles) {
    it(`reports what ${name} must show and nothing it must not`, async () => {
      const report = analyze(await readBundle(dir), { now: NOW });
      AnalysisReportSchema.parse(report);
      const codes = new Set(report.findings.map((f) => f.code));
      const missing = expected.must.filter((c) => !codes.has(c as (typeof FINDING_CODES)[number]));
      const unwanted = expected.must_not.filter((c) => codes.has(c as (typeof FINDING_CODES)[number]));
      expect({ missing, unwanted }).toEqual({ missing: [], unwanted: [] });
      for (const finding of report.findings) {
        expect(finding.evidence.length, `${finding.code} has evidence`).toBeGreaterThan(0);
        expect(finding.fixes.length, `${finding.code} has fixes`).toBeGreaterThan(0);
      }
    });
  }

  for (const { name, dir } of bundles) {
    it(`finds in ${name} exactly the findings of its ${GOLDEN_FILE}`, async () => {
      const actual = golden(analyze(await readBundle(dir), { now: NOW }));
      const file = join(dir, GOLDEN_FILE);
      if (UPDATE_GOLDEN) writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      expect(existsSync(file), `${name} has no ${GOLDEN_FILE}: ${HOW_TO_UPDATE}`).toBe(true);
      expect(actual, `${name} drifted from its ${GOLDEN_FILE}; ${HOW_TO_UPDATE}`).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }

  it('has at least one positive fixture for every finding code', () => {
    const covered = new Set(bundles.flatMap((b) => b.expected.must));
    expect(FINDING_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });
});
