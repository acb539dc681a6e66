import { seenOf } from '../../facts/clock.js';
import type { Rule } from '../rule.js';
import { plural } from '../../../domain/index.js';
import { byNamedFirst, listSome, quote } from './support.js';

const THIN_POOL_FIXES = {
  title: 'If these are devicemapper thin devices (dm-N), the pool is probably full: free or grow it',
  detail:
    'A full thin pool fails writes with EIO/ENOSPC and the container filesystems go read-only. Check `docker info` ' +
    'Data Space Available; remove unused images and containers, grow the pool, or move to overlay2.',
  commands: ['docker info | grep -i "space"', 'docker system prune'],
};

/** FS_IO_ERROR: the kernel logged I/O errors (Buffer I/O error, EXT4-fs ... I/O error, XFS ... error -5...). */
export const fsIoErrorRule: Rule = {
  codes: ['FS_IO_ERROR'],
  run(facts) {
    const errors = facts.kernel.ioErrors;
    if (errors.length === 0) return [];
    const devices = [...new Set(errors.map((e) => e.device).filter((d): d is string => !!d))];
    const fs = [...new Set(errors.map((e) => e.filesystem).filter((f): f is string => !!f))];
    const lines = Math.max(facts.kernel.ioErrorLines, errors.length);
    return [
      {
        code: 'FS_IO_ERROR',
        severity: 'critical',
        title:
          `kernel I/O errors${devices.length ? ` on ${plural(devices.length, 'device')} (${listSome(devices, 4)})` : ''}` +
          `${fs.length ? ` [${fs.join(', ')}]` : ''}: ${plural(lines, 'error line')}`,
        // a line for each device the title names first, then the rest
        evidence: quote(byNamedFirst(byNamedFirst(errors, devices.slice(0, 4), (e) => e.device), fs, (e) => e.filesystem).map((e) => e.line), 6),
        fixes: [
          THIN_POOL_FIXES,
          {
            title: 'On a physical disk, check its health before anything else and plan to replace it',
            commands: ['smartctl -a /dev/sdX', 'dmesg | grep -iE "I/O error|medium error"'],
          },
        ],
        seen: seenOf(facts.clock, errors.flatMap((e) => [e.line, ...(e.lastLine ? [e.lastLine] : [])]), lines),
        data: { devices: devices.join(','), error_lines: lines },
      },
    ];
  },
};

/** FS_READ_ONLY_REMOUNT: the kernel remounted filesystems read-only after errors. */
export const fsReadOnlyRemountRule: Rule = {
  codes: ['FS_READ_ONLY_REMOUNT'],
  run(facts) {
    const remounts = facts.kernel.readOnlyRemounts;
    if (remounts.length === 0) return [];
    const devices = remounts.map((r) => r.device ?? 'unknown device');
    return [
      {
        code: 'FS_READ_ONLY_REMOUNT',
        severity: 'critical',
        title: `${plural(remounts.length, 'filesystem')} remounted read-only by the kernel: ${listSome(devices, 5)}`,
        evidence: quote(remounts.map((r) => r.line), 6),
        fixes: [
          THIN_POOL_FIXES,
          {
            title: 'After fixing the cause, restart the affected containers (or remount) so they get writable filesystems again',
            detail: 'A filesystem the kernel made read-only stays read-only until it is unmounted and checked.',
            commands: ['docker restart <container>', 'fsck -y /dev/<device>  (unmounted)'],
          },
        ],
        seen: seenOf(facts.clock, remounts.flatMap((r) => [r.line, ...(r.lastLine ? [r.lastLine] : [])]), remounts.reduce((n, r) => n + r.occurrences, 0)),
        data: { devices: devices.join(',') },
      },
    ];
  },
};
