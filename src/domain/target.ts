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
