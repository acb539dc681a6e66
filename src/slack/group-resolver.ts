import type { webApi } from '@slack/bolt';
import type { GroupResolver } from '../domain/index.js';

/**
 * Group membership from Slack's usergroups.users.list, cached per group for `cacheMs`: the one
 * resolver of both policies (who may diagnose, who may request and approve a fix).
 */
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
