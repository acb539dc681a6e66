/** Resolves with the first SIGINT or SIGTERM, and stops listening for either. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Resolves once SIGTERM or SIGINT arrived and `stop` finished: long-running commands end cleanly. */
export function stopOnSignals(stop: () => Promise<void>): Promise<void> {
  return untilSignal().then(() => stop());
}

/**
 * What `sickbay bot|worker|intake` do: start a composition root, then stop it cleanly on SIGTERM or
 * SIGINT. `start` imports the root itself, lazily, so that other commands never load it.
 */
export async function runUntilSignal(start: () => Promise<{ stop(): Promise<void> }>): Promise<void> {
  const running = await start();
  await stopOnSignals(() => running.stop());
}
