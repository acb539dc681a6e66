import type { Client, ClientChannel } from 'ssh2';
import type { CommandResult, CommandRunner, CommandTransport, RunOptions, SshTarget } from '../domain/index.js';
import { connectOnce, forwardThrough, type ConnectSettings } from './connect.js';
import { Semaphore } from '../shared/index.js';
import { sharedConnectLimiter, type ConnectLimiter } from './limiter.js';
import { isSudoPasswordPrompt, wrapRemoteCommand } from './remote-command.js';
import { ShellSession, ShellSessionUnavailable, type ShellSessionOptions } from './shell-session.js';
import { SshUnreachableError, SudoPasswordRequiredError } from './ssh-errors.js';

/** The most channels one connection may hold open: OpenSSH's MaxSessions is 10 by default. */
export const MAX_CHANNELS_PER_CONNECTION = 8;
/** Retries of a channel open that sshd refused (20 ms doubling: about 5 s in all). */
const OPEN_RETRIES = 8;
/**
 * Steps run at once through one shell session: processes on the host, not SSH channels, so the
 * MaxSessions bound does not apply; this only keeps a runaway playbook from forking without end.
 */
export const MAX_SESSION_STEPS = 32;

export interface SshRunnerOptions {
  /**
   * Time to get a logged-in session (TCP connect, key exchange, host key check, auth), per hop.
   * @defaultValue 10_000
   */
  connectTimeoutMs?: number;
  /**
   * Keepalive probe interval on an idle or busy connection; with `keepaliveCountMax`, bounds how long
   * a dead host or a cut link goes unnoticed (5 s x 3 = about 20 s, under the 30 s promise).
   * @defaultValue 5_000
   */
  keepaliveIntervalMs?: number;
  /** @defaultValue 3 */
  keepaliveCountMax?: number;
  /**
   * Commands run at once on the connection, each on its own channel; capped at 8.
   * @defaultValue 8
   */
  maxChannels?: number;
  /** Bounds connection set-up per endpoint and in total. @defaultValue the process-wide limiter */
  connectLimiter?: ConnectLimiter;
  /** SSH agent socket, used when the target has no identity file. @defaultValue undefined (no agent) */
  agentSocket?: string;
  /**
   * Run every command through ONE exec channel holding a small sh driver (the login shell starts
   * once per connection instead of once per command). `false` opens a channel per command. When
   * the driver cannot run on the host, the runner falls back to a channel per command and says
   * why in `transport`.
   * @defaultValue true
   */
  shellSession?: boolean | ShellSessionOptions;
}

/** A CommandRunner over one SSH connection, plus what the collection layer may want to know. */
export interface SshRunner extends CommandRunner {
  /** False once the connection (or the bastion's) has dropped or been closed. */
  readonly connected: boolean;
  readonly transport: CommandTransport;
  readonly parallelism: number;
}

/** Collects one output stream up to a cap; past it, bytes are counted and dropped, never buffered. */
class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    if (chunk.length > room) {
      this.chunks.push(Buffer.from(chunk.subarray(0, room)));
      this.size = this.max;
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Invalid UTF-8 (binary output, a multi-byte character cut at the cap) decodes to U+FFFD. */
  text(): string {
    return Buffer.concat(this.chunks, this.size).toString('utf8');
  }
}

class SshCommandRunner implements SshRunner {
  private readonly channels: Semaphore;
  private readonly inFlight = new Set<(error: string, code: string) => void>();
  private lost: string | undefined;
  private session: ShellSession | undefined;
  private fallbackReason: string | undefined;

  constructor(
    readonly host: string,
    private readonly client: Client,
    private readonly bastion: Client | undefined,
    private readonly maxChannels: number,
    /** Logged in as root: `sudo -n` adds nothing, and minimal hosts run without sudo installed. */
    private readonly loginIsRoot = false,
  ) {
    this.channels = new Semaphore(maxChannels);
    const onLost = (why: string) => {
      if (this.lost) return;
      this.lost = why;
      for (const abort of [...this.inFlight]) abort(new SshUnreachableError(host, why).userMessage, 'ssh_unreachable');
    };
    // after login node-ssh leaves no 'error' listener: without ours, a dropped link would crash the process
    for (const [conn, label] of [[client, ''], [bastion, 'bastion ']] as const) {
      if (!conn) continue;
      conn.on('error', (err: Error) => onLost(`${label}connection error: ${err.message}`));
      conn.on('close', () => onLost(`the ${label}connection closed`));
    }
  }

