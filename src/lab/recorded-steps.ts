import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplayedStep, StepReplayer } from './driver-emulator.js';
import { LAB_SERIES_INDEX_FILE, LAB_WAITS_ENV } from './shims.js';

export interface RecordedStepsOptions {
  /** The host's environment (shims first on PATH, its replay and state directories). */
  env: NodeJS.ProcessEnv;
  /** The host's state directory: what fixes did there changes what later lines print. */
  stateDir: string;
  /** Where each run's record of waits is written (and removed again). */
  scratchDir: string;
  /** Results shared by every host that replays the same bundle, keyed by bundle, line and state. */
  cache: RecordedStepCache;
  /** The bundle the host replays. */
  bundle: string;
  /** The lab's running commands (for its stop() to end) and its count of processes started. */
  live: { children: Set<number>; started: number };
}

export type RecordedStepCache = Map<string, Promise<Recorded>>;

interface Recorded {
  step: ReplayedStep;
  /** False for a line that changed the host (a fix) or never touched the replay: it runs every time. */
  cacheable: boolean;
}

let runs = 0;

async function readOr(file: string, otherwise: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => otherwise);
}

/** Runs `line` once through the shims in record mode: its real output and exit status, and the waits it would have made. */
async function recordOnce(line: string, options: RecordedStepsOptions): Promise<Recorded> {
  const waits = join(options.scratchDir, `waits-${process.pid}-${++runs}`);
  const started = performance.now();
  const { stdout, stderr, exit } = await new Promise<{ stdout: Buffer; stderr: Buffer; exit: number | null }>((resolve) => {
    const child = spawn('sh', ['-c', line], { env: { ...options.env, [LAB_WAITS_ENV]: waits }, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    options.live.started++;
    if (pid !== undefined) options.live.children.add(pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (e) => resolve({ stdout: Buffer.alloc(0), stderr: Buffer.from(`lab: cannot run sh: ${e.message}\n`), exit: 127 }));
    child.once('close', (code, signal) => {
      if (pid !== undefined) options.live.children.delete(pid);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit: signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : code });
    });
  });
  const elapsedMs = performance.now() - started;
  const record = (await readOr(waits, '')).split('\n').filter(Boolean);
  await rm(waits, { force: true });
  const replayed = record.filter((r) => r.startsWith('wait '));
  const recordedMs = replayed.reduce((sum, r) => sum + Number(r.split(' ')[1] ?? 0) * 1000, 0);
  // a hang happened for real during the run (until an inner timeout or the backstop): its time counts
  const hung = replayed.some((r) => r.split(' ')[2] === '1');
  return {
    step: { stdout, stderr, exit, delayMs: Math.round(recordedMs + (hung ? elapsedMs : 0)) },
    // a line that changed the host (a fix) runs every time; one that never touched the replay is
    // the real system's, not the bundle's
    cacheable: replayed.length > 0 && !record.includes('fix'),
  };
}

/**
 * Replays step lines for one host: the first host of a bundle runs each line once through the
 * shims in record mode; later ones (and later runs) get the same output after the same wait with
 * no process at all, as long as the host's state (removed containers, series index) is the same.
 */
export function recordedSteps(options: RecordedStepsOptions): StepReplayer {
  return async (line) => {
    const state = await Promise.all([readOr(join(options.stateDir, 'removed'), ''), readOr(join(options.stateDir, LAB_SERIES_INDEX_FILE), '')]);
    const key = JSON.stringify([options.bundle, line, ...state]);
    const shared = options.cache.get(key);
    // a line that turns out not to be shareable (a fix) is run again for this host
    if (shared) return (await shared).cacheable ? (await shared).step : (await recordOnce(line, options)).step;
    const run = recordOnce(line, options);
    options.cache.set(key, run);
    const recorded = await run;
    if (!recorded.cacheable) options.cache.delete(key);
    return recorded.step;
  };
}
