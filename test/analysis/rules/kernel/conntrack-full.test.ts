import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../src/analysis/index.js';
import { parseConntrack } from '../../../../src/analysis/parsers/conntrack.js';
import { parseKernelLog } from '../../../../src/analysis/parsers/kernel-log.js';
import { conntrackFullRule } from '../../../../src/analysis/rules/kernel/conntrack-full.js';
import { bundleFromRecord, reportProblems } from '../../../../src/domain/index.js';
import { factsFrom, run } from '../docker/rule-harness.js';

const FULL = '[ 2095.513741] nf_conntrack: nf_conntrack: table full, dropping packet\n';
const table = (count: number, max: number) => `/proc/sys/net/netfilter/nf_conntrack_count:${count}\n/proc/sys/net/netfilter/nf_conntrack_max:${max}\n`;
const MEMINFO = 'MemTotal:        8048576 kB\nMemAvailable:    4000000 kB\n';

describe('CONNTRACK_TABLE_FULL', () => {
  it('reads the table from grep -H, on 3.x+ and on 2.6 (ip_conntrack), and nothing from other output', () => {
    expect(parseConntrack(table(65_530, 65_536))).toMatchObject({ count: 65_530, max: 65_536, sysctl: 'net.netfilter.nf_conntrack', countLine: { line: 1 }, maxLine: { line: 2 } });
    expect(parseConntrack('/proc/sys/net/ipv4/netfilter/ip_conntrack_count:12\n/proc/sys/net/ipv4/netfilter/ip_conntrack_max:65536\n')).toMatchObject({ count: 12, max: 65_536, sysctl: 'net.ipv4.netfilter.ip_conntrack' });
    expect(parseConntrack('')).toBeUndefined();
    expect(parseConntrack('grep: /proc/sys/net/netfilter/nf_conntrack_count: No such file or directory\n')).toBeUndefined();
  });

  it('counts the kernel reports of nf_ and ip_conntrack, in dmesg and syslog, once across both logs', () => {
    const log = parseKernelLog(`${FULL}[ 2100.1] net_ratelimit: 112 callbacks suppressed\n${FULL.replace('2095.513741', '2100.2')}`);
    expect(log.conntrackFull.map((f) => f.occurrences)).toEqual([2]);
    expect(parseKernelLog('Jan  2 10:00:00 db1 kernel: ip_conntrack: table full, dropping packet.\n', 'messages').conntrackFull[0]?.occurrences).toBe(1);
    // what kernels since aa58401 print, naming the namespace
    expect(parseKernelLog('[ 88.1] nf_conntrack: nf_conntrack: table full in netns 4026532286, dropping packet\n').conntrackFull).toEqual([expect.objectContaining({ namespace: '4026532286', occurrences: 1 })]);
    const facts = factsFrom({ dmesg: FULL, messages: `Dec  7 13:40:00 h kernel: [ 2095.513741] nf_conntrack: nf_conntrack: table full, dropping packet\n` });
    expect(facts.kernel.conntrackFull.map((f) => f.occurrences)).toEqual([1]);
  });

  it('says the table is still full, and raises the maximum to twice its size with what that costs this host', () => {
    const [f] = run(conntrackFullRule, factsFrom({ dmesg: FULL, conntrack: table(65_530, 65_536), meminfo: MEMINFO }));
    expect(f?.severity).toBe('critical');
    expect(f?.title).toBe("The kernel's connection-tracking table was full and it dropped packets (1 kernel report, rate-limited); still full: 65530 of 65536 entries");
    expect(f?.evidence.map((e) => e.text)).toEqual([FULL.trim(), '/proc/sys/net/netfilter/nf_conntrack_count:65530', '/proc/sys/net/netfilter/nf_conntrack_max:65536']);
    expect(f?.fixes[0]?.title).toBe('Raise the table\'s maximum from 65536 to 131072 entries');
    expect(f?.fixes[0]?.commands).toEqual(['sysctl -w net.netfilter.nf_conntrack_max=131072', "echo 'net.netfilter.nf_conntrack_max = 131072' > /etc/sysctl.d/90-conntrack.conf"]);
    expect(f?.fixes[0]?.detail).toContain("131072 entries take about 40.0 MiB of kernel memory (1 % of this host's memory)");
  });

  it("says how full it is now where the report is older, names 2.6's sysctl, and still gives a fix without the table", () => {
    const [now] = run(conntrackFullRule, factsFrom({ dmesg: FULL, conntrack: table(1200, 262_144) }));
    expect(now?.title).toMatch(/; now 1200 of 262144 entries \(0 %\) in the host's own network namespace$/);
    const [old] = run(conntrackFullRule, factsFrom({ messages: 'Jan  2 10:00:00 db1 kernel: ip_conntrack: table full, dropping packet.\n', conntrack: '/proc/sys/net/ipv4/netfilter/ip_conntrack_count:65536\n/proc/sys/net/ipv4/netfilter/ip_conntrack_max:65536\n' }));
    expect(old?.fixes[0]?.commands?.[0]).toBe('sysctl -w net.ipv4.netfilter.ip_conntrack_max=131072');
    const [blind] = run(conntrackFullRule, factsFrom({ dmesg: FULL }));
    expect(blind?.fixes[0]?.commands).toEqual(['sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max']);
    expect(run(conntrackFullRule, factsFrom({ dmesg: '[    1.0] nf_conntrack: default automatic helper assignment has been turned off for security reasons\n', conntrack: table(10, 65_536) }))).toEqual([]);
  });

  it('is a problem of its own: packets dropped on the host, whatever else is wrong', () => {
    const report = analyze(bundleFromRecord({ dmesg: FULL, conntrack: table(65_536, 65_536) }, { host: 'h' }), { now: new Date('2026-01-01T00:00:00Z') });
    expect(reportProblems(report).map((p) => p.code)).toEqual(['CONNTRACK_TABLE_FULL']);
  });

  it('names the network namespace where the kernel does, and asks lsns whose it is', () => {
    const line = (ns: string) => `[ 2650.140424] nf_conntrack: nf_conntrack: table full in netns ${ns}, dropping packet\n`;
    const [one] = run(conntrackFullRule, factsFrom({ dmesg: line('4026533080').repeat(3), conntrack: table(0, 262_144) }));
    expect(one?.title).toBe("The kernel's connection-tracking table was full and it dropped packets in network namespace 4026533080 (3 kernel reports, rate-limited); now 0 of 262144 entries (0 %) in the host's own network namespace");
    expect(one?.fixes.at(-1)?.commands).toEqual(["lsns -t net -o NS,PID,COMMAND | awk 'NR == 1 || $1 == 4026533080'"]);
    // two namespaces: two instances, each with its own reports and times
    const two = run(conntrackFullRule, factsFrom({ dmesg: line('4026533080') + line('4026533999').repeat(2) }));
    expect(two.map((f) => [f.subject, f.seen?.count])).toEqual([['4026533080', 1], ['4026533999', 2]]);
    expect(two[1]?.fixes.at(-1)?.commands).toEqual(["lsns -t net -o NS,PID,COMMAND | awk 'NR == 1 || $1 == 4026533999'"]);
  });
});

