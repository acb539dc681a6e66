export { DEFAULT_MAX_FILE_BYTES, MAX_FILE_BYTES_LIMIT, type BundleReadOptions } from './bundle-files.js';
export { parseBundleMeta, readBundle } from './read-bundle.js';
export { readSosreport, isSosreport } from './sosreport.js';
export { writeBundle, pruneBundles, BUNDLE_DIR_MODE, BUNDLE_FILE_MODE, type WriteBundleOptions, type WriteBundleResult } from './write-bundle.js';
