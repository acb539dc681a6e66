export { createDiagnoser, type DiagnoserDeps } from './create-diagnoser.js';
