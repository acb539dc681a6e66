/** The signals a process most often dies of, by number (an exit status over 128 is 128 + the signal). */
const SIGNALS: Readonly<Record<number, string>> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };

/** What an exit status says of how the main process ended: a few words for a title, a sentence for a fix. */
export interface ExitMeaning {
  short: string;
  sentence: string;
  /** 128 + this signal. */
  signal?: string;
}

/**
 * What Docker's own statuses (125 to 127, its run reference's "Exit Status") and a death by signal
 * say; an application's own status (1, 2, 3...) means what it says it means, in its last words.
 */
export function exitMeaning(code: number): ExitMeaning | undefined {
  switch (code) {
    case 125:
      return { short: 'Docker could not run it', sentence: "Exit 125 is Docker's own: the daemon could not create or start the container (an option it refused, a volume or network it could not set up)." };
    case 126:
      return { short: 'command cannot be run', sentence: 'Exit 126: its command was found but could not be run: not executable (no chmod +x in the image), a directory, or denied to its user.' };
    case 127:
      return {
        short: 'command not found',
        sentence:
          "Exit 127: its command was not found: the program is not in the image or not on its PATH, or a script's interpreter line names one that is not (a script saved with Windows line endings asks for \"/bin/sh\\r\").",
      };
  }
  const signal = code > 128 && code < 160 ? SIGNALS[code - 128] : undefined;
  if (!signal) return undefined;
  const why: Readonly<Record<string, string>> = {
    SIGILL: 'an instruction this CPU does not have: a binary built for a newer CPU than this host has (AVX and the like)',
    SIGABRT: 'it aborted itself: a failed assertion, the C library finding its heap corrupt, or a runtime giving up',
    SIGSEGV: 'a crash in native code (a segmentation fault): a bug in the program or a library it loads, or a library built for another system',
    SIGBUS: 'a bus error: memory it mapped went away, often a file truncated under it or a full /dev/shm',
    SIGKILL: 'it was killed outright: by the kernel out of memory, docker kill, or docker stop after its timeout',
  };
  return {
    short: signal,
    signal,
    sentence: `Exit ${code} is 128 + ${code - 128}: the process died of ${signal}${why[signal] ? `, ${why[signal]}` : ''}.`,
  };
}

/** A stop asked for: SIGTERM (docker stop, a scheduler's kill) or SIGINT. Not a failure of the program. */
const STOPS_ASKED_FOR: ReadonlySet<number> = new Set([130, 143]);

/** Whether a container ended with a failure: an exit status other than 0 and a stop asked for. */
export function endedInFailure(code: number | undefined): code is number {
  return code !== undefined && code !== 0 && !STOPS_ASKED_FOR.has(code);
}
