import { randomUUID } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { analyze } from '../../src/analysis/index.js';
import { staticGroupResolver, type Finding } from '../../src/domain/index.js';
import {
  ApprovalStore,
  AuditLog,
  parsePolicyConfig,
  RemediationService,
  type BundleAnalyzer,
  type PlanSource,
  type PolicyConfig,
  type RemediationPlan,
} from '../../src/remediation/index.js';
import { manualClock } from './local-shell-runner.js';

export const HOST = 'host-a3-60-17';
export const CONTAINER = 'a3f1c2d4e5b6a7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2';

/**
 * A "host" on this machine: a directory whose `containers/` holds one file per container, as
 * `docker ps` would list them. Remediation commands and verify steps act on it with plain sh.
 */
export async function makeLabHost(): Promise<{ dir: string; addContainer(id: string): Promise<void>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sickbay-remediation-'));
  await mkdir(join(dir, 'containers'));
  return {
    dir,
    addContainer: (id) => writeFile(join(dir, 'containers', id), `{"ID":"${id}","Status":"Removal In Progress"}\n`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The stuck-container remediation, rendered for a lab host; `fix` is the command that "removes" it. */
export function stuckContainerPlan(dir: string, overrides: Partial<RemediationPlan> = {}): RemediationPlan {
  return {
    id: 'remove-stuck-container',
    title: 'Remove stuck container',
    host: HOST,
    commands: [`echo run >> ${dir}/runs`, `rm -f ${dir}/containers/${CONTAINER}`],
    risk: 'low',
    answers: ['CONTAINER_STOP_TIMEOUT'],
    verify: {
      steps: [{ id: 'containers', spec: 'docker_ps', command: `cat ${dir}/containers/* 2>/dev/null; true`, timeoutMs: 10_000 }],
      gone: ['CONTAINER_STOP_TIMEOUT'],
    },
    requestedBy: 'UREQ1',
    ...overrides,
  };
}

/**
 * The real analyze() with one rule standing in for the docker rules (not on main yet): every
 * container still listed by docker_ps after its removal was ordered is CONTAINER_STOP_TIMEOUT.
 */
export const stuckContainerAnalyzer: BundleAnalyzer = (bundle, now) =>
  analyze(bundle, {
    now,
    rules: [
      {
        codes: ['CONTAINER_STOP_TIMEOUT'],
        run: (): Finding[] =>
          (bundle.files.get('docker_ps') ?? '').split('\n').flatMap((line, index): Finding[] => {
            const id = /"ID":"([0-9a-f]{12,64})"/.exec(line)?.[1];
            if (id === undefined) return [];
            return [
              {
                code: 'CONTAINER_STOP_TIMEOUT',
                severity: 'warning',
                title: `container ${id.slice(0, 12)} is still listed`,
                evidence: [{ spec: 'docker_ps', text: line, line: index + 1 }],
                fixes: [],
                subject: id,
              },
            ];
          }),
      },
    ],
  });

/** A PlanSource whose plans a test can edit, as a playbook edit would. */
export function editablePlans(): PlanSource & { edit(id: string, plan: RemediationPlan | null): void } {
  const edits = new Map<string, RemediationPlan | null>();
  return {
    current: (requested) => Promise.resolve(edits.has(requested.id) ? (edits.get(requested.id) ?? null) : requested),
    edit: (id, plan) => {
      edits.set(id, plan);
    },
  };
}

export const POLICY: PolicyConfig = parsePolicyConfig({
  defaults: { approvers: { users: ['UAPP1', 'UAPP2'], groups: ['SONCALL'] } },
});

/** Everything one test needs, on a unique Redis prefix and a fresh audit file; `close()` removes it all. */
export async function makeRemediationWorld(policy: PolicyConfig = POLICY) {
  const prefix = `test-remediation-${randomUUID()}`;
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const clock = manualClock();
  const lab = await makeLabHost();
  const auditFile = join(lab.dir, 'audit', 'audit.jsonl');
  const audit = new AuditLog({ redis, streamKey: `${prefix}:audit`, filePath: auditFile, clock });
  const store = new ApprovalStore({ redis, prefix, clock });
  const plans = editablePlans();
  const service = new RemediationService({
    store,
    audit,
    policy,
    groups: staticGroupResolver({ SONCALL: ['UGRP1'] }),
    plans,
    clock,
  });
  await lab.addContainer(CONTAINER);
  return {
    prefix,
    redis,
    clock,
    lab,
    audit,
    auditFile,
    store,
    plans,
    service,
    async close() {
      await audit.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await lab.cleanup();
    },
  };
}
