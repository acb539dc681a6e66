import type { LogLine } from './log-line.js';
import { specLines } from './text-lines.js';

/** A loop device and the file behind it: its filesystem's writes are writes to that file. */
export interface LoopDevice {
  /** The kernel's name, as its I/O errors give it: `loop0`. */
  device: string;
  backingFile: string;
  /** The file was removed while attached: the device still holds it, and its space. */
  deleted: boolean;
  line: LogLine;
}

/** `grep -H . /sys/block/loopN/loop/backing_file`: `/sys/block/loop0/loop/backing_file:/srv/disk.img`. */
const SYSFS = /^\/sys\/block\/(loop\d+)\/loop\/backing_file:(.+)$/;
/** `losetup -a` (sosreport's too): `/dev/loop0: [2049]:1234 (/srv/disk.img)`, `/dev/loop0: []: (/srv/disk.img)`. */
const LOSETUP_A = /^\/dev\/(loop\d+): \[[^\]]*\]:\S* \((.+)\)$/;
/** `losetup -l` (util-linux's list): `NAME SIZELIMIT OFFSET AUTOCLEAR RO BACK-FILE [DIO LOG-SEC]`. */
const LOSETUP_L = /^\/dev\/(loop\d+)\s+\d+\s+\d+\s+[01]\s+[01]\s+(\/\S.*?)(?:\s+[01]\s+\d+)?$/;

/**
 * Parses the loop_devices spec: the backing file of each attached loop device. The kernel marks a
 * removed file ` (deleted)`. Total: other lines (losetup -l's header, a device with no file) are skipped.
 */
export function parseLoopDevices(text: string): LoopDevice[] {
  const devices: LoopDevice[] = [];
  for (const line of specLines('loop_devices', text)) {
    const t = line.text.trim();
    const m = SYSFS.exec(t) ?? LOSETUP_A.exec(t) ?? LOSETUP_L.exec(t);
    if (!m?.[1] || !m[2] || devices.some((d) => d.device === m[1])) continue;
    const deleted = / \(deleted\)$/.test(m[2]);
    devices.push({ device: m[1], backingFile: deleted ? m[2].slice(0, -' (deleted)'.length) : m[2], deleted, line });
  }
  return devices;
}
