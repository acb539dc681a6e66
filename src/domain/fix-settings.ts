/**
 * Settings a fix puts in place, rather than commands to type, and where they go.
 *
 * dockerd options are shown in their /etc/docker/daemon.json form: a distribution's dockerd is
 * started by its unit file, so a flag is changed in daemon.json, not typed at a prompt. They are
 * written as on dockerd's command line (`--storage-opt dm.basesize=4G`, `--log-opt max-size=100m
 * --log-opt max-file=3`). Each string of a fix's daemon_options is one setting on its own
 * (loop-lvm's dm.loopdatasize and direct-lvm's dm.thinpooldev are alternatives, never one daemon.json).
 */

/** The daemon.json key of each option a fix may set, and the shape of its value there. */
const DAEMON_JSON_KEYS = {
  '--storage-driver': { key: 'storage-driver', shape: 'value' },
  '--storage-opt': { key: 'storage-opts', shape: 'list' },
  '--log-driver': { key: 'log-driver', shape: 'value' },
  '--log-opt': { key: 'log-opts', shape: 'map' },
  '--data-root': { key: 'data-root', shape: 'value' },
  '--live-restore': { key: 'live-restore', shape: 'flag' },
} as const;
type DaemonFlag = keyof typeof DAEMON_JSON_KEYS;

export type DaemonJson = Record<string, string | true | string[] | Record<string, string>>;

export class UnknownDaemonOptionError extends Error {
  constructor(readonly option: string) {
    super(`no daemon.json form is known for the dockerd option ${JSON.stringify(option)}`);
    this.name = 'UnknownDaemonOptionError';
  }
}

function isDaemonFlag(flag: string): flag is DaemonFlag {
  return Object.hasOwn(DAEMON_JSON_KEYS, flag);
}

/** Splits `--a=x --b y --c` into [flag, value] pairs; a value may hold spaces only inside <...>. */
function flagsOf(option: string): [string, string | undefined][] {
  const pairs: [string, string | undefined][] = [];
  const words = option.match(/<[^>]*>|[^\s<]+(?:<[^>]*>)?\S*/g) ?? [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith('--')) throw new UnknownDaemonOptionError(option);
    const eq = word.indexOf('=');
    if (eq > 0) {
      pairs.push([word.slice(0, eq), word.slice(eq + 1)]);
      continue;
    }
    const next = words[i + 1];
    const takesValue = isDaemonFlag(word) && DAEMON_JSON_KEYS[word].shape !== 'flag';
    if (takesValue && next !== undefined && !next.startsWith('--')) {
      pairs.push([word, next]);
      i += 1;
    } else pairs.push([word, undefined]);
  }
  return pairs;
}

/** The daemon.json settings that one setting of dockerd options makes. */
export function daemonJsonOf(option: string): DaemonJson {
  const json: DaemonJson = {};
  for (const [flag, value] of flagsOf(option)) {
    if (!isDaemonFlag(flag)) throw new UnknownDaemonOptionError(option);
    const { key, shape } = DAEMON_JSON_KEYS[flag];
    if (shape === 'flag') {
      json[key] = true;
      continue;
    }
    if (value === undefined) throw new UnknownDaemonOptionError(option);
    const before = json[key];
    if (shape === 'value') json[key] = value;
    else if (shape === 'list') json[key] = [...(Array.isArray(before) ? before : []), value];
    else {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new UnknownDaemonOptionError(option);
      const map = typeof before === 'object' && !Array.isArray(before) ? before : {};
      json[key] = { ...map, [value.slice(0, eq)]: value.slice(eq + 1) };
    }
  }
  return json;
}

/** `{ "storage-opts": [ "dm.basesize=4G" ] }`: one line, to merge into daemon.json. */
export function daemonJsonText(option: string): string {
  // indented, then joined: JSON escapes every line break inside a value, so only layout goes
  return JSON.stringify(daemonJsonOf(option), null, 1).replace(/\n\s*/g, ' ');
}

export const DAEMON_JSON_PATH = '/etc/docker/daemon.json';

/** Where a fix's settings go and what they are, as both renderers show them. */
export interface FixSetting {
  /** "/etc/docker/daemon.json", "the container's environment". */
  where: string;
  text: string;
}

/** Where a container's variables go when nothing recreates it but whoever runs it: a running container keeps the environment it started with. */
export const CONTAINER_ENV_WHERE = "the container's environment, when it is created again (docker run -e)";

export function fixSettings(fix: { daemon_options?: readonly string[]; container_env?: readonly string[]; env_where?: string }): FixSetting[] {
  return [
    ...(fix.daemon_options ?? []).map((option) => ({ where: DAEMON_JSON_PATH, text: daemonJsonText(option) })),
    ...(fix.container_env ?? []).map((variable) => ({ where: fix.env_where ?? CONTAINER_ENV_WHERE, text: variable })),
  ];
}
