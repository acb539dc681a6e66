import type { Bundle, CommandResult, CommandRunner, RunOptions } from '../../src/domain/index.js';
import { renderTemplate } from '../../src/playbooks/index.js';

/**
 * The canonical command of each spec, copied from docs/evidence.md: a playbook that claims a spec
 * with another command is not replayed.
 */
export const CANONICAL_COMMANDS: Readonly<Record<string, string>> = {
  uname: 'uname -a',
  nproc: 'nproc',
  uptime: 'cat /proc/uptime 2>/dev/null; date -u +%s.%N; uptime',
  meminfo: 'cat /proc/meminfo',
  df: 'df -PT',
  df_inodes: 'df -PTi',
  mountinfo: 'cat /proc/self/mountinfo',
  fuse_connections: 'grep -s -H . /sys/fs/fuse/connections/*/waiting; [ $? -le 2 ]',
  conntrack: 'grep -s -H . /proc/sys/net/netfilter/nf_conntrack_count /proc/sys/net/netfilter/nf_conntrack_max /proc/sys/net/ipv4/netfilter/ip_conntrack_count /proc/sys/net/ipv4/netfilter/ip_conntrack_max; [ $? -le 2 ]',
  loop_devices: 'grep -s -H . /sys/block/loop*/loop/backing_file; [ $? -le 2 ]',
  ps: 'ps -eo pid,ppid,stat,etimes,wchan:32,args 2>/dev/null || ps -eo pid,ppid,stat,etime,wchan:32,args 2>/dev/null || ps -eo pid,ppid,stat,args',
  blocked_threads: "ps -eLo pid,lwp,stat,wchan:32,comm | awk 'NR == 1 || $3 ~ /^D/; END { exit NR == 0 }'",
  dmesg: 'dmesg',
  messages: 'for f in /var/log/messages /var/log/syslog; do if [ -r "$f" ]; then tail -n 20000 "$f"; exit; fi; done; journalctl _TRANSPORT=kernel --no-pager -o short-iso -n 20000',
  journal_docker: 'journalctl -u docker --no-pager -n 5000',
  docker_version: 'docker version',
  docker_info: 'docker info',
  docker_ps: "docker ps -a --no-trunc --format '{{json .}}'",
  docker_inspect: 'docker inspect $(docker ps -aq)',
  docker_log_sizes: '{{@docker_data_root}}\ndu -sb "$docker_root"/containers/*/*-json.log',
  container_memory: "{{@memory_cgroups}}\nsickbay_memory_cgroups ''",
  container_log_tail: `for c in $( { docker ps -q --filter status=restarting; docker ps --filter status=running --format '{{.ID}} {{.Status}}' | awk '($3 == "Less" || ($4 ~ /^seconds?$/ && $3 < 10)) && young++ < 5 { print $1; next } /[(]unhealthy[)]$/ && sick++ < 5 { print $1 }'; docker ps -a --filter status=exited --format '{{.ID}} {{.Status}}' | awk '$3 !~ /^[(](0|130|143)[)]$/ && / (seconds?|minutes?|hours?) ago$/ { print $1 }' | head -n 5; } ); do echo "# container $c"; docker logs --tail 50 --timestamps "$c" 2>&1; done`,
  dmsetup_status: 'dmsetup status --target thin-pool',
  lvs: "lvs --noheadings --nosuffix --units b --separator '|' -o lv_full_name,lv_attr,lv_size,data_percent,metadata_percent,lv_metadata_size",
};

/**
 * A CommandRunner that answers canonical commands from a recorded bundle, as the host did:
 * a step the bundle records as timed out times out (at once), an uncollected one exits 127.
 */
export class ReplayRunner implements CommandRunner {
  readonly host: string;
  /** Every command line asked for, in order. */
  readonly commands: string[] = [];
  private readonly bySpec = new Map(Object.entries(CANONICAL_COMMANDS).map(([spec, cmd]) => [renderTemplate(cmd, {}), spec]));

  constructor(private readonly bundle: Bundle) {
    this.host = bundle.meta.host ?? 'replay';
  }

  async run(command: string, options: RunOptions): Promise<CommandResult> {
    this.commands.push(command);
    const spec = this.bySpec.get(command);
    const text = spec ? this.bundle.files.get(spec) : undefined;
    const recorded = spec ? this.bundle.meta.steps?.[spec] : undefined;
    if (spec === undefined || text === undefined) {
      return { stdout: '', stderr: `sh: ${command}: not found\n`, exit: 127, timedOut: false, truncated: false, durationMs: 1 };
    }
    if (recorded?.timed_out) {
      return { stdout: text, stderr: '', exit: null, timedOut: true, truncated: false, durationMs: options.timeoutMs };
    }
    return { stdout: text, stderr: '', exit: recorded?.exit ?? 0, timedOut: false, truncated: false, durationMs: recorded?.duration_ms ?? 1 };
  }

  async close(): Promise<void> {}
}
