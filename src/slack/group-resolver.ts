import type { webApi } from '@slack/bolt';
import type { GroupResolver, PolicyConfig, Principals } from '../remediation/index.js';

/** Every user group a remediation policy names: only those are looked up in Slack. */
export function groupsInRemediationPolicy(policy: PolicyConfig): string[] {
  const rules = [policy.defaults, policy.byRisk.low, policy.byRisk.high, ...Object.values(policy.byRemediation)];
  const principals = rules.flatMap((r): (Principals | undefined)[] => [r?.requesters, r?.approvers]);
  return [...new Set(principals.flatMap((p) => p?.groups ?? []))];
}

/** Group membership from Slack's usergroups.users.list, cached per group for `cacheMs`. */
export function slackGroupResolver(client: webApi.WebClient, groups: readonly string[], cacheMs = 300_000): GroupResolver {
  const cache = new Map<string, { at: number; members: Set<string> }>();
  return {
    async groupsOf(userId) {
      const mine: string[] = [];
      for (const group of groups) {
        let entry = cache.get(group);
        if (!entry || Date.now() - entry.at > cacheMs) {
          const res = await client.usergroups.users.list({ usergroup: group });
          entry = { at: Date.now(), members: new Set(res.users ?? []) };
          cache.set(group, entry);
        }
        if (entry.members.has(userId)) mine.push(group);
      }
      return mine;
    },
  };
}
