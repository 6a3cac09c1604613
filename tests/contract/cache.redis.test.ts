import { RedisCache } from '../../gateways/cache/redis.js';
import { createTestRedis, TEST_REDIS_URL } from '../support/redis.js';
import { describeCacheContract } from './cache.contract.js';

describeCacheContract('redis (ioredis, Redis server)', async () => {
  const redis = await createTestRedis('cache-contract');
  const cache = new RedisCache({ url: TEST_REDIS_URL, keyPrefix: redis.prefix });
  const other = new RedisCache({ url: TEST_REDIS_URL, keyPrefix: redis.prefix });
  return {
    cache,
    other,
    async teardown() {
      await Promise.all([cache.close(), other.close()]);
      await redis.cleanup();
    },
  };
});
