import { CONTAINER_ID } from '../domain/index.js';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SPEC_NAMES, type BundleMeta, type StepMeta } from '../domain/index.js';
import { parseBundleMeta } from '../bundles/index.js';
import { parseDockerPs, type PsContainer } from '../analysis/parsers/docker-ps.js';
import { LabError } from './lab-errors.js';

/** One file per container, named by its full id: what `docker inspect ID` prints in the lab. */
export const INSPECT_BY_ID_DIR = 'docker_inspect.by-id';

export interface ReplayOptions {
  /**
   * Multiplies each step's recorded `duration_ms` before the shim prints its output.
   * @defaultValue 1.0
   */
  durationScale?: number;
  /**
   * Upper bound on one step's replay delay; `timed_out` steps are not delayed, they hang until killed.
   * @defaultValue 5_000
   */
  maxDelayMs?: number;
}

function stepLine(step: StepMeta | undefined, options: ReplayOptions): string {
  if (step?.timed_out) return '0 0 1';
  const exit = step?.exit === undefined ? 0 : step.exit === null ? 255 : step.exit;
  const ms = Math.min((step?.duration_ms ?? 0) * (options.durationScale ?? 1), options.maxDelayMs ?? 5_000);
  const delay = ms >= 1 ? (ms / 1000).toFixed(3) : '0';
  return `${exit} ${delay} 0`;
}

/** docker inspect's array of containers, parsed once, or undefined when the file is not one. */
function inspectArray(inspect: string | undefined): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(inspect ?? '');
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Short container ids for `docker ps -q` (so that `docker inspect $(docker ps -aq)` works as on a
 * host), or with `restarting` those in a restart loop, for `--filter status=restarting`: from
 * inspect (State.Restarting), else from the docker ps rows, read as the analysis reads them.
 */
function psIds(inspected: readonly unknown[] | undefined, rows: readonly PsContainer[], restarting: boolean): string[] {
  if (inspected) {
    return inspected.flatMap((c) => {
      const { Id: id, State: state } = c as { Id?: unknown; State?: { Restarting?: unknown; Status?: unknown } };
      return typeof id === 'string' && (!restarting || state?.Restarting === true || state?.Status === 'restarting') ? [id.slice(0, 12)] : [];
    });
  }
  return rows.filter((r) => !restarting || r.status === 'restarting').map((r) => r.id.slice(0, 12));
}

/** `docker ps -a --filter status=exited --format '{{.ID}} {{.Status}}'` (or status=running) from the recorded docker ps rows: the status as it was recorded. */
function statusesOf(rows: readonly PsContainer[], status: 'exited' | 'running'): string[] {
  return rows.filter((r) => r.status === status && r.statusText).map((r) => `${r.id.slice(0, 12)} ${r.statusText ?? ''}`);
}

/** docker inspect's objects by full id, so that `docker inspect ID` answers with that container alone (not JSON: the whole file is replayed). */
function inspectById(inspected: readonly unknown[] | undefined): Map<string, unknown> {
  const byId = new Map<string, unknown>();
  for (const c of inspected ?? []) {
    const id = (c as { Id?: unknown }).Id;
    if (typeof id === 'string' && CONTAINER_ID.pattern.test(id)) byId.set(id, c);
  }
  return byId;
}

async function readOptional(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** A bundle's meta.json, or undefined when it has none; BundleError naming the field when it is not one. */
async function readMeta(dir: string): Promise<BundleMeta | undefined> {
  const text = await readOptional(join(dir, 'meta.json'));
  return text === undefined ? undefined : parseBundleMeta(dir, text);
}

/** What a bundle was collected with (meta.json): its playbook, docker-host when it does not say, and its params. */
export async function collectedWith(bundleDir: string): Promise<{ playbook: string; params?: Record<string, string> }> {
  const meta = await readMeta(resolve(bundleDir));
  const playbook = meta?.playbook && !meta.playbook.startsWith('remediation:') ? meta.playbook : 'docker-host';
  const params = meta?.params;
  return { playbook, ...(params && Object.keys(params).length ? { params } : {}) };
}

/**
 * Lays out a bundle for the shims in `outDir`: each collected spec's output (a symlink to the bundle
 * file) and its `<spec>.step` line. The bundle directory itself is never written to.
 */
export async function prepareReplay(bundleDir: string, outDir: string, options: ReplayOptions = {}): Promise<string> {
  const dir = resolve(bundleDir);
  const names = await readdir(dir).catch((err: unknown) => {
    throw new LabError('lab_bundle_unreadable', `cannot replay ${dir}: not a readable bundle directory`, err);
  });
  const steps: Record<string, StepMeta> = (await readMeta(dir))?.steps ?? {};
  await mkdir(outDir, { recursive: true });
  const present = new Set(names);
  const specs = SPEC_NAMES.filter((spec) => present.has(spec) || present.has(`${spec}.series`) || steps[spec] !== undefined);
  await Promise.all(
    specs.map(async (spec) => {
      if (present.has(spec)) await symlink(join(dir, spec), join(outDir, spec));
      // A series (one output per sample, replayed at the host's series index): see shims.ts
      if (present.has(`${spec}.series`)) await symlink(join(dir, `${spec}.series`), join(outDir, `${spec}.series`));
      await writeFile(join(outDir, `${spec}.step`), `${stepLine(steps[spec], options)}\n`);
    }),
  );
  const inspected = inspectArray(await readOptional(join(dir, 'docker_inspect')));
  if (specs.includes('docker_ps')) {
    const rows = parseDockerPs((await readOptional(join(dir, 'docker_ps'))) ?? '');
    const ps = stepLine(steps.docker_ps, options).split(' ');
    // docker ps -q, docker ps -q --filter status=restarting and the exited and running ones'
    // statuses: docker ps's exit and hang, no delay of their own
    const listings = {
      docker_ps_ids: psIds(inspected, rows, false),
      docker_ps_restarting_ids: psIds(inspected, rows, true),
      docker_ps_exited_status: statusesOf(rows, 'exited'),
      docker_ps_running_status: statusesOf(rows, 'running'),
    };
    for (const [name, lines] of Object.entries(listings)) {
      await writeFile(join(outDir, name), lines.map((line) => `${line}\n`).join(''));
      await writeFile(join(outDir, `${name}.step`), `${ps[0]} 0 ${ps[2]}\n`);
    }
  }
  const byId = inspectById(inspected);
  if (byId.size) {
    await mkdir(join(outDir, INSPECT_BY_ID_DIR));
    await Promise.all([...byId].map(([id, c]) => writeFile(join(outDir, INSPECT_BY_ID_DIR, id), `${JSON.stringify([c], null, 4)}\n`)));
  }
  return outDir;
}
