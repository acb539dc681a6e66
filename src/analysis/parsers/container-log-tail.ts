import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/** What a container printed last (docker logs --tail --timestamps). */
export interface ContainerLogTail {
  /** From the `# container ID` header the step prints before its lines (an id, or a prefix of one). */
  container?: string;
  /** Its lines, oldest first, Docker's time cut off the text (kept in `time`). */
  lines: { time?: string; text: string; line: LogLine }[];
}

const HEADER = /^# container ([0-9a-f]{12,64})$/;
/** docker logs --timestamps: RFC 3339 with nanoseconds, then one space. */
const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/;

/**
 * Parses the container_log_tail spec: one container's lines (the container playbook), or a section
 * per container after its `# container ID` header (docker-host: each container in a restart loop).
 * Lines without Docker's time (a capture without --timestamps) are kept as they are; a header-less
 * capture is one section whose container is not named.
 */
export function parseContainerLogTails(text: string): ContainerLogTail[] {
  const tails: ContainerLogTail[] = [];
  let current: ContainerLogTail | undefined;
  for (const line of specLines('container_log_tail', text)) {
    const header = HEADER.exec(line.text.trim());
    if (header?.[1]) {
      current = { container: header[1], lines: [] };
      tails.push(current);
      continue;
    }
    if (!current) {
      current = { lines: [] };
      tails.push(current);
    }
    const stamped = STAMPED.exec(line.text);
    current.lines.push(stamped?.[1] !== undefined ? { time: stamped[1], text: stamped[2] ?? '', line } : { text: line.text, line });
  }
  return tails;
}
