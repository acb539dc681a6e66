/**
 * Splits a log line into its prefix (IRC nick, syslog/journal header, kernel timestamp) and the
 * message. Accepts raw dmesg `[12345.678901] msg`, `dmesg -T` `[Sat Aug 26 10:21:35 2017] msg` (in any
 * locale), `dmesg -H` `[  +0.031818] msg`, `dmesg -x` `kern  :err   : ` levels, the `[T1234]` caller
 * id of kernels built with CONFIG_PRINTK_CALLER, syslog `Aug 25 18:21:35 host prog[pid]: msg` (with
 * or without the host, and with an optional `[123.4]` after `kernel:`), ISO 8601 / journalctl
 * `2017-08-25T18:21:35+0800 host prog: msg`, a `kernel: msg` quoted without date or host, and an IRC nick `<caiqian> ` in front of any of them.
 * Total: any string in, a message out.
 */
export interface LogPrefix {
  /** Syslog program (tag), when the line has a syslog/journal header: "kernel", "dockerd-current"... */
  program?: string;
  pid?: number;
  /** Host name from the syslog header. */
  host?: string;
  /** True when a syslog/journal header was found. */
  syslog: boolean;
  /** The message with every prefix removed. */
  message: string;
}

const NICK = /^<?[\w.\-|`^{}[\]]{1,32}> /;
// The host is optional: some relays (the docker syslog driver's, busybox syslogd) write none. A host
// never ends with a colon, so `kernel: device-mapper: ...` is not read as host "kernel:".
const SYSLOG =
  /^(?:[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) (?:(\S*[^\s:]) )?([^\s:[]+)(?:\[(\d+)\])?: ?/;
/** A syslog line quoted without its date and host, as reports cut them: `kernel: XFS (dm-4): ...`. */
const DATELESS_KERNEL = /^kernel: /;
/** `dmesg -x`: facility and level in front of everything else. */
const FACILITY_LEVEL = /^[a-z]+[0-7]?\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*: ?/;
/** The caller id that CONFIG_PRINTK_CALLER kernels print after the time: `[T88977]`, `[   T36]`, `[C3]`. */
const CALLER = /^\[ *[TC]\d+\] ?/;
/**
 * The kernel's own time column: raw `[12345.678901]`, `dmesg -H`'s relative `[  +0.031818]` and
 * minute marks `[Oct 2 10:11]`, and `dmesg -T`'s `[Sat Aug 26 10:21:35 2017]`, whose day and month
 * names follow the locale (`[So Nov 15 16:05:41 2020]` under de_DE).
 */
const KTIME = /^\[ *\+?\d+\.\d+\] ?|^\[[^\]\d\n]{2,16}\d{1,2} \d\d:\d\d:\d\d \d{4}\] ?|^\[[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d\] ?/;

export function splitLogPrefix(line: string): LogPrefix {
  let rest = line;
  const nick = NICK.exec(rest);
  if (nick) rest = rest.slice(nick[0].length);
  const sys = SYSLOG.exec(rest);
  let result: LogPrefix = { syslog: false, message: '' };
  if (sys) {
    rest = rest.slice(sys[0].length);
    result = { syslog: true, program: sys[2] ?? '', message: '' };
    if (sys[1] !== undefined) result.host = sys[1];
    if (sys[3] !== undefined) result.pid = Number(sys[3]);
  } else if (DATELESS_KERNEL.test(rest)) {
    rest = rest.slice('kernel: '.length);
    result = { syslog: true, program: 'kernel', message: '' };
  }
  const level = FACILITY_LEVEL.exec(rest);
  if (level) rest = rest.slice(level[0].length);
  // `dmesg -x -T -d` prints two time columns, the delta and the date.
  for (let i = 0; i < 2; i++) {
    const kt = KTIME.exec(rest);
    if (!kt) break;
    rest = rest.slice(kt[0].length);
  }
  const caller = CALLER.exec(rest);
  if (caller) rest = rest.slice(caller[0].length);
  result.message = rest;
  return result;
}

/** True for a message that came from the kernel: every line of a dmesg, the `kernel:` lines of syslog. */
export function isKernelLine(prefix: LogPrefix): boolean {
  return !prefix.syslog || prefix.program === 'kernel';
}

const DOCKERD_PROGRAMS = new Set(['dockerd', 'docker', 'dockerd-current', 'docker-current']);

export function isDockerdProgram(program: string | undefined): boolean {
  return program !== undefined && DOCKERD_PROGRAMS.has(program);
}
