import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError, loadInventory, parseInventory } from '../../src/inventory/index.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/inventory');
const HOME = '/home/oncall';

async function refusal(name: string): Promise<InventoryError> {
  const err = await loadInventory(join('test/fixtures/inventory', name), { homeDir: HOME }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InventoryError);
  return err as InventoryError;
}

const INVALID: ReadonlyArray<[string, string]> = [
  ['address-is-an-option.yml', 'address-is-an-option.yml:3:14: hosts.web-1.address: expected a DNS name or an IP address'],
  ['host-name-invalid.yml', 'host-name-invalid.yml:4:3: hosts.web;id: key "web;id" refused: a host name is letters'],
  ['hosts-missing.yml', 'hosts-missing.yml:1:1: hosts: required'],
  ['jump-cycle.yml', 'jump-cycle.yml:4:11: hosts.a.jump: jump hosts go round in a cycle: a -> b -> c -> a'],
  ['port-not-a-number.yml', 'port-not-a-number.yml:6:11: hosts.web-1.port: '],
  ['python-object-tag.yml', 'python-object-tag.yml:3:14: Unresolved tag: tag:yaml.org,2002:python/object/apply:os.system (custom YAML tags are refused)'],
  ['tag-invalid.yml', 'tag-invalid.yml:4:17: hosts.web-1.tags[1]: a tag is lower-case letters'],
  ['unknown-group.yml', 'unknown-group.yml:6:12: hosts.web-1.group: no group "dc9" under groups:'],
  ['unknown-jump-host.yml', 'unknown-jump-host.yml:4:11: hosts.web-1.jump: jump host "bastion" is not in this inventory'],
];

describe('loading an inventory', () => {
  it.each(INVALID)('refuses %s with a file:line:col error', async (name, expected) => {
    const err = await refusal(name);
    expect(err.code).toBe('inventory_invalid');
    expect(err.userMessage).toContain(`test/fixtures/inventory/${expected}`);
  });

  it('applies defaults, then the group, then the host, and adds tags up', async () => {
    const inventory = await loadInventory(join(FIXTURES, 'inventory.yml'), { homeDir: HOME });
    const host = inventory.get('host-a3-60-18');
    expect(host).toMatchObject({ name: 'host-a3-60-18', zone: 'dc1', tags: ['dc1', 'mesos', 'redis'] });
    expect(host?.ssh).toMatchObject({ address: '10.1.60.18', port: 22, user: 'root' });
    expect(inventory.get('liubei-b2')).toMatchObject({ zone: 'dc2', tags: ['dc2', 'mesos'], ssh: { user: 'ops' } });
  });

  it('expands ~ to the home directory and resolves relative paths from the inventory file', async () => {
    const inventory = await loadInventory(join(FIXTURES, 'inventory.yml'), { homeDir: HOME });
    expect(inventory.get('host-a3-60-17')?.ssh).toMatchObject({
      identityFile: '/home/oncall/.ssh/id_ed25519',
      knownHostsFile: join(FIXTURES, 'known_hosts'),
    });
    expect(inventory.get('docker-06')?.ssh).toMatchObject({
      address: '::1',
      identityFile: join(FIXTURES, 'keys/docker-06'),
      knownHostsFile: '/etc/ssh/ssh_known_hosts',
    });
  });

  it('leaves the key file out when a host uses the SSH agent', async () => {
    const inventory = await loadInventory(join(FIXTURES, 'inventory.yml'), { homeDir: HOME });
    expect(inventory.get('bastion-2')?.ssh.identityFile).toBeUndefined();
  });

  it('resolves jump hosts to full targets, through a group default too', async () => {
    const inventory = await loadInventory(join(FIXTURES, 'inventory.yml'), { homeDir: HOME });
    expect(inventory.get('host-a3-60-17')?.ssh.jump).toMatchObject({ name: 'bastion-1', address: '10.1.0.1', port: 2222 });
    expect(inventory.get('liubei-b2')?.ssh.jump).toMatchObject({ name: 'bastion-2', address: 'bastion2.example.net' });
    expect(inventory.get('bastion-1')?.ssh.jump).toBeUndefined();
  });

  it('defaults to root on port 22 with ~/.ssh/known_hosts in zone "default"', () => {
    const inventory = parseInventory('hosts:\n  web-1: { address: 10.0.0.1 }\n', '/etc/sickbay/inventory.yml', { homeDir: HOME });
    expect(inventory.list()).toEqual([
      { name: 'web-1', zone: 'default', tags: [], ssh: { name: 'web-1', address: '10.0.0.1', port: 22, user: 'root', knownHostsFile: '/home/oncall/.ssh/known_hosts' } },
    ]);
  });

  it('refuses a jump to itself', () => {
    expect(() => parseInventory('hosts:\n  web-1: { address: 10.0.0.1, jump: web-1 }\n', 'inv.yml')).toThrow(/inv\.yml:2:37: hosts\.web-1\.jump: .*web-1 -> web-1/);
  });

  it('refuses a file that cannot be read, naming it', async () => {
    const err = await refusal('no-such-inventory.yml');
    expect(err.userMessage).toContain('no-such-inventory.yml:1:1: cannot be read (ENOENT)');
  });
});

describe('inventory names that shadow object properties', () => {
  it('refuses a jump to "constructor" when no such host is declared', () => {
    expect(() => parseInventory('hosts:\n  web-1: { address: 10.0.0.1, jump: constructor }\n', 'inv.yml')).toThrow(/jump host "constructor" is not in this inventory/);
  });

  it('refuses a group named "toString" that is not declared', () => {
    expect(() => parseInventory('hosts:\n  web-1: { address: 10.0.0.1, group: tostring }\n', 'inv.yml')).toThrow(/no group "tostring"/);
  });
});
