export { createRedactor, redact, secretValuesOf, REDACTED, SECRET_NAME_PATTERN, type Redactor } from './redact.js';
