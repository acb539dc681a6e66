import { describe, expect, it } from 'vitest';
import { AccessRuleSchema, type AccessRule } from '../../src/config/index.js';
import { decideAccess, decideAlertAccess, replayHost } from '../../src/diagnosis/index.js';
import { accessRefusalText } from '../../src/slack/index.js';

const policy: AccessRule[] = [
  { name: 'mesos on-call', tags: ['mesos'], hosts: [], users: ['U0ALICE'], groups: ['S0SRE'], alerts: true },
  { tags: [], hosts: ['db-1'], users: ['U0BOB'], groups: [], alerts: false },
];
const mesos = replayHost('mesos-1', 'default', ['mesos']);
const actor = (userId: string, groups: string[] = []) => ({ userId, groups });

describe('decideAccess', () => {
  it('lets a listed user or a member of a listed group diagnose hosts with the rule\'s tag', () => {
    expect(decideAccess(policy, actor('U0ALICE'), mesos)).toEqual({ allowed: true });
    expect(decideAccess(policy, actor('U0CAROL', ['S0SRE']), mesos)).toEqual({ allowed: true });
    expect(decideAccess(policy, actor('U0BOB'), replayHost('db-1', 'default', []))).toEqual({ allowed: true });
  });

  it('refuses others with the rules that cover the host, which the Slack reply turns into who may', () => {
    const d = decideAccess(policy, actor('U0BOB'), mesos);
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.covering.map((r) => r.name)).toEqual(['mesos on-call']);
    expect(!d.allowed && accessRefusalText(d)).toContain('mesos on-call: <@U0ALICE>, <!subteam^S0SRE>');
    const none = decideAccess(policy, actor('U0ALICE'), replayHost('web-1', 'default', ['web']));
    expect(!none.allowed && none.covering).toEqual([]);
    expect(!none.allowed && accessRefusalText(none)).toContain('No access rule covers web-1');
  });

  it('lets everyone in when no policy is configured', () => {
    expect(decideAccess(null, actor('U0ANY'), mesos)).toEqual({ allowed: true });
  });
});

describe('decideAlertAccess', () => {
  it('lets alerts diagnose only hosts covered by a rule with alerts: true', () => {
    expect(decideAlertAccess(policy, mesos)).toEqual({ allowed: true });
    const db = decideAlertAccess(policy, replayHost('db-1', 'default', []));
    expect(db.allowed).toBe(false);
    expect(!db.allowed && db.covering).toHaveLength(1);
    expect(decideAlertAccess(policy, replayHost('web-1', 'default', ['web'])).allowed).toBe(false);
  });

  it('lets alerts diagnose every host when no access file is configured', () => {
    expect(decideAlertAccess(null, replayHost('web-1', 'default', ['web']))).toEqual({ allowed: true });
  });

  it('accepts a rule for alerts alone, and still refuses a rule that grants nobody', () => {
    expect(AccessRuleSchema.parse({ tags: ['mesos'], alerts: true })).toMatchObject({ users: [], groups: [], alerts: true });
    expect(() => AccessRuleSchema.parse({ tags: ['mesos'] })).toThrow(/users or groups, or sets alerts: true/);
  });
});
