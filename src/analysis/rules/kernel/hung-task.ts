import type { Finding } from '../../../domain/index.js';
import type { HungTask } from '../../facts/kernel.js';
import { seenOf } from '../../facts/clock.js';
import type { Rule } from '../rule.js';
import { listSome, quote } from './support.js';

/** Frames that say only "waiting": the interesting ones are the callers. */
const GENERIC_FRAMES = /^(?:schedule|io_schedule|schedule_timeout|schedule_preempt_disabled|__schedule|sync_page|sync_buffer|__wait_on_bit|out_of_line_wait_on_bit|wait_on_page_bit|__wait_on_buffer|wait_for_completion|__mutex_lock_slowpath|mutex_lock|rwsem_down_\w+|call_rwsem_down_\w+|down_\w+|kthread|child_rip|ret_from_fork|system_call_fastpath|entry_SYSCALL_64\w*|do_syscall_64)$/;

/** The first few frames worth reading: jbd2_journal_commit_transaction, xfs_ail_push_all_sync... */
export function keyFrames(frames: readonly string[], max = 3): string[] {
  return frames.filter((f) => !GENERIC_FRAMES.test(f)).slice(0, max);
}

/** HUNG_TASK: the kernel reported a task blocked for more than N seconds (one finding per task name). */
export const hungTaskRule: Rule = {
  codes: ['HUNG_TASK'],
  run(facts) {
    const byName = new Map<string, HungTask[]>();
    for (const task of facts.kernel.hungTasks) {
      const group = byName.get(task.name) ?? [];
      group.push(task);
      byName.set(task.name, group);
    }
    const findings: Finding[] = [];
    for (const [name, tasks] of byName) {
      const first = tasks[0] as HungTask;
      const frames = keyFrames(first.frames);
      const frameLines = frames.map((f) => first.frameLines[first.frames.indexOf(f)]).filter((l) => l !== undefined);
      const pids = tasks.map((t) => String(t.pid));
      const reports = tasks.reduce((n, t) => n + t.occurrences, 0);
      const longest = Math.max(...tasks.map((t) => t.blockedSeconds));
      findings.push({
        code: 'HUNG_TASK',
        severity: 'critical',
        subject: name,
        title:
          `${name} (pid ${listSome(pids, 3)}) blocked for more than ${longest} s` +
          (frames.length ? ` in ${frames.join(' < ')}` : '') +
          (reports > 1 ? ` (${reports} kernel reports)` : ''),
        evidence: quote([...first.evidence, ...frameLines, ...tasks.slice(1).flatMap((t) => t.evidence)], 6),
        fixes: fixesFor(first.frames),
        seen: seenOf(facts.clock, tasks.flatMap((t) => [...t.evidence.slice(0, 1), ...(t.lastLine ? [t.lastLine] : [])]), reports),
        data: { task: name, pids: pids.join(','), blocked_seconds: longest, reports, frames: first.frames.join(',') },
      });
    }
    return findings;
  },
};

function fixesFor(frames: readonly string[]): Finding['fixes'] {
  const xfs = frames.some((f) => f.startsWith('xfs_'));
  const jbd2 = frames.some((f) => f.startsWith('jbd2_') || f.startsWith('ext4_'));
  const fixes: Finding['fixes'] = [];
  if (xfs) {
    fixes.push({
      title: 'Stop XFS from retrying writes forever on a full devicemapper pool',
      detail:
        'When the thin pool runs out of space XFS gets ENOSPC and retries the I/O without end, which hangs dockerd. ' +
        'Docker 1.12.6 added dm.xfs_nospace_max_retries; on older Docker, format the pool with ext4 instead and give it more room.',
      commands: ['--storage-opt dm.xfs_nospace_max_retries=0', '--storage-opt dm.fs=ext4 --storage-opt dm.loopdatasize=300G --storage-opt dm.loopmetadatasize=50G'],
    });
  }
  if (jbd2 || !xfs) {
    fixes.push({
      title: 'Find what the blocked I/O waits for: usually a full devicemapper thin pool or a failing disk',
      detail:
        'Tasks stuck in the journal (jbd2) or in fsync wait on a block device that no longer completes writes. ' +
        'Check `docker info` Data Space Used/Available and the disk; free or grow the pool before restarting anything.',
      commands: ['docker info | grep -i "space"', 'dmsetup status', 'dmesg | grep -iE "I/O error|no free space"'],
    });
  }
  fixes.push({
    title: 'Move heavy writers (Redis AOF, databases) to a mounted volume instead of the container filesystem',
    detail: 'Writes through devicemapper thin devices are what filled the pool in the seed incidents.',
    commands: ['docker run -v /data/redis:/data ...'],
  });
  return fixes;
}
