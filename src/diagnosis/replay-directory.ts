import { readdir } from 'node:fs/promises';
import { HOST_NAME, type HostRef } from '../domain/index.js';
import { createHostDirectory, type InventoryDirectory } from '../inventory/index.js';

/** A HostRef for a replayed host: it is never connected to, so its SSH settings are placeholders. */
export function replayHost(name: string, zone: string, tags: readonly string[]): HostRef {
  return { name, zone, tags, ssh: { name, address: '127.0.0.1', port: 22, user: 'replay', knownHostsFile: '/nonexistent/known_hosts' } };
}

/**
 * An inventory of the bundles in a directory: each bundle directory is a host in `zone`, tagged
 * `replay` and with the first word of its name (`mesos-java-oom-137` has tag `mesos`).
 */
export async function loadReplayDirectory(bundlesDir: string, zone = 'default'): Promise<InventoryDirectory> {
  const entries = await readdir(bundlesDir, { withFileTypes: true });
  const hosts = entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && HOST_NAME.pattern.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => replayHost(name, zone, ['replay', name.split('-')[0] ?? name]));
  return createHostDirectory(hosts);
}
