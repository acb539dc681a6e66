import { z } from 'zod';
import { escapeRegExp } from '../../domain/text.js';
import type { LogLine } from './log-line.js';
import { optional } from './optional.js';
import { lineLocator } from './text-lines.js';

/** One container from `docker inspect`, in the fields rules need. */
export interface InspectContainer {
  id: string;
  name?: string;
  image?: string;
  /** running, exited, restarting, created, dead, paused... */
  status?: string;
  running?: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  restartCount?: number;
  memoryLimitBytes?: number;
  /** What actually runs: Path + Args (entrypoint and cmd resolved by Docker). */
  command?: string;
  entrypoint?: string;
  /** Environment as KEY=VALUE strings (may hold secrets: never print whole). */
  env?: string[];
  /** Config.Labels: who made it (Compose, Swarm, the kubelet) says who starts it again. */
  labels?: Record<string, string>;
  startedAt?: string;
  finishedAt?: string;
  /** State.Error: why Docker could not start or run it ("OCI runtime create failed: ... executable file not found in $PATH"). */
  error?: string;
  pid?: number;
  /** Host path of the json-file log. */
  logPath?: string;
  /** How many mounts (binds, volumes, tmpfs) it has: with none, all it writes goes to its writable layer. */
  mounts?: number;
  /** Its binds and volumes: the host path and where the container sees it (Mounts; before 1.8, Volumes). */
  binds?: { source: string; destination: string }[];
  /** HostConfig.PidsLimit (1.11+) when it sets one: 0 and -1 mean none. */
  pidsLimit?: number;
  /** State.Health (Docker 1.12+) with Config.Healthcheck: what its HEALTHCHECK says of it. */
  health?: ContainerHealth;
  /** The container's `"Id": ...` line. */
  line: LogLine;
  /** Lines of notable keys inside this container's object: RestartCount, OOMKilled, ExitCode, Memory. */
  lines: Partial<Record<InspectKey, LogLine>>;
  /** Lines that give the JVM a heap option (in Args, Cmd, Entrypoint or an Env entry), in order: what sizes a heap is quoted from here. */
  heapOptionLines?: LogLine[];
}

/** One run of a container's health check, as State.Health.Log keeps the last five. */
export interface HealthProbe {
  start?: string;
  end?: string;
  /** 0 passed, 1 failed, -1 Docker could not run it or stopped it (a timeout). */
  exitCode?: number;
  output: string;
  /** The probe's `"Output"` line. */
  line?: LogLine;
}

/** A container's health as Docker keeps it, and the check that decides it. */
export interface ContainerHealth {
  /** healthy, unhealthy, starting (none: no check). */
  status: string;
  failingStreak?: number;
  /** Oldest first, as Docker appends them. */
  probes: HealthProbe[];
  /** Config.Healthcheck.Test: ["CMD-SHELL", "curl -f http://localhost/"] or ["CMD", "curl", ...]. */
  test?: string[];
  /** Config.Healthcheck's durations in seconds, where set (0 or absent: Docker's defaults). */
  intervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  /** The Health block's `"Status"` line, its `"FailingStreak"` line and the check's `"Test"` line. */
  statusLine?: LogLine;
  streakLine?: LogLine;
  testLine?: LogLine;
}

/** The Env entries a JVM's release is read from, in the order they are trusted. */
export const JAVA_VERSION_VARS = ['JAVA_VERSION', 'JAVA_DEBIAN_VERSION', 'JDK_VERSION'] as const;
export type JavaVersionVar = (typeof JAVA_VERSION_VARS)[number];
export type InspectKey = 'RestartCount' | 'OOMKilled' | 'ExitCode' | 'Memory' | 'Name' | 'FinishedAt' | 'Error' | 'Path' | 'Image' | JavaVersionVar | 'JAVA_HOME' | 'PATH' | 'JENKINS_VERSION' | 'ContainerSupportOff' | 'PidsLimit';
const INSPECT_KEYS: readonly InspectKey[] = ['RestartCount', 'OOMKilled', 'ExitCode', 'Memory', 'Name', 'FinishedAt', 'Error', 'Path', 'Image', ...JAVA_VERSION_VARS, 'JAVA_HOME', 'PATH', 'JENKINS_VERSION', 'ContainerSupportOff', 'PidsLimit'];

const strings = z.array(z.string()).nullish().catch(null);
const num = z.number().nullish().catch(null);
const bool = z.boolean().nullish().catch(null);
const str = z.string().nullish().catch(null);

