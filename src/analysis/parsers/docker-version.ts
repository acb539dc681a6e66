import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

export interface ParsedDockerVersion {
  client?: string;
  server?: string;
  clientLine?: LogLine;
  serverLine?: LogLine;
}

const OLD_LAYOUT = /^\s*(Client|Server) version:\s*(\S+)/i;
const SECTION = /^(Client|Server)\b[^:]*:/;
const VERSION = /^\s+Version:\s*(\S+)/;

/**
 * Parses `docker version`: the old flat layout (`Server version: 1.3.2`) and the sectioned one
 * (`Server:` then ` Version:`, or ` Engine:` then `  Version:` on Docker 18.09+).
 */
export function parseDockerVersion(text: string): ParsedDockerVersion {
  const parsed: ParsedDockerVersion = {};
  let section: 'client' | 'server' | null = null;
  for (const line of specLines('docker_version', text)) {
    const old = OLD_LAYOUT.exec(line.text);
    if (old?.[1] && old[2]) {
      record(parsed, old[1].toLowerCase() === 'client' ? 'client' : 'server', old[2], line);
      continue;
    }
    const header = SECTION.exec(line.text);
    if (header?.[1]) {
      section = header[1] === 'Client' ? 'client' : 'server';
      continue;
    }
    const version = VERSION.exec(line.text);
    if (version?.[1] && section) record(parsed, section, version[1], line);
  }
  return parsed;
}

function record(parsed: ParsedDockerVersion, side: 'client' | 'server', version: string, line: LogLine): void {
  if (parsed[side] !== undefined) return;
  parsed[side] = version;
  parsed[side === 'client' ? 'clientLine' : 'serverLine'] = line;
}
