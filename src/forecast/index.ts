export * from './forecast-errors.js';
export * from './samples.js';
export * from './history.js';
export * from './theil-sen.js';
export * from './forecast.js';
export * from './horizon.js';
export * from './png.js';
export * from './chart.js';
