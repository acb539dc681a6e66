import { HOST_NAME, TAG_NAME, ZONE_NAME, type HostDirectory, type HostRef, type ResolveOptions } from '../domain/index.js';
import { invalidTarget, unknownHost, unknownTag } from './inventory-errors.js';
import { nearestNames } from './nearest-names.js';

/** The hosts of one inventory, looked up by what a person typed. */
export interface InventoryDirectory extends HostDirectory {
  /** The host of that exact name, or undefined. */
  get(name: string): HostRef | undefined;
  tags(): readonly string[];
  zones(): readonly string[];
}

/**
 * A HostDirectory over a fixed list of hosts. `resolve` takes `NAME`, `tag:NAME` or `zone:NAME`;
 * the text is checked against anchored patterns before any lookup, so nothing else is ever
 * echoed raw or passed on. Host names compare case-insensitively (DNS does).
 */
export function createHostDirectory(hosts: readonly HostRef[]): InventoryDirectory {
  const frozen = Object.freeze(hosts.map((h) => Object.freeze({ ...h, tags: Object.freeze([...h.tags]) })));
  const byName = new Map(frozen.map((h) => [h.name.toLowerCase(), h]));
  const tags = [...new Set(frozen.flatMap((h) => h.tags))].sort();
  const zones = [...new Set(frozen.map((h) => h.zone))].sort();

  /** The names "did you mean" may offer: only those of hosts the person may see. */
  const offered = (visible: ResolveOptions['visible']) => {
    if (!visible) return { hosts: frozen.map((h) => h.name), tags, zones };
    const seen = frozen.filter(visible);
    return { hosts: seen.map((h) => h.name), tags: [...new Set(seen.flatMap((h) => h.tags))].sort(), zones: [...new Set(seen.map((h) => h.zone))].sort() };
  };

  const byLabel = (kind: 'tag' | 'zone', label: string, visible: ResolveOptions['visible']): HostRef[] => {
    const pattern = (kind === 'tag' ? TAG_NAME : ZONE_NAME).pattern;
    if (!pattern.test(label)) throw invalidTarget(`${kind}:${label}`);
    const found = frozen.filter((h) => (kind === 'tag' ? h.tags.includes(label) : h.zone === label));
    if (!found.length) throw unknownTag(kind, label, nearestNames(label, offered(visible)[kind === 'tag' ? 'tags' : 'zones']));
    return found;
  };

  return {
    resolve(target: string, options: ResolveOptions = {}): readonly HostRef[] {
      const text = target.replace(/^ +| +$/g, '');
      if (text.startsWith('tag:')) return byLabel('tag', text.slice(4), options.visible);
      if (text.startsWith('zone:')) return byLabel('zone', text.slice(5), options.visible);
      if (!HOST_NAME.pattern.test(text)) throw invalidTarget(target);
      const host = byName.get(text.toLowerCase());
      if (!host) throw unknownHost(text, nearestNames(text, offered(options.visible).hosts));
      return [host];
    },
    list: () => frozen,
    get: (name) => byName.get(name.toLowerCase()),
    tags: () => tags,
    zones: () => zones,
  };
}
