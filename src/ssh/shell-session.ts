import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import type { CommandResult, RunOptions } from '../domain/index.js';
import { wrapRemoteCommand } from './remote-command.js';
import { DriverFrameParser, driverCommand, killRequest, PING_REQUEST, QUIT_REQUEST, runRequest, type StepFrame } from './shell-driver.js';

export interface ShellSessionOptions {
  /**
   * Time for the login shell to start and the driver to say hello (a slow ~/.bashrc on a loaded
   * host counts here, once).
   * @defaultValue 10_000
   */
  startTimeoutMs?: number;
  /**
   * Seconds of silence after which the driver on the host assumes the client is gone and kills
   * its steps; the client sends a heartbeat every second.
   * @defaultValue 5
   */
  watchdogSeconds?: number;
}

/** Why a session could not start: the caller falls back to a channel per step and records this. */
export class ShellSessionUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ShellSessionUnavailable';
  }
}

/** A step's result through the session; `failure` when it could not finish there (driver or connection gone, cancelled). */
export type SessionOutcome = Omit<CommandResult, 'error' | 'errorCode'> & { failure?: 'lost' | 'cancelled' };

interface Pending {
  started: number;
  settle: (outcome: SessionOutcome) => void;
}

const DRIVER_WHY: Readonly<Record<string, string>> = {
  'no-tmpfs': 'no writable tmpfs (/dev/shm, $XDG_RUNTIME_DIR, /run/shm) for step outputs',
  'no-timeout': 'the host has no `timeout` command',
  'no-head': 'the host has no `head` command',
  'no-mkfifo': 'the host has no `mkfifo` command',
  'no-grep': 'the host has no `grep` command (it finds a tmpfs for step outputs)',
  'no-fifo': 'the driver could not create its queue (mkfifo failed)',
  'no-ulimit': 'the shell cannot limit the size of step outputs (ulimit -f)',
  'no-pgrp': 'the login shell did not give the driver a process group of its own to clean up',
};

const PING_INTERVAL_MS = 1_000;

/**
 * ONE exec channel on a host running the shell driver (shell-driver.ts): every step of a
 * playbook run goes through it, each with its own deadline here and `timeout -s KILL` there.
 */
export class ShellSession {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly ping: NodeJS.Timeout;

  private constructor(
    private readonly channel: ClientChannel,
    parser: DriverFrameParser,
    private readonly onGone: (why: string) => void,
  ) {
    channel.on('data', (chunk: Buffer) => {
      try {
        for (const event of parser.push(chunk)) if (event.kind === 'done') this.deliver(event.frame);
      } catch (err) {
        this.lose(`the remote driver's output was not understood (${(err as Error).message})`);
      }
    });
    channel.on('close', () => this.lose('the remote driver exited'));
    this.ping = setInterval(() => this.write(PING_REQUEST), PING_INTERVAL_MS);
    this.ping.unref();
  }

  /** True until the driver's channel closed or the session was closed. */
  get alive(): boolean {
    return !this.closed;
  }

