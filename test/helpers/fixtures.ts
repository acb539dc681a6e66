import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const INCIDENTS_DIR = fileURLToPath(new URL('../fixtures/incidents/', import.meta.url));

export interface Expected {
  must: string[];
  must_not: string[];
}

/** Every incident bundle on disk, read at test time so new bundles are covered without code changes. */
export function incidentBundles(): { name: string; dir: string; expected: Expected }[] {
  return readdirSync(INCIDENTS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(INCIDENTS_DIR, d.name, 'expected.json')))
    .map((d) => ({
      name: d.name,
      dir: join(INCIDENTS_DIR, d.name),
      expected: JSON.parse(readFileSync(join(INCIDENTS_DIR, d.name, 'expected.json'), 'utf8')) as Expected,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
