import { Semaphore } from '../shared/index.js';

export interface ConnectLimiterOptions {
  /**
   * Connections being set up at once to one host or bastion: OpenSSH's `MaxStartups 10:30:100`
   * starts dropping unauthenticated connections past 10, so stay under it.
   * @defaultValue 8
   */
  perHost?: number;
  /**
   * Connections being set up at once in total, across all hosts.
   * @defaultValue 64
   */
  global?: number;
}

/**
 * Bounds SSH connection set-up (TCP + key exchange + auth), per endpoint and in total. Only set-up is
 * bounded: an established connection no longer holds a slot.
 */
export class ConnectLimiter {
  readonly perHost: number;
  private readonly global: Semaphore;
  private readonly hosts = new Map<string, Semaphore>();

  constructor(options: ConnectLimiterOptions = {}) {
    this.perHost = Math.min(options.perHost ?? 8, 8);
    this.global = new Semaphore(options.global ?? 64);
  }

  /** Runs `connect` once a slot for `endpoint` (`address:port`) and a global slot are free. */
  async run<T>(endpoint: string, connect: () => Promise<T>): Promise<T> {
    let host = this.hosts.get(endpoint);
    if (!host) {
      host = new Semaphore(this.perHost);
      this.hosts.set(endpoint, host);
    }
    const releaseHost = await host.acquire();
    try {
      return await this.global.use(connect);
    } finally {
      releaseHost();
      if (host.inUse === 0) this.hosts.delete(endpoint);
    }
  }
}

let shared = new ConnectLimiter();

/** The process-wide limiter every runner uses unless given its own. */
export function sharedConnectLimiter(): ConnectLimiter {
  return shared;
}

/** Replaces the process-wide limiter (call once at start-up, e.g. from the worker's config). */
export function configureConnectLimits(options: ConnectLimiterOptions): ConnectLimiter {
  shared = new ConnectLimiter(options);
  return shared;
}
