import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BundleMetaSchema, isSpecName, type Bundle, type BundleMeta } from '../domain/index.js';
import { badMeta, noSuchBundle } from './bundle-errors.js';
import { isSosreport, readSosreport } from './sosreport.js';

/**
 * Reads an evidence bundle directory (docs/evidence.md), or an extracted sosreport.
 * Only spec files are loaded; anything else in the directory is left alone.
 */
export async function readBundle(dir: string): Promise<Bundle> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    throw noSuchBundle(dir, err);
  }
  if (!info.isDirectory()) throw noSuchBundle(dir);
  if (await isSosreport(dir)) return readSosreport(dir);

  const meta = await readMeta(dir);
  const names = await readdir(dir);
  const files = new Map<string, string>();
  // One file at a time, decoded from one Buffer: readFile(path, 'utf8') builds a rope of chunks that
  // the first regex flattens into a second copy, and reading 100 MB logs in parallel doubles the peak.
  for (const name of names.filter(isSpecName).sort()) {
    files.set(name, (await readFile(join(dir, name))).toString('utf8'));
  }
  return { meta: { ...meta, host: meta.host ?? basename(dir) }, files };
}

async function readMeta(dir: string): Promise<BundleMeta> {
  let text: string;
  try {
    text = await readFile(join(dir, 'meta.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw badMeta(dir, 'cannot be read', err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badMeta(dir, `not JSON (${(err as Error).message})`, err);
  }
  const parsed = BundleMetaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badMeta(dir, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
