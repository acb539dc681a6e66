import type { LogLine } from './log-line.js';

/** What the Docker daemon's own command line says about storage (from `ps`). */
export interface DockerdCommand {
  line: LogLine;
  storageDriver?: string;
  /** `--storage-opt dm.basesize=100G` -> dm.basesize: "100G"; last one wins, as in dockerd. */
  storageOpts: Map<string, string>;
  /** --data-root, --graph, -g. */
  dataRoot?: string;
}

// dockerd, dockerd-current (RHEL), or `docker -d` / `docker daemon` before 1.12.
const DAEMON = /(?:^|[\s/])(?:dockerd(?:-current)?|docker(?:-current)?\s+(?:-d|daemon))(?=\s|$)(.*)$/;

/**
 * Finds the Docker daemon in `ps` output (any ps layout: only the command's own words are read)
 * and reads its storage options. Undefined when no daemon line is there.
 */
export function parseDockerdCommand(lines: readonly LogLine[]): DockerdCommand | undefined {
  for (const line of lines) {
    const m = DAEMON.exec(line.text);
    if (!m || /\bgrep\b/.test(line.text)) continue;
    return readOptions((m[1] ?? '').trim().split(/\s+/).filter(Boolean), line);
  }
  return undefined;
}

function readOptions(args: string[], line: LogLine): DockerdCommand {
  const out: DockerdCommand = { line, storageOpts: new Map() };
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
    }
  }
  return out;
}
