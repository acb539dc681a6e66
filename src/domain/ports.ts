/**
 * Ports: interfaces the core depends on, implemented by adapters (ssh/, slack/) and
 * connected in app/. Tests use real in-memory implementations of these, never mocks.
 */

export interface RunOptions {
  /** Hard deadline for the command; on expiry the step is timed_out and the remote process killed. */
  timeoutMs: number;
  /** Output cap in bytes; past it the output is cut and marked truncated. */
  maxBytes: number;
  /** Run through `sudo -n`. A password prompt is an error, not a hang. */
  sudo?: boolean;
  signal?: AbortSignal;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** null when the command did not exit by itself (timed out, killed, connection lost). */
  exit: number | null;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** Set when the command could not run or finish for a reason other than its own exit. */
  error?: string;
}

/** Runs shell command lines on one host. The line is built only from vetted templates. */
export interface CommandRunner {
  readonly host: string;
  run(command: string, options: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const date = typeof at === 'string' ? new Date(at) : at;
  return { now: () => new Date(date.getTime()) };
}
