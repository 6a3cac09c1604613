/** The harness gives each suite its own Redis key space and removes it afterwards. */
import { describe, expect, it } from 'vitest';
import { createTestRedis, TEST_REDIS_URL } from '../support/redis.js';
import { Redis } from 'ioredis';

describe('test harness: isolated Redis key spaces', () => {
  it('keeps two suites apart and leaves nothing behind', async () => {
    const one = await createTestRedis('iso');
    const two = await createTestRedis('iso');
    await one.client.set('k', 'one');
    await two.client.set('k', 'two');
    await one.client.zadd('chart', 3, 'track-1');
    expect(await one.client.get('k')).toBe('one');
    expect(await two.client.get('k')).toBe('two');
    await one.cleanup();
    await two.cleanup();
    const admin = new Redis(TEST_REDIS_URL);
    try {
      expect(await admin.keys(`${one.prefix}*`)).toEqual([]);
      expect(await admin.keys(`${two.prefix}*`)).toEqual([]);
    } finally {
      admin.disconnect();
    }
  });
});
