import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFacts, DEFAULT_THRESHOLDS, type Facts } from '../../../../src/analysis/index.js';
import type { ContainerRecord } from '../../../../src/analysis/facts/docker.js';
import { kernelRules } from '../../../../src/analysis/rules/kernel/index.js';
import { readBundle } from '../../../../src/bundles/index.js';
import { incidentBundles } from '../../../helpers/fixtures.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const KERNEL_CODES = new Set(kernelRules.flatMap((r) => r.codes));

interface InspectEntry {
  Id: string;
  Name?: string;
  State?: { Status?: string; ExitCode?: number; OOMKilled?: boolean; StartedAt?: string; Running?: boolean };
}

/**
 * The docker half fills facts.docker.containers on its own branch; until both are merged, these
 * tests read the fixture's docker_inspect themselves so the container rules run on real data.
 */
function containersOf(dir: string): ContainerRecord[] {
  const file = join(dir, 'docker_inspect');
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return (parsed as InspectEntry[]).map((c) => ({
    id: c.Id,
    ...(c.Name ? { name: c.Name.replace(/^\//, '') } : {}),
    ...(c.State?.Status ? { status: c.State.Status } : {}),
    ...(c.State?.ExitCode !== undefined ? { exitCode: c.State.ExitCode } : {}),
    ...(c.State?.OOMKilled !== undefined ? { oomKilled: c.State.OOMKilled } : {}),
    ...(c.State?.StartedAt ? { startedAt: c.State.StartedAt } : {}),
    ...(c.State?.Running !== undefined ? { running: c.State.Running } : {}),
  }));
}

describe('kernel and dockerd-log rules on the incident fixtures', () => {
  for (const { name, dir, expected } of incidentBundles()) {
    it(`raises the kernel codes ${name} must show and none it must not`, async () => {
      // given
      const base = buildFacts(await readBundle(dir));
      const facts: Facts = { ...base, docker: { ...base.docker, containers: containersOf(dir) } };
      // when
      const findings = kernelRules.flatMap((r) => r.run(facts, { now: NOW, thresholds: DEFAULT_THRESHOLDS }));
      // then
      const codes = new Set<string>(findings.map((f) => f.code));
      const missing = expected.must.filter((c) => KERNEL_CODES.has(c as never) && !codes.has(c));
      const unwanted = expected.must_not.filter((c) => codes.has(c));
      expect({ missing, unwanted }).toEqual({ missing: [], unwanted: [] });
      for (const f of findings) {
        expect(f.evidence.length, `${f.code} quotes evidence`).toBeGreaterThan(0);
        expect(f.fixes.length, `${f.code} suggests fixes`).toBeGreaterThan(0);
        for (const e of f.evidence) if (e.line !== undefined) expect(e.line).toBeGreaterThan(0);
      }
    });
  }
});
