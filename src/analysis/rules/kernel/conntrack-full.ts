import { plural, type Finding, type Fix } from '../../../domain/index.js';
import { seenOf } from '../../facts/clock.js';
import { toEvidence } from '../../facts/index.js';
import type { ConntrackTable } from '../../parsers/conntrack.js';
import { formatBytes, formatPct } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { quote } from './support.js';

/**
 * What one tracked connection costs the kernel, roughly: struct nf_conn and its hash entry on a
 * 64-bit kernel (a few hundred bytes, more with extensions). Enough to say what a new maximum takes.
 */
const BYTES_PER_ENTRY = 320;
/** From this share of the maximum on, the table is full now, not only when it was logged. */
const FULL_NOW_SHARE = 0.9;

/** The new maximum: twice the present one, in the powers of two people set it to. */
function raisedMax(max: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2 * max, 65_536)));
}

function tableWords(table: ConntrackTable | undefined): string {
  if (table?.count === undefined || table.max === undefined || table.max === 0) return '';
  const share = table.count / table.max;
  return share >= FULL_NOW_SHARE
    ? `; still full: ${table.count} of ${table.max} entries`
    : `; now ${table.count} of ${table.max} entries (${formatPct(share * 100)}) in the host's own network namespace`;
}

/** Whose namespace it is: a container's, the host's, or a namespace of another program. */
function ownerFix(namespace: string | undefined): Fix[] {
  if (namespace === undefined) return [];
  return [
    {
      title: `Find whose network namespace ${namespace} is: a container's, or the host's own`,
      detail: "lsns lists each network namespace by the number the kernel prints, with a process in it; that process's container is the one whose connections filled the table.",
      commands: [`lsns -t net -o NS,PID,COMMAND | awk 'NR == 1 || $1 == ${namespace}'`],
    },
  ];
}

function fixes(table: ConntrackTable | undefined, memTotalKb: number | undefined): Fix[] {
  const sysctl = table?.sysctl ?? 'net.netfilter.nf_conntrack';
  const max = table?.max;
  const raised = max !== undefined && max > 0 ? raisedMax(max) : undefined;
  const cost = raised !== undefined ? raised * BYTES_PER_ENTRY : undefined;
  const share = cost !== undefined && memTotalKb ? ` (${formatPct((cost / (memTotalKb * 1024)) * 100)} of this host's memory)` : '';
  return [
    {
      title: raised !== undefined ? `Raise the table's maximum from ${max} to ${raised} entries` : 'Raise the table\'s maximum (it was not read: the conntrack step did not run or found no table)',
      detail: `Every new connection through the host's netfilter (Docker's NAT and published ports, a proxy's upstreams) takes an entry until it times out; when the table is full the kernel drops the packet, and clients see timeouts and resets that come and go.${cost !== undefined ? ` ${raised} entries take about ${formatBytes(cost, 'binary')} of kernel memory${share}.` : ''} Keep the setting in /etc/sysctl.d so that it outlives a reboot. Each container's network namespace counts its own entries against the same maximum.`,
      commands: [
        ...(raised !== undefined ? [`sysctl -w ${sysctl}_max=${raised}`, `echo '${sysctl}_max = ${raised}' > /etc/sysctl.d/90-conntrack.conf`] : [`sysctl ${sysctl}_count ${sysctl}_max`]),
      ],
    },
    {
      title: 'Find what makes so many connections, and let idle ones go sooner',
      detail: "conntrack (conntrack-tools) lists the entries: the sources and destinations with the most are what fills it. Established TCP entries live 5 days by default (nf_conntrack_tcp_timeout_established, 432000 s): where clients leave connections idle, a day or less frees the table without touching live traffic.",
      commands: ["conntrack -L 2>/dev/null | grep -o 'dst=[0-9a-f.:]*' | sort | uniq -c | sort -rn | head", `sysctl ${sysctl}_tcp_timeout_established`],
    },
  ];
}

/**
 * CONNTRACK_TABLE_FULL: the kernel's connection-tracking table was full and it dropped packets
 * (`nf_conntrack: table full, dropping packet`), one finding per network namespace the kernel
 * names (one in all where it names none), with the table's count and maximum now where the
 * conntrack step read them, and a maximum sized from them and from the host's memory.
 */
export const conntrackFullRule: Rule = {
  codes: ['CONNTRACK_TABLE_FULL'],
  run(facts) {
    const table = facts.system.conntrack;
    const tableEvidence = [table?.countLine, table?.maxLine].filter((l) => l !== undefined).map(toEvidence);
    return facts.kernel.conntrackFull.map((full): Finding => ({
      code: 'CONNTRACK_TABLE_FULL',
      severity: 'critical',
      ...(full.namespace ? { subject: full.namespace } : {}),
      title: `The kernel's connection-tracking table was full and it dropped packets${full.namespace ? ` in network namespace ${full.namespace}` : ''} (${plural(full.occurrences, 'kernel report')}, rate-limited)${tableWords(table)}`,
      evidence: [...quote(full.lines, 3), ...tableEvidence],
      fixes: [...fixes(table, facts.system.memTotalKb), ...ownerFix(full.namespace)],
      seen: seenOf(facts.clock, full.lines, full.occurrences),
      data: {
        reports: full.occurrences,
        ...(full.namespace ? { network_namespace: full.namespace } : {}),
        ...(table?.count !== undefined ? { entries: table.count } : {}),
        ...(table?.max !== undefined ? { max_entries: table.max } : {}),
      },
    }));
  },
};
