import type { LogLine } from '../facts/log-line.js';

/** What dockerd says about itself in its log when it starts. */
export interface DockerdStartup {
  /** The last `msg="Docker daemon" ... version=X` line: the running daemon's version. */
  version?: string;
  storageDriver?: string;
  versionLine?: LogLine;
  /** `[graphdriver] using prior storage driver "devicemapper"` (or `: overlay2`). */
  storageDriverLine?: LogLine;
  /** devmapper's warning that the pool sits on loop devices. */
  loopWarning?: LogLine;
}

const DAEMON_LINE = /msg="Docker daemon"(.*)$/;
const PRIOR_DRIVER = /using prior storage driver:?\s*\\?"?([a-z0-9]+)/;
const LOOP_WARNING = /Usage of loopback devices is strongly discouraged/;

/** Scans dockerd's log lines (journal_docker, or dockerd lines in messages); the latest start wins. */
export function parseDockerdStartup(lines: readonly LogLine[]): DockerdStartup {
  const out: DockerdStartup = {};
  for (const line of lines) {
    const daemon = DAEMON_LINE.exec(line.text);
    if (daemon) {
      const version = /\bversion=(\S+)/.exec(daemon[1] ?? '')?.[1];
      const driver = /\b(?:graphdriver|storage-driver)=(\S+)/.exec(daemon[1] ?? '')?.[1];
      if (version) {
        out.version = version;
        out.versionLine = line;
      }
      if (driver) {
        out.storageDriver = driver;
        out.storageDriverLine = line;
      }
      continue;
    }
    const prior = PRIOR_DRIVER.exec(line.text);
    if (prior?.[1]) {
      out.storageDriver = prior[1];
      out.storageDriverLine = line;
    } else if (LOOP_WARNING.test(line.text)) out.loopWarning = line;
  }
  return out;
}
