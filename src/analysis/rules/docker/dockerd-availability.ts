import { clip, type Evidence, type Finding } from '../../../domain/index.js';
import { toEvidence, type Facts, type LogLine, type ProcessInfo } from '../../facts/index.js';
import { seenOf } from '../../facts/clock.js';
import { parseSize } from '../../parsers/sizes.js';
import type { Rule } from '../rule.js';
import { dockerService, RESTART_DOCKER } from './docker-context.js';
import { isDState, type BlockedThread } from '../../facts/system.js';
import { blockedNow, listSome } from '../kernel/support.js';
import type { HungTask } from '../../facts/kernel.js';
import { blockedIoFixes, classifyFrames, classifyWaitChannel, dominantClass, waitsOn } from '../kernel/blocked-io.js';

/**
 * dockerd's own process when ps shows it stopped (STAT T: by a signal; t: by a tracer). Such a
 * daemon hangs every client however healthy the host is, and no disk or kernel trouble explains it.
 */
export function stoppedDaemon(facts: Facts): ProcessInfo | undefined {
  const proc = daemonProcess(facts);
  return proc && /^[Tt]/.test(proc.state) ? proc : undefined;
}

/** dockerd's row in ps: the daemon the collection spoke to (DockerDaemonFacts.command). */
function daemonProcess(facts: Facts): ProcessInfo | undefined {
  const line = facts.docker.daemon.command?.line;
  return line ? facts.system.processes?.find((p) => p.line.line === line.line) : undefined;
}

/**
 * dockerd blocked in the kernel: its process in D state, threads of it in D (ps -e shows the main
 * thread's state, which waits in a futex while the threads serving the API are blocked), or the
 * kernel's hung-task reports for it, less those that are over as HUNG_TASK judges them (one report
 * is never over in one finding and blocking dockerd in another).
 */
function stuckInKernel(facts: Facts): { proc?: ProcessInfo; threads?: BlockedThread[]; hung?: HungTask[] } | undefined {
  const daemon = daemonProcess(facts);
  const proc = daemon && isDState(daemon.state) ? daemon : undefined;
  const listed = facts.system.blockedThreads;
  const threads = daemon ? (listed ?? []).filter((t) => t.pid === daemon.pid) : [];
  const hung = facts.kernel.hungTasks.filter((t) => /^dockerd(?:-current)?$/.test(t.name) && blockedNow(t, facts) !== false);
  if (!proc && threads.length === 0 && hung.length === 0) return undefined;
  return { ...(proc ? { proc } : {}), ...(threads.length ? { threads } : {}), ...(hung.length ? { hung } : {}) };
}

/** "(state Dsl in xfs_ail_push_all_sync)", "(12 threads in D, in request_wait_answer)", "(hung task)". */
function blockedText(proc: ProcessInfo | undefined, threads: readonly BlockedThread[] | undefined): string {
  if (proc) return ` (state ${proc.state}${proc.wchan && proc.wchan !== '-' ? ` in ${proc.wchan}` : ''})`;
  if (threads?.length) {
    const channels = [...new Set(threads.flatMap((t) => (t.wchan ? [t.wchan] : [])))];
    return ` (${threads.length === 1 ? '1 thread' : `${threads.length} threads`} in D${channels.length ? `, in ${listSome(channels, 2)}` : ''})`;
  }
  return ' (hung task)';
}

/** dockerd refused its configuration: options given twice, moved or unknown after an upgrade. */
const CONFIG_ERROR = /unable to configure|daemon\.json|directives? |flag|unknown|invalid|conflict/i;
const NO_SPACE = /no space left on device/i;

/** Where a dm.basesize may be set on a distribution's Docker. */
const BASESIZE_WHERE = 'grep -rs basesize /etc/docker/daemon.json /etc/sysconfig/docker /etc/sysconfig/docker-storage /etc/default/docker /etc/systemd/system/docker.service.d';

