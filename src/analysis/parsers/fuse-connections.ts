import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/** A FUSE connection's count of requests its daemon has not answered, from the fusectl filesystem. */
export interface FuseWaiting {
  /** The connection's number: the minor of the mount's device (0:N in mountinfo). */
  connection: number;
  waiting: number;
  line: LogLine;
}

const WAITING = /^\/sys\/fs\/fuse\/connections\/(\d+)\/waiting:(\d+)$/;

/**
 * Parses the fuse_connections spec: `grep -H . /sys/fs/fuse/connections/<N>/waiting` lines. A
 * connection with requests waiting is one whose daemon took requests and has not answered them
 * (yet, or ever). Total: other lines are skipped.
 */
export function parseFuseConnections(text: string): FuseWaiting[] {
  return specLines('fuse_connections', text).flatMap((line) => {
    const m = WAITING.exec(line.text.trim());
    return m?.[1] && m[2] ? [{ connection: Number(m[1]), waiting: Number(m[2]), line }] : [];
  });
}
