export { readBundle } from './read-bundle.js';
export { readSosreport, isSosreport } from './sosreport.js';
