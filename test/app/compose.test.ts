import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnvSchema } from '../../src/config/index.js';
import { REPO } from '../helpers/processes.js';

interface Service {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  network_mode?: string;
  volumes?: string[];
  ports?: string[];
}

const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const known = new Set(Object.keys(EnvSchema.shape));

describe('docker-compose.yml (no Docker engine here: checked as data)', () => {
  it('runs a lab that writes the inventory the bot and the worker read, over a shared volume and network', () => {
    const lab = compose.services['lab'] as Service;
    const written = /--write-inventory (\S+)/.exec((lab.entrypoint ?? lab.command ?? []).join(' '))?.[1];
    expect(written).toBe('/lab/inventory.yml');
    for (const name of ['bot', 'worker', 'intake']) {
      const service = compose.services[name] as Service;
      expect(service.environment?.['SICKBAY_INVENTORY'], name).toBe(written);
      // the lab listens on 127.0.0.1: only its own network namespace reaches it
      expect(service.network_mode, name).toBe('service:lab');
      expect(service.volumes, name).toContain('lab:/lab:ro');
      expect(service.ports, name).toBeUndefined();
    }
    expect(lab.volumes).toContain('lab:/lab');
    expect(Object.keys(compose.volumes)).toContain('lab');
    expect(compose.services['worker']?.command).toEqual(['worker', '--zone', 'lab']);
  });

  it('sets only environment variables that sickbay reads', () => {
    const example = readFileSync(join(REPO, '.env.example'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0] as string);
    const names = [...Object.values(compose.services).flatMap((s) => Object.keys(s.environment ?? {})), ...example];
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });
});
