import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/** What a container printed last (docker logs --tail --timestamps), as the container playbook collects it. */
export interface ContainerLogTail {
  /** From the `# container ID` header the step prints first (an id prefix, as given to the playbook). */
  container?: string;
  /** Its lines, oldest first, Docker's time cut off the text (kept in `time`). */
  lines: { time?: string; text: string; line: LogLine }[];
}

const HEADER = /^# container ([0-9a-f]{12,64})$/;
/** docker logs --timestamps: RFC 3339 with nanoseconds, then one space. */
const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/;

/** Parses the container_log_tail spec; lines without Docker's time (a capture without --timestamps) are kept as they are. */
export function parseContainerLogTail(text: string): ContainerLogTail {
  const out: ContainerLogTail = { lines: [] };
  for (const line of specLines('container_log_tail', text)) {
    const header = HEADER.exec(line.text.trim());
    if (header?.[1] && out.container === undefined && out.lines.length === 0) {
      out.container = header[1];
      continue;
    }
    const stamped = STAMPED.exec(line.text);
    out.lines.push(stamped?.[1] !== undefined ? { time: stamped[1], text: stamped[2] ?? '', line } : { text: line.text, line });
  }
  return out;
}
