export { createRedactor, redact, secretValuesOf, isSecretName, REDACTED, type Redactor } from './redact.js';