/**
 * "devmapper: Base device size cannot be smaller than 26.84 GB": dm.basesize was lowered on a pool
 * whose base device is larger. The floor as Docker printed it (decimal units, 4 digits) and as a dm
 * option (binary: 26.84 GB is the 25 GiB base device), rounded up, less the rounding in what Docker
 * printed (10 GiB prints as 10.74 GB, a hair more than 10 GiB).
 */
function baseSizeFloor(reason: string): { said: string; option: string } | undefined {
  const m = /Base device size cannot be smaller than ((\d+)(?:\.(\d+))? ?([kKMGTP]?i?B))/.exec(reason);
  const bytes = m ? parseSize(m[1] as string) : undefined;
  const unit = m ? parseSize(`1 ${m[4] as string}`) : undefined;
  if (!m || !bytes || !unit) return undefined;
  const halfDigit = (unit * 0.5) / 10 ** (m[3]?.length ?? 0);
  return { said: m[1] as string, option: `${Math.ceil((bytes - halfDigit) / 2 ** 30)}G` };
}

/** A start failure cut to fit a title. */
function shortReason(reason: string): string {
  return clip(reason, 120, '...');
}

/**
 * DOCKERD_DOWN, with why its last start failed when its log says so (a full data root, a refused
 * configuration) and whether systemd gave up restarting it; the fixes follow from that.
 */
function daemonDown(facts: Facts, unreachable: readonly LogLine[]): Finding {
  const daemonLine = facts.docker.daemon.command?.line;
  const service = dockerService(facts);
  const failure = facts.docker.daemon.startFailure;
  const limit = facts.docker.daemon.startLimit;
  const resetFailed = limit && service.resetFailed ? [service.resetFailed] : [];
  const root = facts.docker.info?.dockerRootDir ?? facts.docker.dataRoot?.path ?? '/var/lib/docker';
  const full = failure !== undefined && NO_SPACE.test(failure.reason);
  const gaveUp = limit ? ' systemd has given up restarting it (its start limit): it starts again only after reset-failed.' : '';
  const floor = failure ? baseSizeFloor(failure.reason) : undefined;
  const fixes: Finding['fixes'] = floor
    ? [
        {
          title: `Set dm.basesize back to at least ${floor.option} (${floor.said}, the base device this pool has), or remove it, then start Docker`,
          detail:
            `dockerd said: ${failure?.reason ?? ''}. dm.basesize can grow on an existing devicemapper pool but never shrink: a smaller value is only for a pool made anew. ` +
            `It is set in /etc/docker/daemon.json (storage-opts) or on dockerd's command line (/etc/sysconfig/docker-storage, DOCKER_OPTS, a unit drop-in).${gaveUp}${service.note}`,
          commands: [BASESIZE_WHERE, ...resetFailed, service.start],
          daemon_options: [`--storage-opt dm.basesize=${floor.option}`],
        },
      ]
    : failure
    ? [
        {
          title: full ? "Free space and inodes on the data root's filesystem, then start it" : 'Clear what stopped its start, then start it',
          detail:
            `dockerd said: ${failure.reason}.` +
            (full ? ' "No space left on device" means the filesystem under its data root is out of blocks or of inodes: df -h and df -i tell which.' : '') +
            gaveUp +
            service.note,
          commands: [...(full ? [`df -h ${root}`, `df -i ${root}`] : [service.log]), ...resetFailed, service.start],
        },
      ]
    : [
        {
          title: 'See why it stopped, then start it',
          detail: `The daemon's last log lines usually say why (a bad daemon.json, a storage driver that will not mount, a full disk).${gaveUp}${service.note}`,
          commands: [service.status, service.log, ...resetFailed, service.start],
        },
      ];
  if (!floor && (!failure || CONFIG_ERROR.test(failure.reason))) {
    fixes.push({
      title: 'After a package upgrade, check that the configuration still fits the new release',
      detail: 'Options that moved between /etc/sysconfig/docker, DOCKER_OPTS and /etc/docker/daemon.json, or given twice, stop dockerd at start.',
      commands: ['dockerd --validate', 'cat /etc/docker/daemon.json'],
    });
  }
  return {
    code: 'DOCKERD_DOWN',
    severity: 'critical',
    title: failure
      ? `Docker daemon is not running: its last start failed (${shortReason(failure.reason)})`
      : `Docker daemon is not running: the client cannot connect to it${daemonLine || facts.system.processes === null ? '' : ' (no dockerd in the process list)'}`,
    evidence: [
      ...unreachable.slice(0, failure ? 1 : 3).map(toEvidence),
      ...(failure ? [toEvidence(failure.line)] : []),
      ...(limit ? [toEvidence(limit)] : []),
      ...(daemonLine ? [toEvidence(daemonLine)] : []),
    ],
    fixes,
    ...(failure ? { seen: seenOf(facts.clock, [failure.line], 1) } : {}),
    data: { start_error: failure?.reason ?? null, start_limit_hit: limit !== undefined },
  };
}

