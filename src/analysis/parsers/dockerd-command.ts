import type { LogLine } from './log-line.js';

/** What the Docker daemon's own command line says about storage (from `ps`). */
export interface DockerdCommand {
  line: LogLine;
  storageDriver?: string;
  /** `--storage-opt dm.basesize=100G` -> dm.basesize: "100G"; last one wins, as in dockerd. */
  storageOpts: Map<string, string>;
  /** --data-root, --graph, -g. */
  dataRoot?: string;
  /** -H / --host: the sockets it listens on (none given: the default, unix:///var/run/docker.sock). */
  hosts: string[];
}

// dockerd, dockerd-current (RHEL), or `docker -d` / `docker daemon` before 1.12.
const DAEMON = /(?:^|[\s/])(?:dockerd(?:-current)?|docker(?:-current)?\s+(?:-d|daemon))(?=\s|$)(.*)$/;

/**
 * Every Docker daemon in `ps` output (any ps layout: only the command's own words are read), in
 * the order ps lists them, with its storage options and sockets. A host may run several (a second
 * daemon for CI, rootless Docker beside the system one).
 */
export function parseDockerdCommands(lines: readonly LogLine[]): DockerdCommand[] {
  const found: DockerdCommand[] = [];
  for (const line of lines) {
    const m = DAEMON.exec(line.text);
    if (!m || /\bgrep\b/.test(line.text)) continue;
    found.push(readOptions((m[1] ?? '').trim().split(/\s+/).filter(Boolean), line));
  }
  return found;
}

/** The first Docker daemon in `ps` output; undefined when there is none. */
export function parseDockerdCommand(lines: readonly LogLine[]): DockerdCommand | undefined {
  return parseDockerdCommands(lines)[0];
}

function readOptions(args: string[], line: LogLine): DockerdCommand {
  const out: DockerdCommand = { line, storageOpts: new Map(), hosts: [] };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    const [flag, inline] = arg.includes('=') && arg.startsWith('-') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    if (flag === '--storage-driver' || flag === '-s') {
      const v = value();
      if (v) out.storageDriver = v;
    } else if (flag === '--storage-opt') {
      const v = value();
      const eq = v?.indexOf('=') ?? -1;
      if (v && eq > 0) out.storageOpts.set(v.slice(0, eq).toLowerCase(), v.slice(eq + 1));
    } else if (flag === '--data-root' || flag === '--graph' || flag === '-g') {
      const v = value();
      if (v) out.dataRoot = v;
    } else if (flag === '-H' || flag === '--host') {
      const v = value();
      if (v) out.hosts.push(v);
    }
  }
  return out;
}
