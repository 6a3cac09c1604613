/**
 * Isolated Redis for tests: each call gets its own key prefix on the local server, and cleanup
 * deletes every key under it, so suites run in parallel without touching each other.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.CHORUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  /** Prefix every key of the test with this (ioredis keyPrefix does it for `client`). */
  prefix: string;
  /** A client whose commands are prefixed. */
  client: Redis;
  /** Deletes every key under the prefix and disconnects. */
  cleanup(): Promise<void>;
}

export async function createTestRedis(label = 't'): Promise<TestRedis> {
  const prefix = `chorus-test:${label}:${randomBytes(5).toString('hex')}:`;
  const client = new Redis(TEST_REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 2 });
  await client.ping();
  return {
    prefix,
    client,
    async cleanup() {
      await deleteByPrefix(prefix);
      client.disconnect();
    },
  };
}

export async function deleteByPrefix(prefix: string): Promise<number> {
  const admin = new Redis(TEST_REDIS_URL);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await admin.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
  return deleted;
}
