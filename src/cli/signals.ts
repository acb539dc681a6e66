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
