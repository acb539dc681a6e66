import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyze } from '../analysis/index.js';
import { readBundle } from '../bundles/index.js';
import {
  systemClock,
  type AnalysisReport,
  type Bundle,
  type Clock,
  type DiagnoseRequest,
  type DiagnosisProgress,
  type DiagnosisResult,
  type Diagnoser,
  type HostRef,
} from '../domain/index.js';

/** How a replayed bundle becomes a report: analyze() by default; tests may add to it. */
export type Analyse = (bundle: Bundle, now: Date) => AnalysisReport;

export interface ReplayDiagnoserOptions {
  /** Directory of bundle directories named after hosts (test/fixtures/incidents/). */
  bundlesDir: string;
  /** Pause before each step is reported done, to look like a live collection. @defaultValue 0 */
  stepDelayMs?: number;
  clock?: Clock;
  analyse?: Analyse;
  /** Which bundle a host replays. @defaultValue the directory named after the host */
  bundleFor?: (host: HostRef) => string;
}

/**
 * A Diagnoser that replays recorded evidence bundles instead of connecting to hosts: the demo and
 * test mode (`sickbay worker --replay-bundles DIR`). Reports progress step by step as the SSH path does.
 */
export class ReplayDiagnoser implements Diagnoser {
  constructor(private readonly options: ReplayDiagnoserOptions) {}

  async diagnose(request: DiagnoseRequest, onProgress?: (event: DiagnosisProgress) => void): Promise<DiagnosisResult> {
    const started = Date.now();
    const host = request.host.name;
    const dir = this.options.bundleFor?.(request.host) ?? join(this.options.bundlesDir, host);
    const bundle = await readBundle(dir);
    onProgress?.({ kind: 'connected', host });
    const steps = Object.entries(bundle.meta.steps ?? {});
    const names = steps.length ? steps : [...bundle.files.keys()].map((name) => [name, {}] as const);
    let done = 0;
    for (const [step, meta] of names) {
      if (this.options.stepDelayMs) await sleep(this.options.stepDelayMs);
      done += 1;
      const m = meta as { timed_out?: boolean; exit?: number | null; duration_ms?: number };
      const status = m.timed_out ? 'timed_out' : m.exit !== undefined && m.exit !== null && m.exit !== 0 ? 'failed' : 'ok';
      onProgress?.({ kind: 'step', host, step, status, durationMs: m.duration_ms ?? 0, done, total: names.length });
    }
    const now = (this.options.clock ?? systemClock).now();
    const report = (this.options.analyse ?? ((b, at) => analyze(b, { now: at })))(bundle, now);
    return { report, bundle, bundleDir: dir, durationMs: Date.now() - started };
  }
}