/** Only what we read; every field optional and forgiving, since layouts differ from 1.3 to today. */
const InspectSchema = z.object({
  Id: z.string().regex(/^[0-9a-f]{12,64}$/),
  Name: str,
  Path: str,
  Args: strings,
  RestartCount: num,
  LogPath: str,
  State: z
    .object({
      Status: str,
      Running: bool,
      Paused: bool,
      Restarting: bool,
      Dead: bool,
      OOMKilled: bool,
      ExitCode: num,
      Pid: num,
      StartedAt: str,
      FinishedAt: str,
      Error: str,
      Health: z
        .object({
          Status: str,
          FailingStreak: num,
          Log: z.array(z.object({ Start: str, End: str, ExitCode: num, Output: str })).nullish().catch(null),
        })
        .nullish()
        .catch(null),
    })
    .nullish()
    .catch(null),
  Config: z
    .object({
      Image: str,
      Healthcheck: z.object({ Test: strings, Interval: num, Timeout: num, Retries: num }).nullish().catch(null),
      Env: strings,
      Entrypoint: z.union([z.array(z.string()), z.string()]).nullish().catch(null),
      Memory: num,
      Labels: z.record(z.string(), z.string()).nullish().catch(null),
    })
    .nullish()
    .catch(null),
  HostConfig: z.object({ Memory: num, PidsLimit: num }).nullish().catch(null),
  /** 1.8+: every bind, volume and tmpfs mount. */
  Mounts: z.array(z.object({ Destination: str, Source: str }).passthrough()).nullish().catch(null),
  /** Before 1.8: the volumes by their path in the container. */
  Volumes: z.record(z.string(), z.unknown()).nullish().catch(null),
});
type RawInspect = z.infer<typeof InspectSchema>;

function bindsOf(raw: RawInspect): { source: string; destination: string }[] | undefined {
  const pairs = raw.Mounts ? raw.Mounts.map((m) => [m.Source, m.Destination] as const) : raw.Volumes ? Object.entries(raw.Volumes).map(([destination, source]) => [source, destination] as const) : [];
  const binds = pairs.flatMap(([source, destination]) => (typeof source === 'string' && source.startsWith('/') && typeof destination === 'string' && destination.startsWith('/') ? [{ source, destination }] : []));
  return binds.length ? binds : undefined;
}

/**
 * Parses `docker inspect` output: a JSON array of containers (1.3's sorted keys or newer), several
 * arrays one after another, an array cut short by a timeout, or bare container objects as
 * `docker inspect --format '{{json .}}'` and the Engine API's /containers/{id}/json print them. One pass finds each top-level
 * object; each is JSON.parsed once; key lines come from one indexOf per key inside the object.
 * Total: unreadable text gives [], unreadable or incomplete containers are skipped.
 */
export function parseDockerInspect(text: string): InspectContainer[] {
  const spans = topLevelObjects(text);
  if (spans.length === 0) return [];
  const locate = lineLocator('docker_inspect', text);
  const out: InspectContainer[] = [];
  for (const [start, end] of spans) {
    let json: unknown;
    try {
      json = JSON.parse(text.slice(start, end));
    } catch {
      continue;
    }
    const parsed = InspectSchema.safeParse(json);
    if (parsed.success) out.push(toContainer(parsed.data, text, start, end, locate));
  }
  return out;
}

/**
 * [start, end) of every object directly inside a top-level JSON array, and of every top-level
 * object, skipping string contents.
 */
function topLevelObjects(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let depth = 0;
  let inString = false;
  let objectStart = -1;
  // The bracket that opened the current top-level value: containers sit one level inside an array, or are the object itself.
  let top = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \\ */) i += 1;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      if (depth === 0) top = ch;
      if (ch === 123 && depth === (top === 123 ? 0 : 1)) objectStart = i;
      depth += 1;
    } else if (ch === 93 /* ] */ || ch === 125 /* } */) {
      depth = Math.max(0, depth - 1);
      if (ch === 125 && depth === (top === 123 ? 0 : 1) && objectStart !== -1) {
        spans.push([objectStart, i + 1]);
        objectStart = -1;
      }
    } else if (depth === 0 && ch !== 32 && ch !== 10 && ch !== 13 && ch !== 9 && ch !== 44) {
      // Text outside any array (an error message, a stray line): not inspect output here.
      objectStart = -1;
    }
  }
  return spans;
}

