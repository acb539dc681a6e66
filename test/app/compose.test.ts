import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnvSchema } from '../../src/config/index.js';
import { parseInventory } from '../../src/inventory/index.js';
import { REPO } from '../helpers/processes.js';
import { incidentBundles } from '../helpers/fixtures.js';

// Checked as data here; test/smoke/compose-smoke.sh runs it on a real Docker daemon.
interface Service {
  image?: string;
  build?: { context: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  network_mode?: string;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
}

const text = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const known = new Set(Object.keys(EnvSchema.shape));
const envExample = readFileSync(join(REPO, '.env.example'), 'utf8')
  .split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l))
  .map((l) => l.split('=')[0] as string);

describe('docker-compose.yml', () => {
  it('gives every service its own network namespace and a healthcheck', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.network_mode, name).toBeUndefined();
      expect(service.healthcheck?.test[0], name).toBe('CMD');
    }
  });

  it('builds one sickbay image (bot) shared by bot, worker and intake, and the lab from its own stage', () => {
    const image = services['bot']?.image;
    expect(image).toBe('${SICKBAY_IMAGE:-sickbay:local}');
    for (const name of ['worker', 'intake']) {
      expect(services[name]?.image, name).toBe(image);
      expect(services[name]?.build, name).toBeUndefined();
    }
    expect(services['bot']?.build).toEqual({ context: '.', target: 'production' });
    expect(services['lab']?.build).toEqual({ context: '.', target: 'lab' });
    expect(services['lab']?.image).not.toBe(image);
  });

  it('publishes 3100 only with the alerts profile, and the workers\' metrics on one fixed container port', () => {
    expect(services['intake']?.profiles).toEqual(['alerts']);
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p.split(':').pop()] as const));
    expect(published).toEqual([
      ['bot', '3000'],
      ['worker', '9464'],
      ['intake', '3100'],
    ]);
    expect(services['worker']?.environment?.['METRICS_PORT']).toBe('9464');
  });

  it('mounts config/ read-only and keeps the audit file and the bundles on named volumes', () => {
    for (const name of ['bot', 'worker', 'intake']) {
      expect(services[name]?.volumes, name).toContain('${SICKBAY_CONFIG_DIR:-./config}:/config:ro');
      expect(services[name]?.environment?.['SICKBAY_INVENTORY'], name).toBe('/config/inventory.yml');
    }
    for (const name of ['bot', 'worker']) {
      const env = services[name]?.environment ?? {};
      expect(env['SICKBAY_AUDIT_FILE']?.startsWith('/var/lib/sickbay/audit/'), name).toBe(true);
      expect(services[name]?.volumes, name).toContain('audit:/var/lib/sickbay/audit');
    }
    expect(services['bot']?.environment?.['SICKBAY_ACCESS_FILE']).toBe('${SICKBAY_ACCESS_FILE:-/config/access.yml}');
    expect(services['bot']?.environment?.['SICKBAY_REMEDIATION_POLICY_FILE']).toBe('${SICKBAY_REMEDIATION_POLICY_FILE:-/config/remediation-policy.yml}');
    expect(services['worker']?.volumes).toContain('bundles:/var/lib/sickbay/bundles');
    expect(Object.keys(compose.volumes).sort()).toEqual(['audit', 'bundles', 'redis-data']);
  });

  it('sets only environment variables that sickbay reads', () => {
    const names = Object.values(services).filter((s) => s.image !== 'redis:7-alpine').flatMap((s) => Object.keys(s.environment ?? {}));
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it('reads exactly the variables .env.example lists', () => {
    const interpolated = [...new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1] as string))].sort();
    expect([...envExample].sort()).toEqual(interpolated);
  });
});

describe('config/ as shipped', () => {
  it('lists every lab host at lab:2201 on, in the order `sickbay lab --port-base 2201` gives them ports', () => {
    const directory = parseInventory(readFileSync(join(REPO, 'config/inventory.yml'), 'utf8'), join(REPO, 'config/inventory.yml'));
    const bundles = incidentBundles().map((b) => b.name).sort();
    const hosts = directory.list();
    expect(hosts.map((h) => h.name).sort()).toEqual(bundles);
    for (const [i, name] of bundles.entries()) {
      const host = hosts.find((h) => h.name === name);
      expect([host?.ssh.address, host?.ssh.port, host?.zone]).toEqual(['lab', 2201 + i, 'lab']);
    }
    expect(bundles.length).toBeLessThanOrEqual(30); // the lab image exposes 2201-2230
  });
});
