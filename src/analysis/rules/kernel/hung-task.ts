import type { Finding } from '../../../domain/index.js';
import type { HungTask } from '../../facts/kernel.js';
import { seenOf } from '../../facts/clock.js';
import type { Rule } from '../rule.js';
import { storageDriverOf } from '../docker/docker-context.js';
import { moveWritersFix } from '../docker/thin-pool-fixes.js';
import { blockedIoFixes, classifyFrames, dominantClass, waitsOn, withoutFuseMounts, type BlockedIoClass } from './blocked-io.js';
import type { Facts } from '../../facts/index.js';
import { blockedNow, listSome, quote, type BlockedNow } from './support.js';

/** Frames that say only "waiting": the interesting ones are the callers. */
const GENERIC_FRAMES = /^(?:schedule|io_schedule|schedule_timeout|schedule_preempt_disabled|__schedule|sync_page|sync_buffer|__wait_on_bit|out_of_line_wait_on_bit|wait_on_page_bit|__wait_on_buffer|wait_for_completion|__mutex_lock_slowpath|mutex_lock|rwsem_down_\w+|call_rwsem_down_\w+|down_\w+|kthread|child_rip|ret_from_fork|system_call_fastpath|entry_SYSCALL_64\w*|do_syscall_64)$/;

/** The first few frames worth reading: jbd2_journal_commit_transaction, xfs_ail_push_all_sync... */
export function keyFrames(frames: readonly string[], max = 3): string[] {
  return frames.filter((f) => !GENERIC_FRAMES.test(f)).slice(0, max);
}

/**
 * HUNG_TASK: the kernel reported a task blocked for more than N seconds (one finding per task
 * name), classified by its stack: NFS, the ext4 journal, the XFS log, a thin pool, a block device,
 * the cgroup freezer, or honestly unknown. Title and fixes follow the class.
 */
export const hungTaskRule: Rule = {
  codes: ['HUNG_TASK'],
  run(facts) {
    // one finding per task name, the tasks still blocked apart from those that are over
    const byName = new Map<string, { name: string; over: boolean; tasks: HungTask[]; now: BlockedNow[] }>();
    for (const task of facts.kernel.hungTasks) {
      const now = blockedNow(task, facts);
      const over = now === false;
      const key = `${task.name}\0${over}`;
      const group = byName.get(key) ?? { name: task.name, over, tasks: [], now: [] };
      group.tasks.push(task);
      if (typeof now === 'object') group.now.push(now);
      byName.set(key, group);
    }
    const findings: Finding[] = [];
    for (const { name, over, tasks, now } of byName.values()) {
      const first = tasks[0] as HungTask;
      const frames = keyFrames(first.frames);
      const frameLines = frames.map((f) => first.frameLines[first.frames.indexOf(f)]).filter((l) => l !== undefined);
      const pids = tasks.map((t) => String(t.pid));
      const reports = tasks.reduce((n, t) => n + t.occurrences, 0);
      const longest = Math.max(...tasks.map((t) => t.blockedSeconds));
      const cls = dominantClass(tasks.map((t) => classifyFrames(t.frames)));
      const context = over ? withoutFuseMounts(facts) : facts;
      const waits = waitsOn(cls, context);
      findings.push({
        code: 'HUNG_TASK',
        severity: 'critical',
        subject: name,
        title:
          `${name} (${whoText(pids, now)}) blocked for more than ${longest} s` +
          (frames.length ? ` in ${frames.join(' < ')}` : '') +
          `, ${waits.text}` +
          (reports > 1 ? ` (${reports} kernel reports)` : '') +
          // the listing taken with the bundle shows it: the report is not just history
          (now.length ? '; still in D state' : ''),
        // the kernel's report, then the listing that shows the task still blocked as the bundle was taken
        evidence: [...quote([...first.evidence, ...frameLines, ...tasks.slice(1).flatMap((t) => t.evidence)], 6), ...quote(now.map((n) => n.line), 2), ...waits.evidence],
        fixes: fixesFor(cls, context, pids),
        seen: seenOf(facts.clock, tasks.flatMap((t) => [...t.evidence.slice(0, 1), ...(t.lastLine ? [t.lastLine] : [])]), reports),
        data: { task: name, pids: pids.join(','), blocked_seconds: longest, reports, frames: first.frames.join(','), io_class: cls, ...(over ? { blocked_now: false } : now.length ? { blocked_now: true } : {}) },
      });
    }
    return findings;
  },
};

/**
 * "pid 4810", or "thread 907 of pid 811" when the listing shows every task is a worker thread of
 * one process: the kernel names threads by their own ids, which no process list shows.
 */
function whoText(ids: readonly string[], now: readonly BlockedNow[]): string {
  const owners = new Set(now.map((n) => n.process));
  const [owner] = owners;
  if (now.length !== ids.length || owners.size !== 1 || owner === undefined) return `pid ${listSome(ids, 3)}`;
  return `${ids.length > 1 ? 'threads' : 'thread'} ${listSome(ids, 3)} of pid ${owner}`;
}

function fixesFor(cls: BlockedIoClass, facts: Facts, pids: readonly string[]): Finding['fixes'] {
  const fixes = blockedIoFixes(cls, facts, pids);
  // Heavy writers fill a thin pool only where Docker writes through one.
  if (storageDriverOf(facts)?.driver === 'devicemapper' && (cls === 'xfs' || cls === 'jbd2' || cls === 'dm-thin')) {
    fixes.push(moveWritersFix(facts));
  }
  return fixes;
}
