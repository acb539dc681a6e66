import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';

/** A spec file from an incident bundle, read at test time. */
export function fixtureText(bundle: string, spec: string): string {
  return readFileSync(join(INCIDENTS_DIR, bundle, spec), 'utf8');
}
