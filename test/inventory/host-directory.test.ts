import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostNamed, type HostRef } from '../../src/domain/index.js';
import { InvalidTargetError, loadInventory, UnknownHostError } from '../../src/inventory/index.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';

const inventory = await loadInventory(join('test/fixtures/inventory/inventory.yml'), { homeDir: '/home/oncall' });
const names = (hosts: readonly HostRef[]) => hosts.map((h) => h.name);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('resolving what people type to hosts', () => {
  it('resolves a host name, case-insensitively', () => {
    expect(names(inventory.resolve('host-a3-60-17'))).toEqual(['host-a3-60-17']);
    expect(names(inventory.resolve('HOST-A3-60-17'))).toEqual(['host-a3-60-17']);
  });

  it('resolves tag:NAME to every host with the tag, group tags included', () => {
    expect(names(inventory.resolve('tag:mesos'))).toEqual(['host-a3-60-17', 'host-a3-60-18', 'liubei-b2']);
    expect(names(inventory.resolve('tag:dc1'))).toEqual(['host-a3-60-17', 'host-a3-60-18']);
  });

  it('resolves zone:NAME to the hosts of the zone', () => {
    expect(names(inventory.resolve('zone:dc2'))).toEqual(['bastion-2', 'liubei-b2']);
  });

  it('names the three nearest hosts when a host is unknown', () => {
    const err = thrown(() => inventory.resolve('host-a3-60-71'));
    expect(err).toBeInstanceOf(UnknownHostError);
    const unknown = err as UnknownHostError;
    expect(unknown.code).toBe('host_unknown');
    expect(unknown.suggestions).toEqual(['host-a3-60-17', 'host-a3-60-18']);
    expect(unknown.userMessage).toBe('no host host-a3-60-71 in the inventory; did you mean host-a3-60-17, host-a3-60-18?');
  });

  it('suggests nothing for a name far from every host', () => {
    const err = thrown(() => inventory.resolve('completely-different-name')) as UnknownHostError;
    expect(err.suggestions).toEqual([]);
    expect(err.userMessage).toBe('no host completely-different-name in the inventory');
  });

  it('names the nearest tag when a tag is unknown', () => {
    const err = thrown(() => inventory.resolve('tag:meso')) as UnknownHostError;
    expect(err.code).toBe('tag_unknown');
    expect(err.userMessage).toBe('no host has tag meso; did you mean tag:mesos?');
  });

  it.each(HOSTILE_INPUTS)('refuses %s as a host name before any lookup or connection', (_label, value) => {
    // given a connect step that would follow a successful resolve
    let connections = 0;
    const diagnose = (target: string) => {
      const hosts = inventory.resolve(target);
      connections += hosts.length;
    };
    // when / then
    const err = thrown(() => diagnose(value));
    expect(err).toBeInstanceOf(InvalidTargetError);
    expect(connections).toBe(0);
    const message = (err as InvalidTargetError).userMessage;
    expect(message).not.toMatch(/[\x00-\x1f\u200b]/);
    expect(message.length).toBeLessThan(300);
  });

  it.each(HOSTILE_INPUTS)('refuses %s as a tag', (_label, value) => {
    expect(() => inventory.resolve(`tag:${value}`)).toThrow(InvalidTargetError);
  });

  it('says what a host name looks like when the text is not one', () => {
    const err = thrown(() => inventory.resolve('$(id)')) as InvalidTargetError;
    expect(err.code).toBe('target_invalid');
    expect(err.userMessage).toBe('"$(id)" is not a host name or tag: expected a name like host-a3-60-17 (letters, digits, ".", "_", "-"), or tag:NAME, or zone:NAME');
  });
});

describe('looking a host up by the exact name a job or an alert gives', () => {
  it('finds the host of exactly that name, and nothing for another case, a tag or a near miss', () => {
    expect(hostNamed(inventory, 'host-a3-60-17')?.name).toBe('host-a3-60-17');
    for (const name of ['HOST-A3-60-17', 'tag:mesos', 'host-a3-60-1']) expect(hostNamed(inventory, name), name).toBeUndefined();
  });
});
