import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../src/domain/index.js';
import { executePlan, parseRemediationPlan, planDigest, RemediationPlanError, type RemediationPlan } from '../../src/remediation/index.js';
import { LocalShellRunner, manualClock } from '../helpers/local-shell-runner.js';
import { CONTAINER, HOST, makeLabHost, stuckContainerAnalyzer, stuckContainerPlan } from '../helpers/remediation-world.js';

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
    expect(planDigest({ ...plan, verify: { ...plan.verify, settleMs: 10_000 } })).not.toBe(digest);
  });

  it('lets the host settle for the plan\'s time after the commands and before re-collecting', async () => {
    const lab = await makeLabHost();
    try {
      await lab.addContainer(CONTAINER);
      const order: string[] = [];
      const runner = new LocalShellRunner(HOST);
      const recording: CommandRunner = {
        host: HOST,
        run: (command, options) => {
          order.push(command.startsWith('cat ') ? 'verify' : 'command');
          return runner.run(command, options);
        },
        close: () => runner.close(),
      };
      const settled = stuckContainerPlan(lab.dir, { verify: { ...stuckContainerPlan(lab.dir).verify, settleMs: 10_000 } });
      const report = await executePlan(settled, recording, {
        clock: manualClock(),
        analyzer: stuckContainerAnalyzer,
        sudo: false,
        wait: (ms) => {
          order.push(`wait ${ms}`);
          return Promise.resolve();
        },
      });
      expect(order).toEqual(['command', 'command', 'wait 10000', 'verify']);
      expect(report.verification?.status).toBe('fixed');
    } finally {
      await lab.cleanup();
    }
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
