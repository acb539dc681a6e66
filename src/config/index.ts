export { loadConfig, type Config, type Role } from './load-config.js';
export { EnvSchema, type Env } from './env.schema.js';
export { AccessPolicySchema, AccessRuleSchema, type AccessPolicy, type AccessRule } from './access.schema.js';
export { ConfigError } from './config-errors.js';
export { DEMO_BUNDLES_DIR, PLAYBOOKS_DIR } from './paths.js';
