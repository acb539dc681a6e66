/**
 * The remote half of a shell session: a small POSIX `sh` driver that runs on the host inside ONE
 * exec channel, so the user's login shell (and its ~/.bashrc) starts once per host and run instead
 * of once per step.
 *
 * Requests come in on the channel's stdin, one line each:
 *   `R <id> <cap> <sudo 0|1> <escaped 0|1> <line>`  start a step: `line` (see encodeLine), ONE
 *                                      simple command (`timeout -s KILL N sh -c '...'`), is exec'd
 *                                      in the background; its pid (a process group leader under GNU
 *                                      timeout) is kept to kill it; its stdout and stderr are each
 *                                      kept up to `cap` bytes in a tmpfs directory
 *   `K <id>`                           kill that step's process group now
 *   `P`                                a heartbeat: the client is still there
 *   `Q`                                done: kill what is left, remove the directory, exit
 * End of input (the client closed the channel or the connection dropped) and a silent client
 * (no line for `watchdogSeconds`) both do what `Q` does.
 *
 * Results go out on stdout as frames, one per step, in the order steps end:
 *   `@@<nonce> done <id> <exit|-> <t0|-> <t1|-> <outBytes> <errBytes> <outCut 0|1> <errCut 0|1>\n`
 * followed by exactly outBytes of stdout and errBytes of stderr. t0/t1 are /proc/uptime readings
 * (seconds, two decimals) around the step. Before any frame the driver says `@@<nonce> hello`, or
 * `@@<nonce> fail <why>` when it cannot run here (then the caller falls back to a channel per
 * step). Anything the login shell prints before `hello` (a chatty ~/.bashrc) is skipped.
 *
 * Nothing is written to disk-backed filesystems: outputs live in a 0700 directory on a tmpfs
 * (/dev/shm, $XDG_RUNTIME_DIR, /run/shm, or /tmp when it is a tmpfs), removed on every way out.
 *
 * The script is one line with no `'`, `\`, `!` or newline, so it survives being single-quoted for
 * any login shell (sh, bash, zsh, csh, fish) that sshd hands the exec request to.
 */

export interface DriverOptions {
  /** Random hex that marks the driver's frames, so nothing a login shell prints can forge one. */
  nonce: string;
  /** Seconds without any request line after which the driver assumes the client is gone. */
  watchdogSeconds: number;
}

export const NONCE_PATTERN = /^[0-9a-f]{16,64}$/;

