/**
 * Keeps the newest value and sends it at most once per interval, in order: live progress updates
 * that never flood the chat API (Slack allows about one chat.update per second per message).
 */
export interface Throttle<T> {
  push(value: T): void;
  /** Drops what is pending (a final update supersedes it) and waits for the send in flight. */
  close(): Promise<void>;
}

export function createThrottle<T>(send: (value: T) => Promise<void>, intervalMs: number): Throttle<T> {
  let pending: { value: T } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastSent = 0;
  let chain: Promise<void> = Promise.resolve();
  const fire = (): void => {
    timer = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    lastSent = Date.now();
    chain = chain.then(() => send(value)).catch(() => undefined);
  };
  return {
    push(value) {
      pending = { value };
      if (!timer) timer = setTimeout(fire, Math.max(0, lastSent + intervalMs - Date.now()));
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      await chain;
    },
  };
}
