import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { redact, REDACTED } from '../../src/redaction/index.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';

/** test/fixtures/secrets/README.md describes both files. */
const SECRETS_DIR = fileURLToPath(new URL('../fixtures/secrets/', import.meta.url));

const LeakSchema = z.strictObject({
  id: z.string(),
  rule: z.string(),
  where: z.string(),
  text: z.string(),
  secrets: z.array(z.string().min(4)).min(1),
  keep: z.array(z.string()).optional(),
});
const NearMissSchema = z.strictObject({ id: z.string(), looks_like: z.string(), where: z.string(), why: z.string(), text: z.string() });

function load<T>(file: string, schema: z.ZodType<T>): T[] {
  const entries = z.array(schema).parse(parse(readFileSync(join(SECRETS_DIR, file), 'utf8')));
  return entries;
}

const leaks = load('leaks.yml', LeakSchema);
const nearMisses = load('near-misses.yml', NearMissSchema);

/** A secret leaks if any 8 characters of it (all of it, when shorter) are still in the output. */
const WINDOW = 8;

/** What survived of `secret` in `output`: the window found and the output line it is on. */
function survivors(secret: string, output: string): { survived: string; line: string }[] {
  const width = Math.min(WINDOW, secret.length);
  const found: { survived: string; line: string }[] = [];
  for (let i = 0; i + width <= secret.length; i++) {
    const window = secret.slice(i, i + width);
    const at = output.indexOf(window);
    if (at < 0) continue;
    const start = output.lastIndexOf('\n', at) + 1;
    const end = output.indexOf('\n', at);
    found.push({ survived: window, line: output.slice(start, end < 0 ? undefined : end) });
    break;
  }
  return found;
}

describe('the redaction corpus', () => {
  it('has at least 60 distinct secret shapes, each with its source rule, and unique ids', () => {
    expect(leaks.length).toBeGreaterThanOrEqual(60);
    expect(new Set(leaks.map((e) => e.id)).size).toBe(leaks.length);
    expect(new Set(nearMisses.map((e) => e.id)).size).toBe(nearMisses.length);
    for (const entry of leaks) for (const secret of entry.secrets) expect(entry.text, `${entry.id}: its secret is in its text`).toContain(secret);
  });

  describe('leaks nothing', () => {
    it.each(leaks.map((e) => [`${e.id} (${e.rule}, ${e.where})`, e] as const))('%s', (_name, entry) => {
      const output = redact(entry.text);
      const leaked = entry.secrets.flatMap((secret) => survivors(secret, output).map((s) => ({ secret, ...s })));
      expect(leaked, `secrets survived redaction of ${entry.id}`).toEqual([]);
      for (const keep of entry.keep ?? []) expect(output, `${entry.id} lost evidence it must keep`).toContain(keep);
      expect(output).toContain(REDACTED);
      expect(redact(output), 'redacting twice changes nothing').toBe(output);
    });
  });

  describe('leaves near-misses alone', () => {
    it.each(nearMisses.map((e) => [`${e.id} (${e.looks_like}, ${e.where})`, e] as const))('%s', (_name, entry) => {
      expect(redact(entry.text), `${entry.id}: ${entry.why}`).toBe(entry.text);
    });
  });

  it('changes nothing in the incident bundles but their two real secrets', () => {
    // The bundles come from real hosts; these are the only secrets they hold.
    const known = ['Sh0p@2017', 's3cr3t'];
    let files = 0;
    for (const incident of readdirSync(INCIDENTS_DIR)) {
      for (const name of readdirSync(join(INCIDENTS_DIR, incident))) {
        const path = join(INCIDENTS_DIR, incident, name);
        if (!statSync(path).isFile()) continue;
        const text = readFileSync(path, 'utf8');
        const expected = known.reduce((t, secret) => t.replaceAll(secret, REDACTED), text);
        const output = redact(text);
        if (output !== expected) {
          const lines = output.split('\n');
          const differs = expected.split('\n').findIndex((line, i) => line !== lines[i]);
          expect({ file: `${incident}/${name}:${differs + 1}`, line: lines[differs] }).toEqual({ file: `${incident}/${name}:${differs + 1}`, line: expected.split('\n')[differs] });
        }
        files++;
      }
    }
    expect(files).toBeGreaterThan(50);
  });

  it('keeps JSON valid when the secrets sit in JSON strings', () => {
    for (const entry of leaks) {
      let json: unknown;
      try {
        json = JSON.parse(entry.text);
      } catch {
        continue;
      }
      expect(json).toBeDefined();
      expect(() => JSON.parse(redact(entry.text)), entry.id).not.toThrow();
    }
    const inspect = JSON.stringify([{ Config: { Env: leaks.map((e) => e.text.trim()) } }], null, 4);
    const parsed = JSON.parse(redact(inspect)) as [{ Config: { Env: string[] } }];
    expect(parsed[0].Config.Env).toHaveLength(leaks.length);
  });
});
