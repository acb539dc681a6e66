import type { SpecName } from '../../domain/index.js';
import type { LogLine } from './log-line.js';
import { scanMatchingLines } from './line-scanner.js';

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

/** The only lines worth a closer look; messages can be 100 MB, so nothing else is cut into lines. */
export const STARTUP_EVENTS = /msg="Docker daemon"|using prior storage driver|Usage of loopback devices/g;

/** Scans dockerd's log (journal_docker, or dockerd lines in messages); the latest start wins. */
export function parseDockerdStartup(spec: SpecName, text: string): DockerdStartup {
  const out: DockerdStartup = {};
  scanMatchingLines(text, STARTUP_EVENTS, ({ number, text: lineText }) => {
    const line: LogLine = { spec, line: number, text: lineText };
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
      return;
    }
    const prior = PRIOR_DRIVER.exec(line.text);
    if (prior?.[1]) {
      out.storageDriver = prior[1];
      out.storageDriverLine = line;
    } else if (LOOP_WARNING.test(line.text)) out.loopWarning = line;
  });
  return out;
}