/** The client calls that only the daemon can answer; a timeout on these means it hangs. */
const DAEMON_CALLS = ['docker_info', 'docker_ps'] as const;

/** DOCKERD_DOWN (nothing listens on the socket) and DOCKERD_UNRESPONSIVE (it listens but does not answer). */
export const dockerdAvailabilityRule: Rule = {
  codes: ['DOCKERD_DOWN', 'DOCKERD_UNRESPONSIVE'],
  run(facts) {
    const findings: Finding[] = [];
    const daemonLine = facts.docker.daemon.command?.line;
    const unreachable = facts.docker.daemonUnreachable;
    const service = dockerService(facts);
    if (unreachable.length > 0) findings.push(daemonDown(facts, unreachable));
    const timedOut = DAEMON_CALLS.filter((spec) => facts.steps[spec]?.timed_out === true);
    if (timedOut.length > 0 && unreachable.length === 0) {
      const evidence: Evidence[] = timedOut.map((spec) => {
        const ms = facts.steps[spec]?.duration_ms;
        return { spec: 'meta', text: `${spec.replace('_', ' ')} timed out${ms !== undefined ? ` after ${ms / 1000} s` : ''} with no answer from the daemon` };
      });
      const calls = timedOut.map((s) => s.replace('_', ' ')).join(' and ');
      const stopped = stoppedDaemon(facts);
      if (stopped) {
        findings.push({
          code: 'DOCKERD_UNRESPONSIVE',
          severity: 'critical',
          title: `Docker daemon does not answer: ${calls} timed out, and dockerd (pid ${stopped.pid}) is stopped (state ${stopped.state} in ps)`,
          evidence: [...evidence, toEvidence(stopped.line)],
          fixes: [
            {
              title: 'Let it run again',
              detail: 'State T means a SIGSTOP (kill -STOP, a Ctrl-Z in a terminal that started it); t means a debugger or strace holds it. Nothing inside dockerd is stuck: a signal resumes it, and goroutine dumps (SIGUSR1) wait until then.',
              commands: [`kill -CONT ${stopped.pid}`],
            },
            {
              title: 'Find who stopped it, so that it does not happen again',
              detail: 'A TracerPid other than 0 names the process tracing it.',
              commands: [`grep -E '^(State|TracerPid)' /proc/${stopped.pid}/status`],
            },
          ],
          data: { timed_out: timedOut.join(','), dockerd_pid: stopped.pid, dockerd_state: 'stopped' },
        });
        return findings;
      }
      const stuck = stuckInKernel(facts);
      if (stuck) {
        const { proc, threads, hung } = stuck;
        const cls = hung
          ? dominantClass(hung.map((t) => classifyFrames(t.frames)))
          : proc
            ? classifyWaitChannel(proc.wchan)
            : dominantClass((threads ?? []).map((t) => classifyWaitChannel(t.wchan)));
        const pid = proc?.pid ?? threads?.[0]?.pid ?? hung?.[0]?.pid;
        const waits = waitsOn(cls, facts);
        findings.push({
          code: 'DOCKERD_UNRESPONSIVE',
          severity: 'critical',
          title:
            `Docker daemon does not answer: ${calls} timed out, and dockerd${pid !== undefined ? ` (pid ${pid})` : ''} is blocked in the kernel` +
            blockedText(proc, threads) +
            `, ${waits.text}`,
          evidence: [...evidence, ...(proc ? [toEvidence(proc.line)] : []), ...(proc ? [] : (threads ?? []).slice(0, 2).map((t) => toEvidence(t.line))), ...(hung?.[0]?.evidence.slice(0, 1).map(toEvidence) ?? []), ...waits.evidence],
          fixes: [
            {
              title: 'Free what dockerd waits for in the kernel; restarting it will not help',
              detail:
                `A process blocked in the kernel (D state) ignores every signal, SIGKILL included: \`${service.restart}\` hangs with it. ` +
                'It resumes by itself once its I/O completes; if that cannot happen, ' +
                (cls === 'fuse' ? "aborting the FUSE mount's connection (below) frees it." : 'only a reboot frees it.'),
              commands: [`cat /proc/${pid ?? '<dockerd pid>'}/stack`, 'dmesg -T | grep -A20 "blocked for more than"'],
            },
            ...blockedIoFixes(cls, facts, pid !== undefined ? [String(pid)] : []),
          ],
          will_not_help: [RESTART_DOCKER],
          data: { timed_out: timedOut.join(','), ...(pid !== undefined ? { dockerd_pid: pid } : {}), dockerd_state: 'blocked', io_class: cls },
        });
        return findings;
      }
      const daemon = daemonProcess(facts);
      const pid = daemon ? String(daemon.pid) : '$(pidof dockerd dockerd-current | cut -d" " -f1)';
      // ps says where its main thread waits: not in D (that is the blocked case above). With the
      // thread listing showing none of its threads in D either, it waits in user space, on a lock
      // of its own or on containerd, which its goroutine dump names and a restart can clear.
      const state = daemon ? `state ${daemon.state}${daemon.wchan && daemon.wchan !== '-' ? `, in ${daemon.wchan}` : ''}` : '';
      const where = !daemon
        ? 'A daemon blocked in the kernel (D state: a full thin pool, XFS retrying ENOSPC, a leaked veth) will not come back with a restart; look at its stack and the kernel log first. '
        : facts.system.blockedThreads
          ? `dockerd (pid ${daemon.pid}) is not blocked in the kernel (${state}, and none of its threads in D): it waits in user space, on a lock of its own or on containerd, which its goroutine dump names. `
          : `dockerd's main thread (pid ${daemon.pid}) is not blocked in the kernel (${state}); its other threads were not listed and may be (a leaked veth or a full thin pool blocks the ones that serve the API). Its stack, its goroutine dump and the kernel log tell which. `;
      findings.push({
        code: 'DOCKERD_UNRESPONSIVE',
        severity: 'critical',
        title: `Docker daemon does not answer: ${calls} timed out`,
        evidence: daemonLine ? [...evidence, toEvidence(daemonLine)] : evidence,
        fixes: [
          {
            title: "Find where dockerd is stuck before restarting it",
            detail: `${where}SIGUSR1 makes dockerd dump its goroutines: its log then says where ("goroutine stacks written to ..."; old releases print them into the log itself).`,
            commands: [`cat /proc/${pid}/stack`, `kill -USR1 ${pid}`, service.log, 'dmesg -T | tail -50'],
          },
          {
            title: 'Restart Docker once the cause is cleared',
            detail: 'If dockerd is in D state a reboot may be the only way out.',
            commands: [service.restart],
          },
        ],
        data: { timed_out: timedOut.join(',') },
      });
    }
    return findings;
  },
};
