import { readdir, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { BundleMetaSchema, isSpecName, type Bundle, type BundleMeta } from '../domain/index.js';
import { badMeta, noSuchBundle } from './bundle-errors.js';
import { BundleFiles, withUnread, type BundleReadOptions } from './bundle-files.js';
import { isSosreport, readSosreport } from './sosreport.js';

/**
 * Reads an evidence bundle directory (docs/evidence.md), or an extracted sosreport.
 * Only spec files are loaded; anything else in the directory is left alone. Spec files must be
 * regular files inside the bundle (see BundleFiles); anything else is refused, all at once.
 */
export async function readBundle(dir: string, options: BundleReadOptions = {}): Promise<Bundle> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    throw noSuchBundle(dir, err);
  }
  if (!info.isDirectory()) throw noSuchBundle(dir);
  if (await isSosreport(dir)) return readSosreport(dir, options);

  let reader: BundleFiles;
  let names: string[];
  try {
    reader = await BundleFiles.open(dir, options);
    names = (await readdir(dir)).filter(isSpecName).sort();
  } catch (err) {
    if (err instanceof RangeError) throw err; // a cap out of range is the caller's bug
    throw noSuchBundle(dir, err);
  }
  const meta = await readMeta(dir, reader);
  const files = new Map<string, string>();
  const unread = new Map<string, number>();
  // One file at a time, decoded from one Buffer: readFile(path, 'utf8') builds a rope of chunks that
  // the first regex flattens into a second copy, and reading 100 MB logs in parallel doubles the peak.
  for (const name of names) {
    const got = await reader.read(name, false, name);
    if (!got) continue;
    files.set(name, got.text);
    if (got.unreadBytes) unread.set(name, got.unreadBytes);
  }
  reader.check();
  return { meta: withUnread({ ...meta, host: meta.host ?? basename(dir) }, unread), files };
}

async function readMeta(dir: string, reader: BundleFiles): Promise<BundleMeta> {
  // absent is "no meta"; refused is reported by reader.check() with the other refusals
  const text = (await reader.read('meta.json', true))?.text;
  return text === undefined ? {} : parseBundleMeta(dir, text);
}

/** The text of a bundle's meta.json, checked: BundleError (bundle_meta_invalid) naming the field when it is not one. */
export function parseBundleMeta(dir: string, text: string): BundleMeta {
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
