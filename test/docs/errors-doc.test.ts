import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const sources = sourceFiles(join(ROOT, 'src')).map((f) => readFileSync(f, 'utf8'));
const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

/** Codes handed to an error's constructor as a literal: `super('code'`, `new XError('code'`. */
const THROWN = /(?:super|[A-Za-z]*Error)\(\s*'([a-z][a-z0-9]*(?:_[a-z0-9]+)+)'/g;
const documented = [...doc.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1] as string);

describe('docs/errors.md', () => {
  it('lists every error code the source throws', () => {
    const thrown = new Set(sources.flatMap((s) => [...s.matchAll(THROWN)].map((m) => m[1] as string)));
    expect(thrown.size).toBeGreaterThan(20);
    expect([...thrown].filter((c) => !documented.includes(c)).sort()).toEqual([]);
  });

  it('lists no code that the source no longer has', () => {
    const all = sources.join('\n');
    expect(documented.filter((c) => !all.includes(`'${c}'`))).toEqual([]);
  });

  it('lists each code once', () => {
    expect(documented.filter((c, i) => documented.indexOf(c) !== i)).toEqual([]);
  });
});
