import { fileURLToPath } from 'node:url';

/** The repo root, whether running from dist/ or src/. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEMO_BUNDLES_DIR = fileURLToPath(new URL('../../test/fixtures/incidents/', import.meta.url));
export const PLAYBOOKS_DIR = fileURLToPath(new URL('../../playbooks/', import.meta.url));
