export * from './plan.schema.js';
export * from './policy.js';
export * from './approval-store.js';
export * from './executor.js';
export * from './audit.js';
export * from './remediation-service.js';
export * from './remediation-errors.js';
export * from './plan-from-playbook.js';
