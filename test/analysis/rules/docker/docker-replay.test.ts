import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { dockerRules } from '../../../../src/analysis/rules/docker/index.js';
import { readBundle } from '../../../../src/bundles/index.js';
import { AnalysisReportSchema, type FindingCode } from '../../../../src/domain/index.js';
import { incidentBundles } from '../../../helpers/fixtures.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const DOCKER_CODES = new Set<string>(dockerRules.flatMap((r) => r.codes));

/**
 * Expectations that rest on facts the other half of the engine fills (dockerd's log). The full
 * incident replay (test/analysis/incident-replay.test.ts) checks them with every rule in place;
 * rules/docker/dm-pool-space.test.ts checks this rule's side with those facts given.
 */
const FROM_OTHER_FACTS: Readonly<Record<string, readonly string[]>> = {
  'liubei-dm-xfs-hang': ['DM_POOL_DATA_FULL'],
};

describe('docker and disk rules over every incident bundle', () => {
  for (const { name, dir, expected } of incidentBundles()) {
    it(`reports the docker and disk codes ${name} must show and none it must not`, async () => {
      const report = analyze(await readBundle(dir), { now: NOW, rules: dockerRules });
      AnalysisReportSchema.parse(report);
      const codes = new Set<string>(report.findings.map((f) => f.code));
      const elsewhere = FROM_OTHER_FACTS[name] ?? [];
      const must = expected.must.filter((c) => DOCKER_CODES.has(c) && !elsewhere.includes(c));
      const mustNot = expected.must_not.filter((c) => DOCKER_CODES.has(c));
      expect({ missing: must.filter((c) => !codes.has(c)), unwanted: mustNot.filter((c) => codes.has(c)) }).toEqual({ missing: [], unwanted: [] });
      for (const f of report.findings) {
        expect(f.evidence.length, `${f.code} quotes evidence`).toBeGreaterThan(0);
        expect(f.fixes.length, `${f.code} offers a fix`).toBeGreaterThan(0);
      }
    });
  }

  it('has a positive fixture for every docker and disk code', () => {
    const covered = new Set(incidentBundles().flatMap((b) => b.expected.must));
    expect([...DOCKER_CODES].filter((c) => !covered.has(c as FindingCode))).toEqual([]);
  });
});
