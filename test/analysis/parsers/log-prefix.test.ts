import { describe, expect, it } from 'vitest';
import { splitLogPrefix } from '../../../src/analysis/parsers/log-prefix.js';

describe('splitLogPrefix', () => {
  it('strips dmesg -T dates in other locales, and dmesg -H relative stamps and minute marks', () => {
    expect(splitLogPrefix('[So Nov 15 16:05:41 2020] INFO: task mysqld:2711 blocked for more than 120 seconds.').message).toBe(
      'INFO: task mysqld:2711 blocked for more than 120 seconds.',
    );
    expect(splitLogPrefix('[  +0.031818] device-mapper: thin: 253:5: reached low water mark').message).toBe('device-mapper: thin: 253:5: reached low water mark');
    expect(splitLogPrefix('[Oct 2 10:11] XFS (sdb): Log I/O Error Detected.').message).toBe('XFS (sdb): Log I/O Error Detected.');
  });

  it("strips dmesg -x's facility and level, both time columns and a printk caller id", () => {
    expect(splitLogPrefix('kern  :err   : [Tue Mar  1 10:00:00 2022] Buffer I/O error on dev sdc').message).toBe('Buffer I/O error on dev sdc');
    expect(splitLogPrefix('[12345.678901] [T88977] INFO: task kworker/u8:2:88977 blocked').message).toBe('INFO: task kworker/u8:2:88977 blocked');
    expect(splitLogPrefix('[  5.1] [   C3] blk_update_request: I/O error, dev sdb').message).toBe('blk_update_request: I/O error, dev sdb');
  });

  it('reads a syslog line without a host, and never takes "kernel:" for a host', () => {
    expect(splitLogPrefix('Jan 22 11:53:55 kernel: device-mapper: thin: 253:2: switching pool to out-of-data-space mode')).toMatchObject({
      syslog: true,
      program: 'kernel',
      message: 'device-mapper: thin: 253:2: switching pool to out-of-data-space mode',
    });
    expect(splitLogPrefix('Mar 12 11:04:24 localhost.localdomain lvm[18416]: WARNING: Thin pool vg-pool data is now 92.42% full.')).toMatchObject({
      host: 'localhost.localdomain',
      program: 'lvm',
      pid: 18416,
    });
  });

  it('reads a kernel line quoted without its date and host as the kernel\'s, and nothing else that way', () => {
    expect(splitLogPrefix('kernel: XFS (dm-4): I/O Error Detected. Shutting down filesystem')).toEqual({ syslog: true, program: 'kernel', message: 'XFS (dm-4): I/O Error Detected. Shutting down filesystem' });
    expect(splitLogPrefix('kernel:XFS (dm-4): x')).toEqual({ syslog: false, message: 'kernel:XFS (dm-4): x' });
    expect(splitLogPrefix('dockerd: level=info')).toEqual({ syslog: false, message: 'dockerd: level=info' });
  });
});