/** Where to find each key's line: a unique needle within the container's object. */
const KEY_NEEDLES: Readonly<Record<Exclude<InspectKey, 'Image'>, string | RegExp>> = {
  RestartCount: '"RestartCount"',
  OOMKilled: '"OOMKilled"',
  ExitCode: '"ExitCode"',
  Memory: '"Memory"',
  // RestartPolicy also has a "Name"; the container's own starts with a slash (indented or compact JSON).
  Name: /"Name": ?"\//g,
  FinishedAt: '"FinishedAt"',
  // State's own, and only when it says something: an empty one proves nothing
  Error: /"Error": ?"[^"]/g,
  // The program Docker ran ("LogPath", "HostsPath" and the like never have a quote before P).
  Path: '"Path"',
  // The Env entries the JVM's version is read from.
  JAVA_VERSION: '"JAVA_VERSION=',
  JAVA_DEBIAN_VERSION: '"JAVA_DEBIAN_VERSION=',
  JDK_VERSION: '"JDK_VERSION=',
  JAVA_HOME: '"JAVA_HOME=',
  PATH: '"PATH=',
  // the Jenkins image's release, which needs a Java of at least some release
  JENKINS_VERSION: '"JENKINS_VERSION=',
  // The JVM option that makes it ignore the container's limit, in Args or in an option variable.
  ContainerSupportOff: '-XX:-UseContainerSupport',
  PidsLimit: '"PidsLimit"',
};

/**
 * The needle of a key: Config.Image is found by its value, since the top-level "Image" holds the
 * image's id, not the name and tag a user reads.
 */
function needleOf(key: InspectKey, raw: RawInspect): string | RegExp | undefined {
  if (key !== 'Image') return KEY_NEEDLES[key];
  const image = raw.Config?.Image;
  return image ? new RegExp(`"Image": ?${escapeRegExp(JSON.stringify(image))}`, 'g') : undefined;
}

function indexFrom(text: string, needle: string | RegExp, start: number): number {
  if (typeof needle === 'string') return text.indexOf(needle, start);
  needle.lastIndex = start;
  return needle.exec(text)?.index ?? -1;
}

