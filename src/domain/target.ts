import { z } from 'zod';

/**
 * A host name as sickbay accepts it from people, alerts and inventories: DNS-label characters only,
 * anchored, so that nothing else can ever reach a shell line or an ssh argument.
 */
export const HOST_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;
export const HostNameSchema = z.string().regex(HOST_NAME_PATTERN, 'a host name is letters, digits, ".", "_" and "-"');

/** Where and how to reach one host over SSH: what an inventory entry resolves to. */
export interface SshTarget {
  /** The inventory name, used in messages and bundles. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** Private key file; when absent, the SSH agent (SSH_AUTH_SOCK) is used. */
  identityFile?: string;
  /** known_hosts file that holds this host's key (hashed entries allowed). */
  knownHostsFile: string;
  /** A bastion to go through (ProxyJump), itself a full target. */
  jump?: SshTarget;
}

/** A host as the inventory knows it. */
export interface HostRef {
  name: string;
  zone: string;
  tags: readonly string[];
  ssh: SshTarget;
}
