import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DriverFrameParser,
  driverCommand,
  helloFrame,
  parseDriverCommand,
  parseDriverRequest,
  PING_REQUEST,
  stepFrame,
  driverScript,
  encodeLine,
  killRequest,
  QUIT_REQUEST,
  runRequest,
  type DriverEvent,
  type StepFrame,
} from '../../src/ssh/shell-driver.js';
import { pgrep, until } from '../helpers/processes.js';

// A nonce of this run's own: its /dev/shm directory is the machine's, shared with any other run of this file.
const NONCE = randomBytes(10).toString('hex');


function frameBytes(id: number, exit: string, out: Buffer, err: Buffer, cut = '0 0'): Buffer {
  return Buffer.concat([Buffer.from(`@@${NONCE} done ${id} ${exit} 100.25 100.75 ${out.length} ${err.length} ${cut}\n`), out, err]);
}

function framesOf(events: DriverEvent[]): StepFrame[] {
  return events.flatMap((e) => (e.kind === 'done' ? [e.frame] : []));
}

describe('the shell driver script', () => {
  it('is one line with nothing a login shell would reinterpret inside single quotes', () => {
    const script = driverScript({ nonce: NONCE, watchdogSeconds: 5 });
    expect(script).not.toMatch(/['\\!\n\r]/);
    expect(script).toContain(`n=${NONCE}`);
  });

  it('refuses a nonce that is not hex and a watchdog under 2 s', () => {
    expect(() => driverScript({ nonce: 'x; rm -rf /', watchdogSeconds: 5 })).toThrow(/nonce/);
    expect(() => driverScript({ nonce: NONCE, watchdogSeconds: 1 })).toThrow(/watchdog/);
  });

  it('escapes backslashes and line breaks so that one request stays one line', () => {
    expect(encodeLine('printf "a\\n"\necho b\r')).toBe('printf "a\\\\n"\\necho b\\r');
    expect(runRequest(3, 100, true, 'a\nb')).toBe('R 3 100 1 1 a\\nb\n');
    expect(runRequest(4, 100, false, 'uname -a')).toBe('R 4 100 0 0 uname -a\n');
  });
});

describe('the exec request under the login shells sshd may hand it to', () => {
  // sshd runs `$SHELL -c '<request>'`: csh and tcsh expand `!` even there, fish and zsh quote differently
  it.each(['bash', 'dash', 'zsh', 'tcsh', 'csh', 'fish'])('reaches the driver through %s', async (shell) => {
    const child = spawn(shell, ['-c', driverCommand({ nonce: NONCE, watchdogSeconds: 3 })], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const parser = new DriverFrameParser(NONCE);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const events: DriverEvent[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      events.push(...parser.push(chunk));
      if (events.some((e) => e.kind === 'hello')) child.stdin.end(QUIT_REQUEST);
    });
    await new Promise((resolve) => child.once('close', resolve));
    expect({ events, err }).toEqual({ events: [{ kind: 'hello' }], err: '' });
    expect(shmDirs()).toEqual([]);
  });
});

describe('where the driver keeps step outputs', () => {
  // A private mount namespace (root, util-linux unshare): its mounts go with it when the driver exits.
  it('skips a candidate whose last mount is on disk, finds the tmpfs among hundreds of mounts, and leaves nothing', async () => {
    const base = mkdtempSync(join('/var/tmp', 'sickbay-driver-mounts-'));
    try {
      const disk = join(base, 'disk');
      const runtime = join(base, 'runtime');
      mkdirSync(disk);
      mkdirSync(runtime);
      // /dev/shm and /tmp overmounted by a disk directory (the last mount on a point is the one in
      // use), 300 more tmpfs mounts as on a busy Docker host, and a tmpfs at $XDG_RUNTIME_DIR
      const setup = [
        `mount --bind ${disk} /dev/shm`,
        `mount --bind ${disk} /tmp`,
        `i=0; while [ $i -lt 300 ]; do mkdir -p ${base}/m/$i && mount -t tmpfs -o size=64k t ${base}/m/$i; i=$((i + 1)); done`,
        `mount -t tmpfs -o size=1m t ${runtime}`,
        'exec sh -c "$DRIVER"',
      ].join(' && ');
      const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', setup], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', XDG_RUNTIME_DIR: runtime, DRIVER: driverScript({ nonce: NONCE, watchdogSeconds: 3 }) },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      const parser = new DriverFrameParser(NONCE);
      const events: DriverEvent[] = [];
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // one request: a second step with the same id would share (and truncate) the first one's files
      let requested = false;
      child.stdout.on('data', (chunk: Buffer) => {
        events.push(...parser.push(chunk));
        if (!requested && events.some((e) => e.kind === 'hello')) {
          requested = true;
          child.stdin.write(runRequest(1, 4096, false, `ls -a ${runtime} /dev/shm`));
        }
        if (framesOf(events).length === 1) child.stdin.end(QUIT_REQUEST);
      });
      await new Promise((resolve) => child.once('close', resolve));
      expect(err).toBe('');
      const [frame] = framesOf(events);
      expect(frame?.stdout.toString()).toContain(`.sickbay-${NONCE}`);
      // the step saw its directory under the runtime tmpfs, and nothing in the overmounted /dev/shm
      expect(frame?.stdout.toString().split(`${runtime}:`)[1]?.split('/dev/shm:')[0]).toContain(`.sickbay-${NONCE}`);
      expect(readdirSync(disk)).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('DriverFrameParser', () => {
  it('skips what the login shell printed, even a marker that is not at a line start', () => {
    const parser = new DriverFrameParser(NONCE);
    const events = parser.push(Buffer.from(`Welcome!\nfake @@${NONCE} done 1 0 - - 0 0 0 0\n@@${NONCE} hello\n`));
    expect(events).toEqual([{ kind: 'hello' }]);
    expect(parser.preamble).toContain('Welcome!');
  });

  it('takes bodies by their length whatever they contain, across any chunking', () => {
    const out = Buffer.from(`line\n@@${NONCE} done 9 0 - - 0 0 0 0\n\u00ff\u0000binary`);
    const err = Buffer.from('warning\n');
    const stream = Buffer.concat([Buffer.from(`@@${NONCE} hello\n`), frameBytes(1, '0', out, err), frameBytes(2, '137', Buffer.alloc(0), Buffer.alloc(0), '1 0')]);
    for (const size of [1, 3, 7, stream.length]) {
      const parser = new DriverFrameParser(NONCE);
      const events: DriverEvent[] = [];
      for (let i = 0; i < stream.length; i += size) events.push(...parser.push(stream.subarray(i, i + size)));
      const frames = framesOf(events);
      expect(frames.map((f) => f.id)).toEqual([1, 2]);
      expect(frames[0]?.stdout.equals(out)).toBe(true);
      expect(frames[0]?.stderr.toString()).toBe('warning\n');
      expect(frames[0]?.hostDurationMs).toBe(500);
      expect(frames[1]).toMatchObject({ exit: 137, stdoutCut: true, stderrCut: false });
    }
  });

  it('reports a driver that cannot run here, and refuses a stream that is not the driver', () => {
    expect(new DriverFrameParser(NONCE).push(Buffer.from(`@@${NONCE} fail no-tmpfs\n`))).toEqual([{ kind: 'fail', why: 'no-tmpfs' }]);
    const parser = new DriverFrameParser(NONCE);
    parser.push(Buffer.from(`@@${NONCE} hello\n`));
    expect(() => parser.push(Buffer.from('garbage\n'))).toThrow(/unexpected line/);
    expect(() => new DriverFrameParser(NONCE).push(Buffer.from(`@@${NONCE} done 1 0 - - x 0 0 0\n`))).toThrow(/malformed/);
  });
});

/** Shells a host may have as `sh`: the driver must run under each. */
const SHELLS: readonly (readonly string[])[] = [['dash'], ['bash', '--posix'], ['busybox', 'sh']];

/** Runs the driver under a shell with pipes (no SSH), sends requests, collects frames until it exits. */
function drive(shell: readonly string[], requests: (send: (text: string) => void, frames: StepFrame[]) => void, onEvent?: (frames: StepFrame[]) => void) {
  const [cmd, ...args] = shell as [string, ...string[]];
  // detached, as sshd starts a session: the driver leads its own process group and kills it on the way out
  const child = spawn(cmd, [...args, '-c', driverScript({ nonce: NONCE, watchdogSeconds: 3 })], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const parser = new DriverFrameParser(NONCE);
  const frames: StepFrame[] = [];
  let hello = false;
  child.stdout.on('data', (chunk: Buffer) => {
    for (const event of parser.push(chunk)) {
      if (event.kind === 'hello' && !hello) {
        hello = true;
        requests((text) => child.stdin.write(text), frames);
      }
      if (event.kind === 'done') {
        frames.push(event.frame);
        onEvent?.(frames);
      }
    }
  });
  return {
    child,
    frames,
    exited: new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code))),
  };
}

function shmDirs(): string[] {
  return readdirSync('/dev/shm').filter((name) => name === `.sickbay-${NONCE}`);
}

describe('the host side of the protocol (for a host that answers the driver itself)', () => {
  it('recognises exactly a driver command of this version', () => {
    const command = driverCommand({ nonce: NONCE, watchdogSeconds: 7 });
    expect(parseDriverCommand(command)).toEqual({ nonce: NONCE, watchdogSeconds: 7 });
    expect(parseDriverCommand(command.replace('umask 077; ', 'umask 077;  '))).toBeUndefined();
    expect(parseDriverCommand(`${command}; rm -rf /`)).toBeUndefined();
    expect(parseDriverCommand('uname -a')).toBeUndefined();
  });

  it('reads back every request the client writes, lines with backslashes and line breaks too', () => {
    const line = `printf 'a\\tb\nc'; echo "x\\y"
uname -r
`;
    expect(parseDriverRequest(runRequest(12, 4096, true, line).slice(0, -1))).toEqual({ kind: 'run', id: 12, cap: 4096, sudo: true, line });
    expect(parseDriverRequest(runRequest(3, 10, false, 'uname -a').slice(0, -1))).toEqual({ kind: 'run', id: 3, cap: 10, sudo: false, line: 'uname -a' });
    expect(parseDriverRequest(killRequest(9).slice(0, -1))).toEqual({ kind: 'kill', id: 9 });
    expect(parseDriverRequest(PING_REQUEST.slice(0, -1))).toEqual({ kind: 'ping' });
    expect(parseDriverRequest(QUIT_REQUEST.slice(0, -1))).toEqual({ kind: 'quit' });
    expect(parseDriverRequest('R x 1 0 0 uname')).toBeUndefined();
  });

  it('frames a result so that the client parser reads it back, outputs cut at the cap and marked', () => {
    const parser = new DriverFrameParser(NONCE);
    const bytes = Buffer.concat([
      helloFrame(NONCE),
      stepFrame(NONCE, { id: 4, exit: 0, startedAt: 10, endedAt: 10.25, stdout: Buffer.from('0123456789'), stderr: Buffer.from('e'), cap: 4 }),
      stepFrame(NONCE, { id: 5, exit: null, startedAt: 11, endedAt: 11, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), cap: 4 }),
    ]);
    const frames = framesOf(parser.push(bytes));
    expect(frames[0]).toMatchObject({ id: 4, exit: 0, hostDurationMs: 250, stdoutCut: true, stderrCut: false });
    expect(frames[0]?.stdout.toString()).toBe('0123');
    expect(frames[0]?.stderr.toString()).toBe('e');
    expect(frames[1]).toMatchObject({ id: 5, exit: null, hostDurationMs: 0, stdoutCut: false });
  });
});

describe.each(SHELLS.map((shell) => [shell.join(' '), shell] as const))('the driver under %s', (_name, shell) => {
  it('runs steps at once, frames each as it ends with its exit status and capped output, and cleans up on Q', async () => {
    expect(existsSync('/dev/shm')).toBe(true);
    const run = drive(
      shell,
      (send) => {
        send(runRequest(1, 1000, false, 'timeout -s KILL 10 sh -c \'sleep 0.4; echo slow\''));
        send(runRequest(2, 1000, false, 'sh -c \'printf "a\\\\nb\\n"; echo oops >&2; exit 3\''));
        send(runRequest(3, 10, false, 'head -c 5000 /dev/zero'));
        send(runRequest(4, 1000, false, "sh -c 'echo \"it'\\''s\"\nexit 0'"));
      },
      (frames) => {
        if (frames.length === 4) run.child.stdin.end(QUIT_REQUEST);
      },
    );
    await run.exited;
    const byId = new Map(run.frames.map((f) => [f.id, f]));
    // the slow step ends last although it was sent first
    expect(run.frames.at(-1)?.id).toBe(1);
    expect(byId.get(1)?.stdout.toString()).toBe('slow\n');
    expect(byId.get(1)?.hostDurationMs).toBeGreaterThanOrEqual(300);
    expect(byId.get(2)).toMatchObject({ exit: 3 });
    expect(byId.get(2)?.stdout.toString()).toBe('a\nb\n');
    expect(byId.get(2)?.stderr.toString()).toBe('oops\n');
    // the output file stopped growing at the cap: head's further writes failed
    expect(byId.get(3)).toMatchObject({ exit: 1, stdoutCut: true });
    expect(byId.get(3)?.stdout.length).toBe(10);
    expect(byId.get(3)).toMatchObject({ stderrCut: true }); // head's complaint, cut at the same cap
    expect(byId.get(4)?.stdout.toString()).toBe("it's\n");
    expect(shmDirs()).toEqual([]);
  });

  it('keeps the session when its watchdog reads the heartbeat file between the truncate and the write', async () => {
    // the main shell rewrites hb in place for every request line; under load the watchdog's read can
    // land in between and find it empty. Made deterministic: emptied, then a second and a half of
    // quiet (at least one watchdog tick, less than its 3 s), then a step.
    const run = drive(
      shell,
      (send) => {
        truncateSync(`/dev/shm/.sickbay-${NONCE}/hb`, 0);
        setTimeout(() => send(runRequest(1, 100, false, 'echo alive')), 1500);
      },
      (frames) => {
        if (frames.length === 1) run.child.stdin.end(QUIT_REQUEST);
      },
    );
    await run.exited;
    expect(run.frames.map((f) => f.stdout.toString())).toEqual(['alive\n']);
    expect(shmDirs()).toEqual([]);
  });

  it('kills a step on K, and everything it started when its input ends', async () => {
    const marker = `${400_000 + Math.floor(Math.random() * 100_000)}`;
    const run = drive(
      shell,
      (send) => {
        // (busybox's own `timeout` leads no process group: K reaches the step's command, and its
        // children only on the way out, which kills the driver's whole group)
        send(runRequest(1, 100, false, `timeout -s KILL 60 sh -c 'sleep ${marker}1'`));
        send(runRequest(2, 100, false, `timeout -s KILL 60 sh -c 'sleep ${marker}2 & sleep ${marker}3'`));
        setTimeout(() => send(killRequest(1)), 300);
      },
      (frames) => {
        // step 1 was killed: end the input while step 2 still runs
        if (frames.length === 1) run.child.stdin.end();
      },
    );
    await run.exited;
    const reported = run.frames.map((f) => [f.id, f.exit]);
    expect(reported[0]).toEqual([1, 137]);
    // on the way out the driver kills step 2 too; its emitter may still send that frame before its
    // own TERM reaches it (seen on a loaded machine), to a client that has gone: killed, never done
    expect(reported.slice(1)).toEqual(reported.length > 1 ? [[2, 137]] : []);
    expect(shmDirs()).toEqual([]);
    // busybox's timeout watcher notices its command is gone within a second; the bound is 5 s
    await until(() => pgrep(`sleep ${marker}`).length === 0, `every process of the steps to be gone`, 5_000);
  });
});