function toContainer(raw: RawInspect, text: string, start: number, end: number, locate: (offset: number) => LogLine): InspectContainer {
  const state = raw.State ?? null;
  const limit = raw.HostConfig?.Memory || raw.Config?.Memory || 0;
  const entrypoint = raw.Config?.Entrypoint;
  const command = [raw.Path ?? '', ...(raw.Args ?? [])].filter((p) => p !== '').join(' ');
  const lines: Partial<Record<InspectKey, LogLine>> = {};
  for (const key of INSPECT_KEYS) {
    const needle = needleOf(key, raw);
    const at = needle === undefined ? -1 : indexFrom(text, needle, start);
    if (at !== -1 && at < end) lines[key] = locate(at);
  }
  const idAt = text.indexOf(`"${raw.Id}"`, start);
  const heapOptionLines = linesMatching(text, HEAP_OPTION, start, end, locate);
  return {
    id: raw.Id,
    ...optional('name', raw.Name?.replace(/^\//, '') || undefined),
    ...optional('image', raw.Config?.Image || undefined),
    ...stateOf(state),
    ...optional('oomKilled', state?.OOMKilled),
    ...optional('exitCode', state?.ExitCode),
    ...optional('restartCount', raw.RestartCount),
    ...optional('memoryLimitBytes', limit > 0 ? limit : undefined),
    ...optional('command', command || undefined),
    ...optional('entrypoint', Array.isArray(entrypoint) ? entrypoint.join(' ') : entrypoint || undefined),
    ...optional('env', raw.Config?.Env),
    ...optional('labels', raw.Config?.Labels ?? undefined),
    ...optional('startedAt', state?.StartedAt || undefined),
    ...optional('finishedAt', state?.FinishedAt || undefined),
    ...optional('error', state?.Error || undefined),
    ...optional('pid', state?.Pid || undefined),
    ...optional('logPath', raw.LogPath || undefined),
    ...optional('mounts', raw.Mounts ? raw.Mounts.length : raw.Volumes ? Object.keys(raw.Volumes).length : undefined),
    ...optional('binds', bindsOf(raw)),
    ...optional('pidsLimit', (raw.HostConfig?.PidsLimit ?? 0) > 0 ? raw.HostConfig?.PidsLimit : undefined),
    ...optional('health', healthOf(raw, text, start, end, locate)),
    line: locate(idAt !== -1 && idAt < end ? idAt : start),
    lines,
    ...optional('heapOptionLines', heapOptionLines.length > 0 ? heapOptionLines : undefined),
  };
}

/** A string as Go's encoding/json writes it: like JSON.stringify, with <, > and & escaped for HTML. */
function goJson(value: string): string {
  return JSON.stringify(value).replace(/[<>&]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
}

/** Go's durations in inspect are nanoseconds; 0 means Docker's default. */
const seconds = (ns: number | null | undefined): number | undefined => (ns ? ns / 1e9 : undefined);

/**
 * State.Health with its lines: the block's Status and FailingStreak, each probe's Output (one JSON
 * string, so one line), and Config.Healthcheck's Test. Lines are searched from the Health block on,
 * since Status is also State's own key.
 */
function healthOf(raw: RawInspect, text: string, start: number, end: number, locate: (offset: number) => LogLine): ContainerHealth | undefined {
  const health = raw.State?.Health;
  if (!health?.Status) return undefined;
  const check = raw.Config?.Healthcheck;
  const within = (at: number): LogLine | undefined => (at !== -1 && at < end ? locate(at) : undefined);
  const blockAt = indexFrom(text, /"Health": ?\{/g, start);
  const from = blockAt !== -1 && blockAt < end ? blockAt : start;
  const outputs: LogLine[] = [];
  for (let at = text.indexOf('"Output"', from); at !== -1 && at < end; at = text.indexOf('"Output"', at + 8)) outputs.push(locate(at));
  // One Output per probe, in Log's order, when the text holds them all.
  const probes = (health.Log ?? []).map((p, i) => ({
    ...optional('start', p.Start || undefined),
    ...optional('end', p.End || undefined),
    ...optional('exitCode', p.ExitCode),
    output: p.Output ?? '',
    ...optional('line', outputs.length === (health.Log ?? []).length ? outputs[i] : undefined),
  }));
  const testAt = indexFrom(text, /"Test": ?\[/g, start);
  // Indented JSON puts each word of the check on a line of its own: the line that proves it is its last word's.
  const lastWord = check?.Test?.at(-1);
  const wordAt = testAt === -1 || lastWord === undefined ? -1 : [JSON.stringify(lastWord), goJson(lastWord)].map((w) => text.indexOf(w, testAt)).find((at) => at !== -1) ?? -1;
  return {
    status: health.Status,
    ...optional('failingStreak', health.FailingStreak),
    probes,
    ...optional('test', check?.Test ?? undefined),
    ...optional('intervalSeconds', seconds(check?.Interval)),
    ...optional('timeoutSeconds', seconds(check?.Timeout)),
    ...optional('retries', check?.Retries || undefined),
    ...optional('statusLine', within(blockAt === -1 ? -1 : text.indexOf('"Status"', blockAt))),
    ...optional('streakLine', within(blockAt === -1 ? -1 : text.indexOf('"FailingStreak"', blockAt))),
    ...optional('testLine', within(wordAt !== -1 ? wordAt : testAt)),
  };
}

/** JVM options that size the heap, wherever they are given: -Xmx, -XX:MaxHeapSize, -XX:MaxRAM, its shares, the cgroup flag. */
const HEAP_OPTION = /-Xmx\d|-XX:(?:MaxHeapSize|MaxRAM|MaxRAMPercentage|MaxRAMFraction|MinRAMPercentage)=|UseCGroupMemoryLimitForHeap/g;
/** At most this many: an inspect that repeats an option on every line still costs a few lines of evidence. */
const MAX_OPTION_LINES = 8;

/** The distinct lines in [start, end) where a pattern matches, in order. */
function linesMatching(text: string, pattern: RegExp, start: number, end: number, locate: (offset: number) => LogLine): LogLine[] {
  const out: LogLine[] = [];
  pattern.lastIndex = start;
  for (let m = pattern.exec(text); m !== null && m.index < end && out.length < MAX_OPTION_LINES; m = pattern.exec(text)) {
    const line = locate(m.index);
    if (out.at(-1)?.line !== line.line) out.push(line);
  }
  return out;
}

function stateOf(state: NonNullable<RawInspect['State']> | null): { status?: string; running?: boolean } {
  if (!state) return {};
  const running = state.Running ?? undefined;
  if (state.Status) return { status: state.Status, ...optional('running', running) };
  // Docker 1.3 has no State.Status: derive it as newer releases do.
  let status: string;
  if (state.Dead) status = 'dead';
  else if (state.Restarting) status = 'restarting';
  else if (state.Paused) status = 'paused';
  else if (state.Running) status = 'running';
  else if (!state.StartedAt || state.StartedAt.startsWith('0001-')) status = 'created';
  else status = 'exited';
  return { status, ...optional('running', running) };
}
