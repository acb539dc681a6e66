import type { HostRef } from '../domain/index.js';

/** The shape of an access rule (config/access.schema.ts), repeated structurally so slack/ needs no config/ import. */
export interface AccessRuleLike {
  name?: string | undefined;
  tags: readonly string[];
  hosts: readonly string[];
  users: readonly string[];
  groups: readonly string[];
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

function covers(rule: AccessRuleLike, host: HostRef): boolean {
  return rule.hosts.includes(host.name) || rule.tags.includes('*') || rule.tags.some((t) => host.tags.includes(t));
}

/**
 * Pure decision: may `user` (a member of `groups`) diagnose `host`? null policy: everyone may.
 * A refusal says which rules cover the host and who they let in.
 */
export function decideAccess(policy: readonly AccessRuleLike[] | null, user: string, groups: ReadonlySet<string>, host: HostRef): AccessDecision {
  if (!policy) return { allowed: true };
  const covering = policy.filter((r) => covers(r, host));
  if (covering.some((r) => r.users.includes(user) || r.groups.some((g) => groups.has(g)))) return { allowed: true };
  if (!covering.length) {
    return { allowed: false, reason: `No access rule covers ${host.name} (tags: ${host.tags.join(', ') || 'none'}), so nobody may diagnose it from Slack. Ask an admin to add one.` };
  }
  const who = covering
    .map((r) => {
      const names = [...r.users.map((u) => `<@${u}>`), ...r.groups.map((g) => `<!subteam^${g}>`)].join(', ');
      return `${r.name ?? `rule for ${[...r.tags.map((t) => `tag:${t}`), ...r.hosts].join(', ')}`}: ${names}`;
    })
    .join('; ');
  return { allowed: false, reason: `You may not diagnose ${host.name}: it is allowed only for ${who}.` };
}

/** User groups that matter to the policy: only those are looked up. */
export function groupsInPolicy(policy: readonly AccessRuleLike[] | null): string[] {
  return [...new Set((policy ?? []).flatMap((r) => r.groups))];
}
