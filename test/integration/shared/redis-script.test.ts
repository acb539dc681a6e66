import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisScript } from '../../../src/shared/index.js';
import { deleteUnder, REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const prefix = uniquePrefix();
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

afterAll(async () => {
  await deleteUnder(prefix);
  redis.disconnect();
});

describe('RedisScript (real Redis)', () => {
  it('loads a script Redis has never seen with EVAL, then runs it by its hash', async () => {
    // given a script no one has loaded: its source carries a fresh id, so its sha is new
    const source = `-- ${randomUUID()}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`;
    const sha = createHash('sha1').update(source).digest('hex');
    const script = new RedisScript(source);
    const key = `${prefix}:counter`;
    expect(await redis.script('EXISTS', sha)).toEqual([0]);
    // when it runs twice
    const first = await script.run(redis, [key], [2]);
    const second = await script.run(redis, [key], [3]);
    // then both ran atomically, the second from Redis's script cache
    expect([first, second]).toEqual([2, 5]);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
  });

  it('passes on an error the script raises, instead of retrying it', async () => {
    const script = new RedisScript(`-- ${randomUUID()}\nreturn redis.error_reply('no such request')`);
    await expect(script.run(redis, [`${prefix}:x`], [])).rejects.toThrow(/no such request/);
  });
});
