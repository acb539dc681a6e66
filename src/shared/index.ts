export { mapLimit, Semaphore } from './limiter.js';
export { RedisScript } from './redis-script.js';
export { createLogger } from './logger.js';
export { formatDuration } from './format-duration.js';
