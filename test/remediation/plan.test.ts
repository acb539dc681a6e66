import { describe, expect, it } from 'vitest';
import { parseRemediationPlan, planDigest, RemediationPlanError, type RemediationPlan } from '../../src/remediation/index.js';
import { stuckContainerPlan } from '../helpers/remediation-world.js';

describe('remediation plan', () => {
  const plan = stuckContainerPlan('/srv/lab');

  it('binds the digest to the host, the exact commands and the verify step, not to the wording', () => {
    const digest = planDigest(plan);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const reworded: RemediationPlan = { ...plan, title: 'Another title', requestedBy: 'UOTHER' };
    expect(planDigest(reworded)).toBe(digest);
    expect(planDigest({ ...plan, host: 'host-b1' })).not.toBe(digest);
    expect(planDigest({ ...plan, commands: [...plan.commands].reverse() })).not.toBe(digest);
    expect(planDigest({ ...plan, verify: { ...plan.verify, gone: ['CONTAINER_OOM_KILLED'] } })).not.toBe(digest);
  });

  it('refuses a host that fails its pattern before anything could reach a shell', () => {
    expect(() => parseRemediationPlan({ ...plan, host: 'host-a1; reboot' })).toThrow(RemediationPlanError);
    expect(() => parseRemediationPlan({ ...plan, host: 'host-a1; reboot' })).toThrow(/plan is malformed/);
  });

  it('refuses a plan with no commands or no code to verify', () => {
    expect(() => parseRemediationPlan({ ...plan, commands: [] })).toThrow(RemediationPlanError);
    expect(() => parseRemediationPlan({ ...plan, verify: { ...plan.verify, gone: [] } })).toThrow(RemediationPlanError);
    expect(parseRemediationPlan(plan)).toEqual(plan);
  });
});