/** Text of the driver: one line of POSIX sh. */
export function driverScript(options: DriverOptions): string {
  if (!NONCE_PATTERN.test(options.nonce)) throw new RangeError('driver nonce must be 16-64 lower-case hex digits');
  if (!Number.isInteger(options.watchdogSeconds) || options.watchdogSeconds < 2) throw new RangeError('watchdogSeconds must be an integer >= 2');
  const parts = [
    'umask 077',
    `n=${options.nonce}`,
    `W=${options.watchdogSeconds}`,
    'd=',
    'say() { echo "@@$n $*"; }',
    // ks ID: kill a step that has not ended: its whole process group (GNU timeout leads one); a sudo
    // step through sudo, which relays the signal to its command
    'ks() { [ -f "$d/$1.r" ] && return 0; p=; read -r p <"$d/$1.p" 2>/dev/null; [ -n "$p" ] || return 0;' +
      ' if [ -f "$d/$1.s" ]; then kill -TERM "$p" 2>/dev/null || sudo -n kill -TERM "$p" 2>/dev/null;' +
      ' else kill -KILL -"$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; fi; return 0; }',
    // bye (main shell only): kill every step still running, then the rest of our process group
    // (emitter, watchdog, step wrappers; a child that was just forked may miss the TERM), remove the
    // directory (again if a dying wrapper wrote into it meanwhile), and end the group, ourselves too
    'bye() { trap "" HUP INT TERM; for f in "$d"/*.p; do [ -f "$f" ] || continue; i=${f##*/}; ks "${i%.p}"; done;' +
      ' kill -TERM 0; for _ in 1 2 3; do rm -rf "$d" 2>/dev/null && break; done; kill -KILL 0; }',
    // run ID CAP SUDO LINE: the step, its outputs straight into files whose growth the kernel
    // stops past CAP (a file-size limit, in 512-byte blocks, with SIGXFSZ ignored so a runaway
    // writer gets EFBIG, not killed): few processes, as each costs more than the step on a loaded
    // host. The emitter sends CAP bytes and says it cut them when a file grew past CAP.
    'run() { i=$1; k=$2; t0=-; read -r t0 _ </proc/uptime 2>/dev/null; [ "$3" = 1 ] && : >"$d/$i.s";' +
      ' ulimit -f $(($2 / 512 + 2)); trap "" XFSZ;' +
      // (the subshell reads its own pid from /proc/self: `$!` would need a `!`, which csh expands)
      ' ( read -r p _ </proc/self/stat; echo $p >"$d/$i.p"; eval "exec $4" ) </dev/null >"$d/$i.o" 2>"$d/$i.e"; echo $? >"$d/$i.r";' +
      ' t1=-; read -r t1 _ </proc/uptime 2>/dev/null; set -- $(wc -c "$d/$i.o" "$d/$i.e"); echo "$i $k $t0 $t1 $1 $3" >"$d/q"; } 2>/dev/null',
    // emit: the only writer of stdout after hello, so frames never interleave; an output sent is
    // emptied at once (its memory back), the small files go with the directory.
    // emit and run keep their own errors off the channel: a child forked just before a quick `Q`
    // still holds the main shell's TERM trap when bye signals it, so it lives on until the final
    // KILL and may find the directory gone ("cannot create .../q"), which is no news to anyone.
    'emit() { exec 3<>"$d/q"; while read -r i c t0 t1 o e <&3; do r=-; read -r r <"$d/$i.r" 2>/dev/null; x=0; y=0;' +
      ' [ $o -gt $c ] && { o=$c; x=1; }; [ $e -gt $c ] && { e=$c; y=1; }; say done $i $r $t0 $t1 $o $e $x $y;' +
      ' if [ $x$y = 00 ]; then cat "$d/$i.o" "$d/$i.e"; else head -c $o "$d/$i.o"; head -c $e "$d/$i.e"; fi; : >"$d/$i.o"; : >"$d/$i.e"; done; } 2>/dev/null',
    // dog: the client sends a line at least every second; silence for W seconds means it is gone
    // (it tells the main shell, which owns the children and cleans up). The main shell rewrites hb
    // in place (truncate, then write): a read between the two finds it empty, which is no news, not
    // a reason to end the session; only the directory gone is.
    'dog() { m=0; h0=-1; while sleep 1; do [ -d "$d" ] || break; h=; read -r h <"$d/hb" 2>/dev/null; [ -n "$h" ] || h=$h0;' +
      ' if [ "$h" = "$h0" ]; then m=$((m + 1)); [ $m -lt $W ] || break; else m=0; h0=$h; fi; done; kill -TERM $$; }',
    // the way out kills our own process group: we must lead one (sshd sessions do), or we would
    // kill whoever started us
    'g=; read -r _ _ _ _ g _ </proc/$$/stat 2>/dev/null; [ "$g" = "$$" ] || { say fail no-pgrp; exit 3; }',
    // the first tmpfs (or ramfs) among the candidates where we may create a directory; from then on
    // a hang-up or a kill by an admin still cleans up (async children reset these traps). The type
    // is the last mount's on that point (an overmount wins); grep finds it, since sh's `read` takes
    // a syscall per byte and a Docker host's /proc/mounts holds thousands of lines.
    'command -v grep >/dev/null 2>&1 || { say fail no-grep; exit 3; }',
    'for b in /dev/shm "${XDG_RUNTIME_DIR:-}" /run/shm /tmp; do [ -n "$b" ] || continue;' +
      ' l=$(grep -F -e " $b " /proc/mounts 2>/dev/null); t=${l##*" $b "}; t=${t%% *};' +
      ' case $t in tmpfs|ramfs) ;; *) continue ;; esac;' +
      ' mkdir "$b/.sickbay-$n" 2>/dev/null && { d=$b/.sickbay-$n; trap bye HUP INT TERM; break; }; done',
    '[ -n "$d" ] || { say fail no-tmpfs; exit 3; }',
    'for c in timeout head mkfifo; do command -v $c >/dev/null 2>&1 || { rm -rf "$d"; say fail no-$c; exit 3; }; done',
    '(ulimit -f 1) 2>/dev/null || { rm -rf "$d"; say fail no-ulimit; exit 3; }',
    'mkfifo "$d/q" || { rm -rf "$d"; say fail no-fifo; exit 3; }',
    'echo 0 >"$d/hb"',
    'emit & dog &',
    'say hello',
    'h=0',
    // `R ID CAP SUDO ESC LINE`: ESC=1 when the line had a backslash or a line break to undo
    'while read -r k a b s x l; do h=$((h + 1)); echo $h >"$d/hb"; case $k in' +
      ' R) if [ "$x" = 1 ]; then run "$a" "$b" "$s" "$(printf "%b" "$l")" & else run "$a" "$b" "$s" "$l" & fi ;;' +
      ' K) ks "$a" ;; Q) break ;; esac; done',
    'bye',
  ];
  // `&` already ends a command: `&;` would be a syntax error
  return parts.map((part, i) => (i === parts.length - 1 ? part : part.endsWith('&') ? `${part} ` : `${part}; `)).join('');
}

