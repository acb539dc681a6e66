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
  /** Why the last start failed, as dockerd said it, unless a start after it succeeded. */
  startFailure?: { reason: string; line: LogLine };
  /** systemd gave up restarting the unit after the failures (its start limit), unless a later start succeeded. */
  startLimit?: LogLine;
}

const DAEMON_LINE = /msg="Docker daemon"(.*)$/;
const PRIOR_DRIVER = /using prior storage driver:?\s*\\?"?([a-z0-9]+)/;
const LOOP_WARNING = /Usage of loopback devices is strongly discouraged/;
/**
 * A failed start: "Error starting daemon: …" (to 17.x, bare or as a fatal's msg), "failed to start
 * daemon: …" (18.x on), or a configuration dockerd refused ("unable to configure the Docker daemon
 * with file …: …", which is the reason itself), or a data root it cannot reach, printed bare ("Unable
 * to get the full path to root (/var/lib/docker): … input/output error" on a shut-down filesystem).
 */
const START_FAILED = /(?:Error starting daemon|failed to start daemon):\s*(.+?)"?\s*$|(unable to configure the Docker daemon with file .+?|Unable to get the full path to root .+?)"?\s*$/;
const START_LIMIT = /docker\.service: Start request repeated too quickly|start request repeated too quickly for docker\.service|docker\.service: Failed with result 'start-limit(?:-hit)?'/;
/** dockerd up: the "Docker daemon" line above, or these. */
const STARTED = /Daemon has completed initialization|API listen on /;

/** The only lines worth a closer look; messages can be 100 MB, so nothing else is cut into lines. */
export const STARTUP_EVENTS =
  /msg="Docker daemon"|using prior storage driver|Usage of loopback devices|Error starting daemon|failed to start daemon|unable to configure the Docker daemon|Unable to get the full path to root|[Ss]tart request repeated too quickly|start-limit|Daemon has completed initialization|API listen on /g;

/** Scans dockerd's log (journal_docker, or dockerd lines in messages); the latest start wins. */
export function parseDockerdStartup(spec: SpecName, text: string): DockerdStartup {
  const out: DockerdStartup = {};
  scanMatchingLines(text, STARTUP_EVENTS, ({ number, text: lineText }) => {
    const line: LogLine = { spec, line: number, text: lineText };
    const failed = START_FAILED.exec(line.text);
    if (failed) {
      out.startFailure = { reason: (failed[1] ?? failed[2] ?? '').trim(), line };
      return;
    }
    if (START_LIMIT.test(line.text)) {
      out.startLimit = line;
      return;
    }
    const daemon = DAEMON_LINE.exec(line.text);
    if (daemon || STARTED.test(line.text)) {
      // it started after whatever failed before
      delete out.startFailure;
      delete out.startLimit;
    }
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