  /**
   * Starts the driver on `client` and resolves once it said hello. Rejects with
   * ShellSessionUnavailable (and leaves nothing running) when it cannot run on this host.
   * `onGone` is called once if the session ends while still in use.
   */
  static open(client: Client, options: ShellSessionOptions, onGone: (why: string) => void): Promise<ShellSession> {
    const nonce = randomBytes(12).toString('hex');
    const parser = new DriverFrameParser(nonce);
    const command = driverCommand({ nonce, watchdogSeconds: options.watchdogSeconds ?? 5 });
    return new Promise<ShellSession>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let settled = false;
      let stderr = '';
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        channel?.removeAllListeners('data');
        channel?.close();
        reject(new ShellSessionUnavailable(reason));
      };
      const timer = setTimeout(
        () => fail(`the login shell did not start the driver within ${options.startTimeoutMs ?? 10_000} ms`),
        options.startTimeoutMs ?? 10_000,
      );
      client.exec(command, (err, ch) => {
        if (err) return fail(`could not open the driver's channel: ${err.message}`);
        if (settled) {
          ch.close();
          return;
        }
        channel = ch;
        ch.stderr.on('data', (chunk: Buffer) => {
          if (stderr.length < 2048) stderr += chunk.toString('utf8');
        });
        const onData = (chunk: Buffer) => {
          let events;
          try {
            events = parser.push(chunk);
          } catch (e) {
            return fail(`the driver's greeting was not understood (${(e as Error).message})`);
          }
          for (const event of events) {
            if (event.kind === 'fail') return fail(DRIVER_WHY[event.why] ?? `the driver cannot run here (${event.why})`);
            if (event.kind === 'hello') {
              settled = true;
              clearTimeout(timer);
              ch.off('data', onData);
              ch.off('close', onEarlyClose);
              resolve(new ShellSession(ch, parser, onGone));
              return;
            }
          }
        };
        const onEarlyClose = () => {
          const said = (stderr.trim() || parser.preamble.trim()).split('\n').slice(-2).join(' ').slice(0, 200);
          fail(`the login shell exited before the driver started${said ? `: ${said}` : ''}`);
        };
        ch.on('data', onData);
        ch.on('close', onEarlyClose);
      });
    });
  }

  /** Runs one command through the driver; never rejects. */
  run(command: string, options: RunOptions): Promise<SessionOutcome> {
    const started = Date.now();
    if (this.closed) return Promise.resolve(lostOutcome(started, 'lost'));
    const id = this.nextId++;
    const line = wrapRemoteCommand(command, options);
    return new Promise<SessionOutcome>((resolve) => {
      const finish = (outcome: SessionOutcome) => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => {
        this.write(killRequest(id));
        finish(lostOutcome(started, 'cancelled'));
      };
      // the client's own deadline decides `timed_out`; the host's `timeout` (one second later) is
      // the backstop that leaves nothing running there
      const timer = setTimeout(() => {
        this.write(killRequest(id));
        finish({ stdout: '', stderr: '', exit: null, timedOut: true, truncated: false, durationMs: Date.now() - started });
      }, options.timeoutMs);
      this.pending.set(id, { started, settle: finish });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.write(runRequest(id, options.maxBytes, options.sudo === true, line));
    });
  }

  /**
   * Asks the driver to clean up and exit. Does not wait for it: closing the connection next ends
   * its input, which makes it clean up just the same, so nothing on the host depends on waiting.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    for (const [, pending] of this.pending) pending.settle(lostOutcome(pending.started, 'lost'));
    this.write(QUIT_REQUEST, true);
    this.channel.end();
  }

  private write(request: string, evenIfClosed = false): void {
    if ((this.closed && !evenIfClosed) || this.channel.destroyed) return;
    try {
      this.channel.write(request);
    } catch {
      // the channel closed under us: its 'close' handler reports it
    }
  }

  private deliver(frame: StepFrame): void {
    const pending = this.pending.get(frame.id);
    if (!pending) return; // a step that timed out or was cancelled here: its late result is dropped
    pending.settle({
      stdout: frame.stdout.toString('utf8'),
      stderr: frame.stderr.toString('utf8'),
      exit: frame.exit,
      timedOut: false,
      truncated: frame.stdoutCut || frame.stderrCut,
      durationMs: frame.hostDurationMs ?? Date.now() - pending.started,
    });
  }

  private lose(why: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    for (const [, pending] of this.pending) pending.settle(lostOutcome(pending.started, 'lost'));
    this.channel.close();
    this.onGone(why);
  }
}

function lostOutcome(started: number, failure: 'lost' | 'cancelled'): SessionOutcome {
  return { stdout: '', stderr: '', exit: null, timedOut: false, truncated: false, durationMs: Date.now() - started, failure };
}