/** The exec request: the driver under `sh`, whatever the user's login shell is. */
export function driverCommand(options: DriverOptions): string {
  return `exec sh -c '${driverScript(options)}'`;
}

/**
 * Escapes a step's command line for one request line: `\` and line breaks become `\\`, `\n` and
 * `\r`, which the driver turns back with `printf %b` (no other backslash escape can reach it).
 */
export function encodeLine(line: string): string {
  return line.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function runRequest(id: number, cap: number, sudo: boolean, line: string): string {
  const encoded = encodeLine(line);
  // most lines need no unescaping: the driver then spares a `printf` subshell
  return `R ${id} ${cap} ${sudo ? 1 : 0} ${encoded === line ? 0 : 1} ${encoded}\n`;
}

export function killRequest(id: number): string {
  return `K ${id}\n`;
}

export const PING_REQUEST = 'P\n';
export const QUIT_REQUEST = 'Q\n';

/**
 * The options `driverCommand` was built from, when `command` is exactly a driver command of this
 * version (a lab host that answers the driver itself recognises it by this); otherwise undefined.
 */
export function parseDriverCommand(command: string): DriverOptions | undefined {
  const match = /^exec sh -c 'umask 077; n=([0-9a-f]{16,64}); W=(\d+); /.exec(command);
  if (!match) return undefined;
  const options = { nonce: match[1] as string, watchdogSeconds: Number(match[2]) };
  return command === driverCommand(options) ? options : undefined;
}

/** A request line as the driver reads it (see the header comment). */
export type DriverRequest =
  | { kind: 'run'; id: number; cap: number; sudo: boolean; line: string }
  | { kind: 'kill'; id: number }
  | { kind: 'ping' }
  | { kind: 'quit' };

/** Undoes encodeLine: `\\`, `\n` and `\r` (the only escapes it writes). */
function decodeLine(encoded: string): string {
  return encoded.replace(/\\([\\nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

/** Parses one request line (without its newline); undefined for a line the driver would ignore. */
export function parseDriverRequest(text: string): DriverRequest | undefined {
  const run = /^R (\d+) (\d+) ([01]) ([01]) (.*)$/s.exec(text);
  if (run) {
    const [, id = '', cap = '', sudo = '', escaped = '', line = ''] = run;
    return { kind: 'run', id: Number(id), cap: Number(cap), sudo: sudo === '1', line: escaped === '1' ? decodeLine(line) : line };
  }
  const kill = /^K (\d+)$/.exec(text);
  if (kill) return { kind: 'kill', id: Number(kill[1]) };
  if (text === 'P') return { kind: 'ping' };
  if (text === 'Q') return { kind: 'quit' };
  return undefined;
}

/** The driver's greeting. */
export function helloFrame(nonce: string): Buffer {
  return Buffer.from(`@@${nonce} hello\n`);
}

/**
 * One step's result framed as the driver frames it: each output cut at `cap` bytes (and marked so);
 * `startedAt`/`endedAt` are the host's uptime in seconds.
 */
export function stepFrame(
  nonce: string,
  step: { id: number; exit: number | null; startedAt: number; endedAt: number; stdout: Buffer; stderr: Buffer; cap: number },
): Buffer {
  const out = step.stdout.subarray(0, step.cap);
  const err = step.stderr.subarray(0, step.cap);
  const cut = (full: Buffer, kept: Buffer) => (full.length > kept.length ? 1 : 0);
  const header =
    `@@${nonce} done ${step.id} ${step.exit ?? '-'} ${step.startedAt.toFixed(2)} ${step.endedAt.toFixed(2)} ` +
    `${out.length} ${err.length} ${cut(step.stdout, out)} ${cut(step.stderr, err)}\n`;
  return Buffer.concat([Buffer.from(header), out, err]);
}

/** One step's result as the driver framed it. */
export interface StepFrame {
  id: number;
  /** The step's exit status; null when the driver could not read it. */
  exit: number | null;
  /** Run time measured on the host (from /proc/uptime), when it could be read. */
  hostDurationMs: number | null;
  stdout: Buffer;
  stderr: Buffer;
  stdoutCut: boolean;
  stderrCut: boolean;
}

export type DriverEvent = { kind: 'hello' } | { kind: 'fail'; why: string } | { kind: 'done'; frame: StepFrame };

/** The most bytes of login-shell chatter kept before `hello` (what a broken ~/.bashrc printed). */
const PREAMBLE_KEPT = 4096;
/** A header line longer than this is not the driver's: the stream is corrupt. */
const MAX_HEADER = 512;

function uptimeMs(text: string | undefined): number | null {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return null;
  return Math.round(Number(text) * 1000);
}

/**
 * Reads the driver's stdout as it arrives (any chunking), binary-safe: headers are lines, bodies
 * are taken by their announced length, never scanned.
 */
export class DriverFrameParser {
  private readonly marker: Buffer;
  private buffer: Buffer = Buffer.alloc(0);
  private greeted = false;
  private body: { header: string[]; need: number } | undefined;
  /** What arrived before `hello` (truncated), for telling a user why the driver did not start. */
  preamble = '';

  constructor(nonce: string) {
    this.marker = Buffer.from(`@@${nonce} `);
  }

  /** Feeds a chunk; returns the events it completed. Throws when the stream is not the driver's. */
  push(chunk: Buffer): DriverEvent[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: DriverEvent[] = [];
    for (;;) {
      if (this.body) {
        if (this.buffer.length < this.body.need) break;
        events.push(this.frame(this.body.header, this.buffer.subarray(0, this.body.need)));
        this.buffer = this.buffer.subarray(this.body.need);
        this.body = undefined;
        continue;
      }
      if (!this.greeted) {
        const at = this.findMarkerAtLineStart();
        if (at < 0) {
          // keep the tail that might be the start of a marker split across chunks
          const keep = Math.min(this.buffer.length, this.marker.length);
          this.notePreamble(this.buffer.subarray(0, this.buffer.length - keep));
          this.buffer = this.buffer.subarray(this.buffer.length - keep);
          break;
        }
        this.notePreamble(this.buffer.subarray(0, at));
        this.buffer = this.buffer.subarray(at);
      }
      const eol = this.buffer.indexOf(0x0a);
      if (eol < 0) {
        if (this.buffer.length > MAX_HEADER) throw new Error('the remote driver sent a header line that is too long');
        break;
      }
      const line = this.buffer.subarray(0, eol).toString('latin1');
      this.buffer = this.buffer.subarray(eol + 1);
      if (!line.startsWith(this.marker.toString('latin1'))) throw new Error(`the remote driver sent an unexpected line: ${line.slice(0, 80)}`);
      const words = line.slice(this.marker.length).split(' ');
      switch (words[0]) {
        case 'hello':
          this.greeted = true;
          events.push({ kind: 'hello' });
          break;
        case 'fail':
          events.push({ kind: 'fail', why: words.slice(1).join(' ') || 'unknown' });
          break;
        case 'done': {
          const out = Number(words[5]);
          const err = Number(words[6]);
          if (words.length !== 9 || !Number.isSafeInteger(out) || !Number.isSafeInteger(err) || out < 0 || err < 0) {
            throw new Error(`the remote driver sent a malformed frame header: ${line.slice(0, 120)}`);
          }
          this.body = { header: words, need: out + err };
          break;
        }
        default:
          throw new Error(`the remote driver sent an unknown frame: ${line.slice(0, 80)}`);
      }
    }
    return events;
  }

  private findMarkerAtLineStart(): number {
    let from = 0;
    for (;;) {
      const at = this.buffer.indexOf(this.marker, from);
      if (at < 0) return -1;
      if (at === 0 || this.buffer[at - 1] === 0x0a) return at;
      from = at + 1;
    }
  }

  private notePreamble(bytes: Buffer): void {
    if (bytes.length === 0 || this.preamble.length >= PREAMBLE_KEPT) return;
    this.preamble = (this.preamble + bytes.toString('utf8')).slice(0, PREAMBLE_KEPT);
  }

  private frame(words: string[], body: Buffer): DriverEvent {
    const [, id, exit, t0, t1, out, , outCut, errCut] = words;
    const start = uptimeMs(t0);
    const end = uptimeMs(t1);
    const outBytes = Number(out);
    return {
      kind: 'done',
      frame: {
        id: Number(id),
        exit: exit !== undefined && /^\d+$/.test(exit) ? Number(exit) : null,
        hostDurationMs: start !== null && end !== null && end >= start ? end - start : null,
        // copies: the frame outlives the parser's buffer
        stdout: Buffer.from(body.subarray(0, outBytes)),
        stderr: Buffer.from(body.subarray(outBytes)),
        stdoutCut: outCut === '1',
        stderrCut: errCut === '1',
      },
    };
  }
}
