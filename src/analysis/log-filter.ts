import type { LogLineFilter } from '../domain/index.js';
import { ZONE_SCAN_LINES } from './facts/clock.js';
import { DOCKERD_EVENTS } from './parsers/dockerd-log.js';
import { STARTUP_EVENTS } from './parsers/dockerd-startup.js';
import { KERNEL_EVENTS, STACK_LOOKAHEAD_LINES } from './parsers/kernel-log.js';

/**
 * Every line of the big logs that the analysis reads, from the parsers' own patterns: kernel
 * events with the call trace after them, dockerd events with the line before (a wrapped syslog
 * line's head), dockerd's start-up lines, and the first lines (the host's time zone). A reader
 * that keeps these and empties the rest gives the analysis the same report (test/bundles/
 * filtered-log.test.ts replays every fixture both ways).
 */
export const ANALYSIS_LOG_FILTER: LogLineFilter = {
  specs: ['dmesg', 'messages', 'journal_docker'],
  rules: [
    { pattern: KERNEL_EVENTS, before: 0, after: STACK_LOOKAHEAD_LINES },
    { pattern: DOCKERD_EVENTS, before: 1, after: 0 },
    { pattern: STARTUP_EVENTS, before: 0, after: 0 },
  ],
  headLines: ZONE_SCAN_LINES,
  minBytes: 8 * 1024 * 1024,
};
