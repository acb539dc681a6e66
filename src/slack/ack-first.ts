/**
 * Lets acknowledgements go first under a burst of commands. Each caller is released in its own
 * turn of the event loop, one per turn, so the requests already waiting on their sockets are read,
 * checked and acknowledged between two releases instead of queueing behind the slow part of earlier
 * ones (access check, Redis, response_url). Slack only gives a command 3 s to be acknowledged.
 */
export function createAckFirstGate(): () => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  return () => {
    tail = tail.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    return tail;
  };
}
