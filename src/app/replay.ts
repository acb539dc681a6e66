import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyze } from '../analysis/index.js';
import { readBundle } from '../bundles/index.js';
import {
  HOST_NAME_PATTERN,
  InputError,
  systemClock,
  type AnalysisReport,
  type Bundle,
  type Clock,
  type DiagnoseRequest,
  type DiagnosisProgress,
  type DiagnosisResult,
  type Diagnoser,
  type HostDirectory,
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
    return { report, bundleDir: dir, durationMs: Date.now() - started };
  }
}

/** Edit distance, for "did you mean" on unknown host names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

/** An inventory held in memory: resolves `host` and `tag:NAME`, with the nearest names on a miss. */
export class InMemoryHostDirectory implements HostDirectory {
  private readonly byName: ReadonlyMap<string, HostRef>;

  constructor(private readonly hosts: readonly HostRef[]) {
    this.byName = new Map(hosts.map((h) => [h.name, h]));
  }

  list(): readonly HostRef[] {
    return this.hosts;
  }

  resolve(target: string): readonly HostRef[] {
    if (target.startsWith('tag:')) {
      const tag = target.slice(4);
      const hosts = this.hosts.filter((h) => h.tags.includes(tag));
      if (hosts.length) return hosts;
      const tags = [...new Set(this.hosts.flatMap((h) => h.tags))].sort();
      throw new InputError('tag_unknown', `No host has the tag \`${tag}\`. Tags: ${tags.map((t) => `\`${t}\``).join(', ') || 'none'}.`);
    }
    const host = this.byName.get(target);
    if (host) return [host];
    const nearest = [...this.byName.keys()]
      .map((name) => ({ name, d: distance(target, name) }))
      .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
      .slice(0, 3)
      .map((n) => `\`${n.name}\``);
    throw new InputError('host_unknown', `\`${target}\` is not in the inventory. Nearest: ${nearest.join(', ') || 'none'}.`);
  }
}

/** A HostRef for a replayed host: it is never connected to, so its SSH settings are placeholders. */
export function replayHost(name: string, zone: string, tags: readonly string[]): HostRef {
  return { name, zone, tags, ssh: { name, address: '127.0.0.1', port: 22, user: 'replay', knownHostsFile: '/nonexistent/known_hosts' } };
}

/**
 * An inventory of the bundles in a directory: each bundle directory is a host in `zone`, tagged
 * `replay` and with the first word of its name (`mesos-java-oom-137` has tag `mesos`).
 */
export async function loadReplayDirectory(bundlesDir: string, zone = 'default'): Promise<InMemoryHostDirectory> {
  const entries = await readdir(bundlesDir, { withFileTypes: true });
  const hosts = entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && HOST_NAME_PATTERN.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => replayHost(name, zone, ['replay', name.split('-')[0] ?? name]));
  return new InMemoryHostDirectory(hosts);
}
