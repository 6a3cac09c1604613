import { MemoryCache } from '../../gateways/cache/memory.js';
import { describeCacheContract } from './cache.contract.js';

describeCacheContract('memory (in process, embedded mode)', async () => {
  const cache = new MemoryCache();
  return { cache, other: cache, teardown: () => cache.close() };
});
