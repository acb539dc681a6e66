import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { HostRef, SshTarget } from '../domain/index.js';
import { ownValue, parseSourceWith, readSourceText, type SourceFailure, type SourceIssue, type YamlSource } from '../playbooks/index.js';
import { InventoryError } from './inventory-errors.js';
import { InventorySchema, type HostEntry, type InventoryFile } from './inventory.schema.js';
import { createHostDirectory, type InventoryDirectory } from './host-directory.js';

export interface InventoryOptions {
  /** What `~` expands to. @defaultValue os.homedir() */
  homeDir?: string;
}

/** Zone of a host that neither it, its group nor the defaults place anywhere. */
export const DEFAULT_ZONE = 'default';
export const DEFAULT_PORT = 22;
export const DEFAULT_USER = 'root';
export const DEFAULT_KNOWN_HOSTS = '~/.ssh/known_hosts';

/** Reads and checks an inventory.yml; throws InventoryError with every `file:line:col` problem. */
export async function loadInventory(file: string, options: InventoryOptions = {}): Promise<InventoryDirectory> {
  return parseInventory(await readSourceText(file, inventoryFailure(file)), file, options);
}

function inventoryFailure(file: string): SourceFailure {
  return (issues, options) => new InventoryError(file, issues, options);
}

/** Parses inventory text; relative key and known_hosts paths are taken from `file`'s directory. */
export function parseInventory(text: string, file: string, options: InventoryOptions = {}): InventoryDirectory {
  const { source, value: inventory } = parseSourceWith(text, file, InventorySchema, inventoryFailure(file));
  const issues = checkReferences(inventory, source);
  if (issues.length) throw new InventoryError(file, issues);
  const expand = pathExpander(dirname(resolve(file)), options.homeDir ?? homedir());
  const targets = new Map<string, SshTarget>();
  const targetOf = (name: string): SshTarget => {
    const known = targets.get(name);
    if (known) return known;
    const entry = ownValue(inventory.hosts, name) as HostEntry;
    const s = effective(inventory, entry);
    const target: SshTarget = {
      name,
      address: entry.address,
      port: s.port ?? DEFAULT_PORT,
      user: s.user ?? DEFAULT_USER,
      knownHostsFile: expand(s.known_hosts ?? DEFAULT_KNOWN_HOSTS),
      ...(s.identity_file && !s.agent ? { identityFile: expand(s.identity_file) } : {}),
      // checkReferences refused cycles, so this recursion ends.
      ...(s.jump ? { jump: targetOf(s.jump) } : {}),
    };
    targets.set(name, target);
    return target;
  };
  const hosts: HostRef[] = Object.keys(inventory.hosts)
    .sort()
    .map((name) => {
      const entry = ownValue(inventory.hosts, name) as HostEntry;
      const s = effective(inventory, entry);
      return { name, zone: s.zone ?? DEFAULT_ZONE, tags: s.tags, ssh: targetOf(name) };
    });
  return createHostDirectory(hosts);
}

/** A host's settings after defaults and its group; tags add up, everything else the most specific wins. */
function effective(inventory: InventoryFile, entry: HostEntry) {
  const group = entry.group ? ownValue(inventory.groups, entry.group) : undefined;
  const defaults = inventory.defaults ?? {};
  const tags = [...new Set([...(defaults.tags ?? []), ...(group?.tags ?? []), ...(entry.tags ?? [])])].sort();
  return { ...defaults, ...group, ...entry, tags };
}

/** Groups and jump hosts named must exist, and following jumps must never come back. */
function checkReferences(inventory: InventoryFile, source: YamlSource): SourceIssue[] {
  const issues: SourceIssue[] = [];
  const names = Object.keys(inventory.hosts);
  for (const name of names) {
    const entry = ownValue(inventory.hosts, name) as HostEntry;
    if (entry.group && !ownValue(inventory.groups, entry.group)) {
      issues.push(source.issueAt(['hosts', name, 'group'], `no group "${entry.group}" under groups:`));
    }
    const jump = effective(inventory, entry).jump;
    if (jump === undefined) continue;
    const at = entry.jump ? ['hosts', name, 'jump'] : ['hosts', name];
    if (!ownValue(inventory.hosts, jump)) {
      issues.push(source.issueAt(at, `jump host "${jump}" is not in this inventory`));
      continue;
    }
    const chain = [name];
    let next: string | undefined = jump;
    while (next !== undefined && ownValue(inventory.hosts, next)) {
      if (chain.includes(next)) {
        issues.push(source.issueAt(at, `jump hosts go round in a cycle: ${[...chain, next].join(' -> ')}`));
        break;
      }
      chain.push(next);
      next = effective(inventory, ownValue(inventory.hosts, next) as HostEntry).jump;
    }
  }
  return issues;
}

/** Expands `~` and `~/...` to `homeDir` and resolves relative paths against `baseDir`. */
export function pathExpander(baseDir: string, homeDir: string): (path: string) => string {
  return (path) => {
    if (path === '~') return homeDir;
    if (path.startsWith('~/')) return join(homeDir, path.slice(2));
    return isAbsolute(path) ? path : resolve(baseDir, path);
  };
}