  get connected(): boolean {
    return this.lost === undefined;
  }

  get transport(): CommandTransport {
    if (this.session?.alive) return { mode: 'shell-session' };
    return this.fallbackReason === undefined ? { mode: 'exec-per-command' } : { mode: 'exec-per-command', reason: this.fallbackReason };
  }

  get parallelism(): number {
    return this.session?.alive ? MAX_SESSION_STEPS : this.maxChannels;
  }

  /** Starts the shell driver; when it cannot run here, commands go a channel each and `transport` says why. */
  async startSession(options: ShellSessionOptions): Promise<void> {
    try {
      this.session = await ShellSession.open(this.client, options, (why) => {
        this.fallbackReason = `the shell session ended (${why}); later commands used a channel each`;
      });
    } catch (err) {
      if (!(err instanceof ShellSessionUnavailable)) throw err;
      this.fallbackReason = err.reason;
    }
  }

  async run(command: string, asked: RunOptions): Promise<CommandResult> {
    const options = this.loginIsRoot && asked.sudo ? { ...asked, sudo: false } : asked;
    const started = Date.now();
    const failed = (error: string, errorCode: string): CommandResult => ({
      stdout: '',
      stderr: '',
      exit: null,
      timedOut: false,
      truncated: false,
      durationMs: Date.now() - started,
      error,
      errorCode,
    });
    if (this.lost) return failed(new SshUnreachableError(this.host, this.lost).userMessage, 'ssh_unreachable');
    if (this.session?.alive) {
      const outcome = await this.session.run(command, options);
      if (outcome.failure === 'cancelled') return failed(`cancelled while running on ${this.host}`, 'cancelled');
      if (outcome.failure === 'lost') {
        // a dropped connection closes its channels before it says so itself: let it speak first
        await new Promise((resolve) => setImmediate(resolve));
        return this.lost
          ? failed(new SshUnreachableError(this.host, this.lost).userMessage, 'ssh_unreachable')
          : failed(`the shell session on ${this.host} ended while the command ran`, 'ssh_session_lost');
      }
      const { failure: _none, ...result } = outcome;
      return this.checkSudo(result, options);
    }
    const release = await this.channels.acquire();
    if (this.lost) {
      release();
      return failed(new SshUnreachableError(this.host, this.lost).userMessage, 'ssh_unreachable');
    }
    if (options.signal?.aborted) {
      release();
      return failed(`cancelled before it started on ${this.host}`, 'cancelled');
    }
    return this.exec(command, options, started, release);
  }

