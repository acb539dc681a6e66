import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerdLog } from '../../../src/analysis/parsers/dockerd-log.js';
import { parseKernelLog } from '../../../src/analysis/parsers/kernel-log.js';
import { parseMeminfo } from '../../../src/analysis/parsers/meminfo.js';
import { parseNproc } from '../../../src/analysis/parsers/nproc.js';
import { parsePs } from '../../../src/analysis/parsers/ps.js';
import { parseUname } from '../../../src/analysis/parsers/uname.js';
import { parseUptime } from '../../../src/analysis/parsers/uptime.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { seededRandom } from '../../helpers/seeded-random.js';

const PARSERS: Record<string, (text: string) => unknown> = {
  kernel: (t) => parseKernelLog(t, 'dmesg'),
  'kernel (messages)': (t) => parseKernelLog(t, 'messages'),
  dockerd: (t) => parseDockerdLog(t, 'journal_docker'),
  'dockerd (messages)': (t) => parseDockerdLog(t, 'messages'),
  ps: parsePs,
  uptime: parseUptime,
  uname: parseUname,
  nproc: parseNproc,
  meminfo: parseMeminfo,
};


/** Fragments that steer random text into the parsers' branches. */
const TOKENS = [
  'INFO: task ', ':12 blocked for more than 120 seconds.', 'Call Trace:', ' [<ffffffff81529c73>] io_schedule+0x73/0xc0', '? ',
  'invoked oom-killer', 'Task in /docker/', 'memory: usage 1kB, limit ', 'Memory cgroup out of memory: Kill process ',
  'Killed process 1 (', 'oom-kill:constraint=CONSTRAINT_MEMCG,task_memcg=/docker/', ',pid=', 'Out of memory: Killed process ',
  'Buffer I/O error on device ', 'XFS (', '): xfs_log_force: error -5', 'Remounting filesystem read-only',
  'unregister_netdevice: waiting for veth', ' to become free. Usage count = ', 'level=fatal msg=EOF', 'libcontainerd: new containerd process',
  'Thin Pool has 12 free data blocks which is less than minimum required ', 'Container abcdefabcdef failed to exit within 10 seconds',
  'Cannot kill container ', 'containerd: container not found', 'Aug 25 18:21:35 h kernel: ', 'Jun  3 10:38:24 d dockerd[1]: ',
  '[12345.678901] ', '<nick> ', 'PID STAT ELAPSED WCHAN COMMAND', 'load average: ', '1.5, ', 'MemTotal: ', '\n', '\r\n', ' ', '\u0000', '\uffff', '😀',
];

function randomText(next: () => number, length: number): string {
  let s = '';
  while (s.length < length) {
    const r = next();
    if (r < 0.5) s += TOKENS[Math.floor(next() * TOKENS.length)];
    else if (r < 0.8) s += String.fromCharCode(Math.floor(next() * 0x80));
    else s += String.fromCharCode(Math.floor(next() * 0xffff));
  }
  return s;
}

function realInputs(): { name: string; text: string }[] {
  const specs = ['dmesg', 'messages', 'journal_docker', 'ps', 'uptime', 'uname', 'nproc', 'meminfo'];
  const out: { name: string; text: string }[] = [];
  for (const dir of readdirSync(INCIDENTS_DIR)) {
    for (const spec of specs) {
      const file = join(INCIDENTS_DIR, dir, spec);
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      if (text.length <= 40_000) out.push({ name: `${dir}/${spec}`, text });
    }
  }
  return out;
}

describe('parsers are total', () => {
  it('never throw on random bytes and log-shaped noise', () => {
    const next = seededRandom(20170825);
    for (let i = 0; i < 60; i++) {
      const text = randomText(next, Math.floor(next() * 3000));
      for (const [name, parse] of Object.entries(PARSERS)) {
        expect(() => parse(text), `${name} on sample ${i}`).not.toThrow();
      }
    }
  });

  it('never throw on real inputs cut short at any point', () => {
    const next = seededRandom(42);
    const inputs = realInputs();
    expect(inputs.length).toBeGreaterThan(20);
    for (const { name, text } of inputs) {
      for (let i = 0; i < 8; i++) {
        const cut = text.slice(0, Math.floor(next() * text.length));
        for (const [parser, parse] of Object.entries(PARSERS)) {
          expect(() => parse(cut), `${parser} on ${name} cut at ${cut.length}`).not.toThrow();
        }
      }
    }
  });

  it('still find the hung task in a dmesg cut off in the middle of its call trace', () => {
    const text = readFileSync(join(INCIDENTS_DIR, 'redis-dm-pool-full', 'dmesg'), 'utf8');
    const cut = text.slice(0, text.indexOf('jbd2_journal_commit_transaction'));
    const [task] = parseKernelLog(cut).hungTasks;
    expect(task?.name).toBe('jbd2/dm-20-8');
    expect(task?.frames).not.toContain('jbd2_journal_commit_transaction');
  });
});
