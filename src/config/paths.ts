import { fileURLToPath } from 'node:url';

// Where sickbay's own files are, whether it runs from dist/ or src/ (both sit one level under the root).

/** The shipped playbooks: the default of SICKBAY_PLAYBOOKS_DIR and of the CLI's --playbooks. */
export const PLAYBOOKS_DIR = fileURLToPath(new URL('../../playbooks/', import.meta.url));
/** The incident bundles the demo and the lab replay. */
export const DEMO_BUNDLES_DIR = fileURLToPath(new URL('../../test/fixtures/incidents/', import.meta.url));
