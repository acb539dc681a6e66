import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { AnalysisReportSchema, FINDING_CODES } from '../../src/domain/index.js';
import { incidentBundles } from '../helpers/fixtures.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const bundles = incidentBundles();

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

  it('has at least one positive fixture for every finding code', () => {
    const covered = new Set(bundles.flatMap((b) => b.expected.must));
    expect(FINDING_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });
});
