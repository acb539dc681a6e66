import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/** The connection-tracking table's entries against its maximum, with the lines that say so. */
export interface ConntrackTable {
  count?: number;
  max?: number;
  /** The sysctl's prefix: net.netfilter.nf_conntrack (3.x on), or net.ipv4.netfilter.ip_conntrack (2.6's ip_conntrack). */
  sysctl: 'net.netfilter.nf_conntrack' | 'net.ipv4.netfilter.ip_conntrack';
  countLine?: LogLine;
  maxLine?: LogLine;
}

const ENTRY = /^\/proc\/sys\/net\/(netfilter\/nf|ipv4\/netfilter\/ip)_conntrack_(count|max):(\d+)$/;

/**
 * Parses the conntrack spec: `grep -H . /proc/sys/net/netfilter/nf_conntrack_{count,max}` lines
 * (or 2.6's /proc/sys/net/ipv4/netfilter/ip_conntrack_*). Undefined when neither is there:
 * conntrack is not loaded, or the output is not this. Total: other lines are skipped.
 */
export function parseConntrack(text: string): ConntrackTable | undefined {
  let table: ConntrackTable | undefined;
  for (const line of specLines('conntrack', text)) {
    const m = ENTRY.exec(line.text.trim());
    if (!m) continue;
    table ??= { sysctl: m[1] === 'netfilter/nf' ? 'net.netfilter.nf_conntrack' : 'net.ipv4.netfilter.ip_conntrack' };
    if (m[2] === 'count') {
      table.count = Number(m[3]);
      table.countLine = line;
    } else {
      table.max = Number(m[3]);
      table.maxLine = line;
    }
  }
  return table;
}
