import type { AccessRule } from '../config/index.js';
import type { Actor, HostRef } from '../domain/index.js';

/**
 * Whether an actor may diagnose a host. A refusal carries the host and the rules that cover it
 * (none: no rule does), so that the chat adapter can say who may.
 */
export type AccessDecision = { allowed: true } | { allowed: false; host: HostRef; covering: readonly AccessRule[] };

function covers(rule: AccessRule, host: HostRef): boolean {
  return rule.hosts.includes(host.name) || rule.tags.includes('*') || rule.tags.some((t) => host.tags.includes(t));
}

/**
 * PURE: may the actor diagnose `host` under the access rules (SICKBAY_ACCESS_FILE)? null policy:
 * everyone may. The remediation policy (remediation/policy.ts) decides the fixes the same way.
 */
export function decideAccess(policy: readonly AccessRule[] | null, actor: Actor, host: HostRef): AccessDecision {
  if (!policy) return { allowed: true };
  const covering = policy.filter((r) => covers(r, host));
  if (covering.some((r) => r.users.includes(actor.userId) || r.groups.some((g) => actor.groups.includes(g)))) return { allowed: true };
  return { allowed: false, host, covering };
}

/**
 * PURE: may an alert (no person behind it) start a diagnosis of `host`? null policy: yes. With an
 * access file, only hosts covered by a rule with `alerts: true`: the file is the one place that says
 * who, or what, may open an SSH session to a host.
 */
export function decideAlertAccess(policy: readonly AccessRule[] | null, host: HostRef): AccessDecision {
  if (!policy) return { allowed: true };
  const covering = policy.filter((r) => covers(r, host));
  return covering.some((r) => r.alerts) ? { allowed: true } : { allowed: false, host, covering };
}

/** A predicate for "did you mean" and status: the hosts this actor may diagnose (all, without a policy). */
export function hostsVisibleTo(policy: readonly AccessRule[] | null, actor: Actor): (host: HostRef) => boolean {
  return (host) => decideAccess(policy, actor, host).allowed;
}

/** Every user group the access rules name: only those need looking up. */
export function groupsInAccessPolicy(policy: readonly AccessRule[] | null): string[] {
  return [...new Set((policy ?? []).flatMap((r) => r.groups))];
}
