/**
 * What a cache projection test runs on: an event store on a fresh Postgres database, and the
 * cache on Redis (a key prefix of its own) or in process. `close` removes all of it.
 */
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { NewEvent, Position } from '../../gateways/event-store/port.js';
import { MemoryCache } from '../../gateways/cache/memory.js';
import type { Cache } from '../../gateways/cache/port.js';
import { RedisCache } from '../../gateways/cache/redis.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { createTestDatabase } from './postgres.js';
import { createTestRedis, TEST_REDIS_URL } from './redis.js';

export interface CacheWorld {
  store: PostgresEventStore;
  sql: SqlClient;
  cache: Cache;
  close(): Promise<void>;
}

export async function openCacheWorld(label: string, kind: 'redis' | 'memory'): Promise<CacheWorld> {
  const db = await createTestDatabase(label);
  const sql = createPgClient({ connectionString: db.url });
  const store = await PostgresEventStore.open(sql);
  const redis = kind === 'redis' ? await createTestRedis(label) : undefined;
  const cache: Cache = redis ? new RedisCache({ url: TEST_REDIS_URL, keyPrefix: redis.prefix }) : new MemoryCache();
  return {
    store,
    sql,
    cache,
    async close() {
      await cache.close();
      await redis?.cleanup();
      await store.close();
      await sql.close();
      await db.drop();
    },
  };
}

/** Appends each `[stream, event]` on its own, in order; the position of the last. */
export async function appendEach(store: PostgresEventStore, events: ReadonlyArray<readonly [string, NewEvent]>): Promise<Position> {
  let position: Position = '';
  for (const [stream, event] of events) position = (await store.append(stream, [event])).position;
  return position;
}