  private exec(command: string, options: RunOptions, started: number, release: () => void): Promise<CommandResult> {
    const stdout = new CappedOutput(options.maxBytes);
    const stderr = new CappedOutput(options.maxBytes);
    let channel: ClientChannel | undefined;
    let exit: number | null = null;
    let settled = false;
    let slotFreed = false;
    // the slot is freed when the server has closed the channel (it still counts against MaxSessions
    // until then), or when the connection is gone
    const freeSlot = () => {
      if (slotFreed) return;
      slotFreed = true;
      release();
    };

    return new Promise<CommandResult>((resolve) => {
      const finish = (outcome: { timedOut?: boolean; exit: number | null; error?: string; errorCode?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        options.signal?.removeEventListener('abort', onAbort);
        const result: CommandResult = {
          stdout: stdout.text(),
          stderr: stderr.text(),
          exit: outcome.exit,
          timedOut: outcome.timedOut ?? false,
          truncated: stdout.truncated || stderr.truncated,
          durationMs: Date.now() - started,
        };
        if (outcome.error !== undefined) result.error = outcome.error;
        if (outcome.errorCode !== undefined) result.errorCode = outcome.errorCode;
        resolve(this.checkSudo(result, options));
      };
      // stop the step here; the host-side `timeout` (TERM now, KILL as the backstop) ends the process
      const stop = () => {
        if (!channel) return;
        try {
          channel.signal('TERM');
        } catch {
          // the channel may already be half-closed: closing below is what matters
        }
        channel.close();
      };
      const abort = (error: string, code: string) => {
        finish({ exit: null, error, errorCode: code });
        freeSlot();
      };
      const onAbort = () => {
        finish({ exit: null, error: `cancelled while running on ${this.host}`, errorCode: 'cancelled' });
        stop();
      };
      const timer = setTimeout(() => {
        finish({ exit: null, timedOut: true });
        stop();
      }, options.timeoutMs);
      this.inFlight.add(abort);
      options.signal?.addEventListener('abort', onAbort, { once: true });

      const open = (attempt: number) => this.client.exec(wrapRemoteCommand(command, options), (err, ch) => {
        if (err) {
          // sshd frees a session only once it has reaped the session's child, a moment after the
          // channel closed: a refused open right after another step ended is retried, within the deadline
          if (!settled && !this.lost && attempt < OPEN_RETRIES && /open failed/i.test(err.message)) {
            setTimeout(() => open(attempt + 1), 20 * 2 ** attempt);
            return;
          }
          finish({ exit: null, error: `could not open a channel on ${this.host}: ${err.message}`, errorCode: 'ssh_channel_failed' });
          freeSlot();
          return;
        }
        channel = ch;
        if (settled) {
          stop();
        }
        ch.on('data', (chunk: Buffer) => stdout.push(chunk));
        ch.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        ch.on('exit', (code: number | null) => {
          exit = typeof code === 'number' ? code : null;
        });
        ch.on('close', () => {
          finish(
            exit === null && !this.lost
              ? { exit: null, error: `the command ended without an exit status on ${this.host} (killed by a signal?)`, errorCode: 'ssh_no_exit_status' }
              : exit === null
                ? { exit: null, error: new SshUnreachableError(this.host, this.lost ?? 'connection lost').userMessage, errorCode: 'ssh_unreachable' }
                : { exit },
          );
          freeSlot();
        });
      });
      open(0);
    });
  }

  /** `sudo -n` asking for a password is an error with its own code, not a failed command. */
  private checkSudo(result: CommandResult, options: RunOptions): CommandResult {
    if (!options.sudo || !isSudoPasswordPrompt(result.exit, result.stderr)) return result;
    return { ...result, error: new SudoPasswordRequiredError(this.host).userMessage, errorCode: 'sudo_password_required' };
  }

  async close(): Promise<void> {
    this.session?.close();
    if (!this.lost) this.lost = 'the runner was closed';
    for (const abort of [...this.inFlight]) abort(`the connection to ${this.host} was closed while the command ran`, 'ssh_closed');
    await Promise.all(
      [this.client, this.bastion].map(
        (conn) =>
          new Promise<void>((resolve) => {
            if (!conn) return resolve();
            const done = setTimeout(resolve, 2_000);
            conn.once('close', () => {
              clearTimeout(done);
              resolve();
            });
            conn.end();
          }),
      ),
    );
  }
}

/**
 * Connects to `target` (through `target.jump` when set) and returns a CommandRunner on that ONE
 * connection. Rejects with a typed SshError: auth and host-key refusals are not retryable; refused,
 * timed-out and unreachable connections are.
 */
export async function createSshRunner(target: SshTarget, options: SshRunnerOptions = {}): Promise<SshRunner> {
  const maxChannels = Math.min(options.maxChannels ?? MAX_CHANNELS_PER_CONNECTION, MAX_CHANNELS_PER_CONNECTION);
  if (!Number.isInteger(maxChannels) || maxChannels < 1) throw new RangeError(`maxChannels must be 1 to ${MAX_CHANNELS_PER_CONNECTION}`);
  const settings: ConnectSettings = {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? 5_000,
    keepaliveCountMax: options.keepaliveCountMax ?? 3,
    agentSocket: options.agentSocket,
    limiter: options.connectLimiter ?? sharedConnectLimiter(),
  };
  const runner = await connectRunner(target, settings, maxChannels);
  const session = options.shellSession ?? true;
  if (session !== false) await runner.startSession(session === true ? {} : session);
  return runner;
}

async function connectRunner(target: SshTarget, settings: ConnectSettings, maxChannels: number): Promise<SshCommandRunner> {
  if (!target.jump) {
    return new SshCommandRunner(target.name, await connectOnce(target, settings), undefined, maxChannels, target.user === 'root');
  }
  const bastion = await connectOnce(target.jump, settings);
  try {
    const sock = await forwardThrough(bastion, target, settings);
    return new SshCommandRunner(target.name, await connectOnce(target, settings, sock), bastion, maxChannels, target.user === 'root');
  } catch (err) {
    bastion.end();
    throw err;
  }
}
