export * from './specs.js';
export * from './bundle.js';
export * from './finding.js';
export * from './errors.js';
export * from './ports.js';
export * from './target.js';
export * from './names.js';
export * from './shell.js';
