export * from './sweeps.schema.js';
export { loadSweeps, parseSweeps, SweepsFileError } from './load-sweeps.js';
export { HistoryStore } from './history-store.js';
export { bySoonestFull, forecastOf, forecastRow, FORECAST_WINDOW_SECONDS } from './forecast-rows.js';
export { findingKey, planChannel, resourceOfFinding, ResourceChannelStateSchema, type ChannelAction, type ChannelPlan, type ResourceChannelState, type SweepObservation } from './quiet-channel.js';
export { ChannelStateStore, sweepHost, type SweepHostDeps, type SweepHostResult, type SweepObserver } from './sweep-host.js';
export { readHostForecasts } from './forecast-reader.js';
export { jitterSeconds } from './jitter.js';
