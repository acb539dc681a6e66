import { buildFacts, resolveThresholds, type Facts, type Rule, type ThresholdOverrides } from '../../../../src/analysis/index.js';
import { bundleFromRecord, type BundleMeta, type Finding } from '../../../../src/domain/index.js';

/** Facts from spec texts, as a collected bundle would give them. */
export function factsFrom(files: Record<string, string>, meta: BundleMeta = {}): Facts {
  return buildFacts(bundleFromRecord(files, { host: 'test-host', ...meta }));
}

export function run(rule: Rule, facts: Facts, thresholds: ThresholdOverrides = {}): Finding[] {
  return rule.run(facts, { now: new Date('2026-01-01T00:00:00Z'), thresholds: resolveThresholds(thresholds) });
}

export const ID = (c: string): string => c.repeat(64).slice(0, 64);

/** One `docker inspect` container in the newer layout, with the fields rules read. */
export function inspectJson(c: { id: string; name: string; path: string; args: string[]; env?: string[]; memory?: number; image?: string; running?: boolean; exitCode?: number; oomKilled?: boolean; restartCount?: number }): object {
  return {
    Id: c.id,
    Path: c.path,
    Args: c.args,
    State: { Status: c.running === false ? 'exited' : 'running', Running: c.running !== false, OOMKilled: c.oomKilled ?? false, ExitCode: c.exitCode ?? 0, Pid: 100, StartedAt: '2025-12-31T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
    Name: `/${c.name}`,
    RestartCount: c.restartCount ?? 0,
    HostConfig: { Memory: c.memory ?? 0, RestartPolicy: { Name: 'always' } },
    Config: { Image: c.image ?? 'registry.local/app:1', Env: c.env ?? [], Entrypoint: null },
  };
}
