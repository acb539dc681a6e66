import type { ServerChannel } from 'ssh2';
import { helloFrame, parseDriverRequest, stepFrame, type DriverOptions } from '../ssh/shell-driver.js';

/** What one step line replays as: its output and exit status, delivered `delayMs` after the step started. */
export interface ReplayedStep {
  stdout: Buffer;
  stderr: Buffer;
  exit: number | null;
  delayMs: number;
}

export type StepReplayer = (line: string) => Promise<ReplayedStep>;

/** Exit status of a step killed with SIGKILL (by `K` or by its `timeout -s KILL` backstop), as sh reports it. */
const KILLED = 137;
const NOTHING = Buffer.alloc(0);

/** The backstop a step line carries (`timeout -s KILL N`), in ms; none when the line has no such wrapper. */
function backstopMs(line: string): number | undefined {
  const match = /(?:^|\s)timeout -s KILL (\d+) /.exec(line);
  return match ? Number(match[1]) * 1000 : undefined;
}

/**
 * Answers a shell-session driver's protocol (src/ssh/shell-driver.ts) on `channel` in this process:
 * each step is replayed (output and exit status from `replay`, delivered after its recorded wait, a
 * hang answered only by a kill or its backstop) without the driver's processes. A lab standing for
 * hundreds of hosts on one machine uses it, so that a fleet bench measures the diagnosing side, not
 * hundreds of hosts' process start-ups squeezed onto two cores. The frames are the real driver's.
 */
export function serveDriverSession(channel: ServerChannel, driver: DriverOptions, replay: StepReplayer): void {
  const running = new Map<number, { cap: number; startedAt: number; timer?: NodeJS.Timeout }>();
  let input = '';
  let ended = false;
  const send = (bytes: Buffer) => {
    if (!ended && !channel.destroyed) channel.write(bytes);
  };
  const end = () => {
    if (ended) return;
    ended = true;
    for (const step of running.values()) clearTimeout(step.timer);
    running.clear();
    if (channel.destroyed) return;
    channel.exit(0);
    channel.end();
  };
  const deliver = (id: number, exit: number | null, stdout: Buffer, stderr: Buffer) => {
    const step = running.get(id);
    if (!step) return;
    clearTimeout(step.timer);
    running.delete(id);
    send(stepFrame(driver.nonce, { id, exit, startedAt: step.startedAt, endedAt: process.uptime(), stdout, stderr, cap: step.cap }));
  };
  const start = (id: number, cap: number, line: string) => {
    const step: { cap: number; startedAt: number; timer?: NodeJS.Timeout } = { cap, startedAt: process.uptime() };
    running.set(id, step);
    const backstop = backstopMs(line);
    replay(line).then(
      (result) => {
        if (!running.has(id)) return; // killed, or the session ended, while it was being looked up
        // a wait past the line's backstop ends as the backstop ends it: killed
        const late = backstop !== undefined && result.delayMs > backstop;
        // the step ends its wait after it started: a line recorded just now has spent part of it already
        const spentMs = (process.uptime() - step.startedAt) * 1000;
        step.timer = setTimeout(
          () => (late ? deliver(id, KILLED, NOTHING, NOTHING) : deliver(id, result.exit, result.stdout, result.stderr)),
          Math.max(0, (late ? backstop : result.delayMs) - spentMs),
        );
      },
      (err: unknown) => deliver(id, 127, NOTHING, Buffer.from(`lab: ${(err as Error).message}\n`)),
    );
  };
  channel.on('data', (chunk: Buffer) => {
    input += chunk.toString('utf8');
    for (let eol = input.indexOf('\n'); eol >= 0 && !ended; eol = input.indexOf('\n')) {
      const request = parseDriverRequest(input.slice(0, eol));
      input = input.slice(eol + 1);
      if (request?.kind === 'run') start(request.id, request.cap, request.line);
      else if (request?.kind === 'kill') deliver(request.id, KILLED, NOTHING, NOTHING);
      else if (request?.kind === 'quit') end();
    }
  });
  channel.on('end', end);
  channel.on('close', end);
  channel.on('error', () => undefined);
  send(helloFrame(driver.nonce));
}
