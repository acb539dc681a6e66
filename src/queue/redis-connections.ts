import { Redis } from 'ioredis';

/** Reconnects forever, backing off up to 2 s: the bot and workers come back by themselves when Redis does. */
const retryStrategy = (times: number): number => Math.min(200 * times, 2000);

/** Connection for producers (the bot): commands fail at once while Redis is away, so users hear "queue is down". */
export function producerConnection(url: string): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy, lazyConnect: false });
}

/** Connection for workers: BullMQ needs maxRetriesPerRequest null so blocking calls wait out an outage. */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy });
}
