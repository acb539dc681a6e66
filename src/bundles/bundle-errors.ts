import { BundleError } from '../domain/index.js';

export function noSuchBundle(dir: string, cause?: unknown): BundleError {
  return new BundleError('bundle_not_found', `no evidence bundle at ${dir}: not a readable directory`, { cause });
}

export function badMeta(dir: string, why: string, cause?: unknown): BundleError {
  return new BundleError('bundle_meta_invalid', `${dir}/meta.json is malformed: ${why}`, { cause });
}

/** One line per refused file: a link out of the bundle, a device, a FIFO, a file that cannot be read. */
export function filesRefused(lines: readonly string[]): BundleError {
  return new BundleError('bundle_file_refused', lines.join('\n'));
}
