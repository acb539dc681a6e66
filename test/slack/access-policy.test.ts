import { describe, expect, it } from 'vitest';
import { decideAccess, type AccessRuleLike } from '../../src/slack/index.js';
import { replayHost } from '../../src/app/replay.js';

const policy: AccessRuleLike[] = [
  { name: 'mesos on-call', tags: ['mesos'], hosts: [], users: ['U0ALICE'], groups: ['S0SRE'] },
  { tags: [], hosts: ['db-1'], users: ['U0BOB'], groups: [] },
];
const mesos = replayHost('mesos-1', 'default', ['mesos']);

describe('decideAccess', () => {
  it('lets a listed user or a member of a listed group diagnose hosts with the rule\'s tag', () => {
    expect(decideAccess(policy, 'U0ALICE', new Set(), mesos)).toEqual({ allowed: true });
    expect(decideAccess(policy, 'U0CAROL', new Set(['S0SRE']), mesos)).toEqual({ allowed: true });
    expect(decideAccess(policy, 'U0BOB', new Set(), replayHost('db-1', 'default', []))).toEqual({ allowed: true });
  });

  it('refuses others and says who may', () => {
    const d = decideAccess(policy, 'U0BOB', new Set(), mesos);
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.reason).toContain('mesos on-call: <@U0ALICE>, <!subteam^S0SRE>');
    const none = decideAccess(policy, 'U0ALICE', new Set(), replayHost('web-1', 'default', ['web']));
    expect(!none.allowed && none.reason).toContain('No access rule covers web-1');
  });

  it('lets everyone in when no policy is configured', () => {
    expect(decideAccess(null, 'U0ANY', new Set(), mesos)).toEqual({ allowed: true });
  });
});
