import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BundleError, type Bundle, type Clock } from '../domain/index.js';

/** Bundles hold secrets (environment variables in docker inspect, log lines): owner only. */
export const BUNDLE_DIR_MODE = 0o700;
export const BUNDLE_FILE_MODE = 0o600;

/** A file name a bundle may hold: no path separators, no dot files, no meta.json collision. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface WriteBundleOptions {
  /** When set, sibling bundles under the same parent older than this many days are pruned after writing. */
  retentionDays?: number;
  /** Clock for retention. @defaultValue the system clock */
  clock?: Clock;
}

export interface WriteBundleResult {
  dir: string;
  /** Bundles removed by retention. */
  pruned: string[];
}

/**
 * Writes a bundle in the docs/evidence.md layout: one file per spec, byte for byte, and meta.json.
 * The directory is created 0700 and files 0600, written under a temporary name and renamed into
 * place, so nobody ever reads a half-written bundle. Refuses to overwrite an existing bundle.
 */
export async function writeBundle(dir: string, bundle: Bundle, options: WriteBundleOptions = {}): Promise<WriteBundleResult> {
  for (const name of bundle.files.keys()) {
    if (!FILE_NAME.test(name) || name === 'meta.json') {
      throw new BundleError('bundle_file_name_invalid', `cannot write bundle ${dir}: file name ${JSON.stringify(name)} is not allowed`);
    }
  }
  if (await exists(dir)) throw new BundleError('bundle_exists', `cannot write bundle ${dir}: it already exists`);
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true, mode: BUNDLE_DIR_MODE });
  const temp = join(parent, `.${basename(dir)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(temp, { mode: BUNDLE_DIR_MODE });
    await chmod(temp, BUNDLE_DIR_MODE); // mkdir's mode is filtered by the umask
    const writeOne = async (name: string, text: string) => {
      const path = join(temp, name);
      await writeFile(path, text, { mode: BUNDLE_FILE_MODE, flag: 'wx' });
      await chmod(path, BUNDLE_FILE_MODE);
    };
    await Promise.all([...bundle.files].map(([name, text]) => writeOne(name, text)));
    await writeOne('meta.json', `${JSON.stringify(bundle.meta, null, 2)}\n`);
    await rename(temp, dir);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    if (err instanceof BundleError) throw err;
    throw new BundleError('bundle_write_failed', `cannot write bundle ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const pruned =
    options.retentionDays !== undefined ? await pruneBundles(parent, options.retentionDays * 86_400_000, options.clock ?? { now: () => new Date() }, [dir]) : [];
  return { dir, pruned };
}

/**
 * Removes bundles under `root` collected more than `olderThanMs` ago (meta.json's collected_at,
 * else the directory's mtime). Only directories holding a meta.json are considered bundles;
 * anything else under root is left alone. Returns the removed paths.
 */
export async function pruneBundles(root: string, olderThanMs: number, clock: Clock, keep: readonly string[] = []): Promise<string[]> {
  const cutoff = clock.now().getTime() - olderThanMs;
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = join(root, entry.name);
    if (keep.includes(dir)) continue;
    const at = await collectedAt(dir);
    if (at !== undefined && at < cutoff) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed.sort();
}

async function collectedAt(dir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'meta.json'), 'utf8');
  } catch {
    return undefined; // not a bundle
  }
  try {
    const meta = JSON.parse(text) as { collected_at?: unknown };
    const at = typeof meta.collected_at === 'string' ? Date.parse(meta.collected_at) : NaN;
    if (!Number.isNaN(at)) return at;
  } catch {
    /* unreadable meta: fall back to the mtime */
  }
  return (await stat(dir)).mtimeMs;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
