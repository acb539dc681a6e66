import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const MAX = '/proc/sys/net/netfilter/nf_conntrack_max';
/** Low enough that a burst of a few hundred datagrams overflows it; the machine's own value comes back at once. */
const LOW_MAX = 32;
const DATAGRAMS = 200;

export interface ConntrackOverflow {
  /** The maximum this machine had, and has again once the overflow is over. */
  max: number;
  /** The network namespace the overflow ran in (removed by the time this is returned). */
  namespace: string;
  /** Its inode number, which kernels that name the namespace print (`table full in netns N`). */
  inode: string;
}

function run(...args: string[]): string {
  return execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Overflows the kernel's connection-tracking table for real, so that it says `nf_conntrack: table
 * full, dropping packet`: in a network namespace of its own, a rule that makes netfilter track
 * connections, the maximum (one for all namespaces, settable only from the first) lowered to 32 for
 * the moment it takes to send 200 datagrams to as many ports on loopback, then put back. The
 * namespace, its rule and its entries are gone before this returns; the maximum is restored even
 * when a step fails.
 */
export function overflowConntrack(): ConntrackOverflow {
  const max = Number(readFileSync(MAX, 'utf8').trim());
  const namespace = `sickbay-ct-${process.pid}`;
  run('ip', 'netns', 'add', namespace);
  let inode = '';
  try {
    inode = /net:\[(\d+)\]/.exec(run('ip', 'netns', 'exec', namespace, 'readlink', '/proc/self/ns/net'))?.[1] ?? '';
    run('ip', 'netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
    run('ip', 'netns', 'exec', namespace, 'iptables', '-A', 'OUTPUT', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'ACCEPT');
    writeFileSync(MAX, String(LOW_MAX));
    try {
      // each datagram to a new port is a new connection to track; past the maximum the kernel drops them
      run('ip', 'netns', 'exec', namespace, 'bash', '-c', `for p in $(seq 20000 ${20000 + DATAGRAMS - 1}); do echo x 2>/dev/null > /dev/udp/127.0.0.1/$p; done; exit 0`);
    } finally {
      writeFileSync(MAX, String(max));
    }
  } finally {
    run('ip', 'netns', 'del', namespace);
  }
  return { max, namespace, inode };
}

/** Whether this machine can: root, conntrack in the kernel, ip and iptables. Said plainly when not. */
export function conntrackOverflowUnavailable(): string | undefined {
  try {
    readFileSync(MAX, 'utf8');
  } catch {
    return `no ${MAX}: conntrack is not in this kernel`;
  }
  for (const tool of ['ip', 'iptables', 'bash']) {
    try {
      run('sh', '-c', `command -v ${tool}`);
    } catch {
      return `${tool} is not installed`;
    }
  }
  return process.getuid?.() === 0 ? undefined : 'not root';
}
