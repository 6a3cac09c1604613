/**
 * Opens the SQL database and the event store the configuration asks for: PGlite under the data
 * folder (embedded), PostgreSQL (DATABASE_URL), and EventStoreDB for events (ESDB_URL).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EventStore } from '../gateways/event-store/port.js';
import { MemoryCache } from '../gateways/cache/memory.js';
import type { Cache } from '../gateways/cache/port.js';
import { RedisCache } from '../gateways/cache/redis.js';
import { PostgresEventStore } from '../gateways/event-store/postgres/store.js';
import { createPgClient } from '../gateways/sql/pg.js';
import { createPgliteThreadClient } from '../gateways/sql/pglite-thread.js';
import type { SqlClient } from '../gateways/sql/port.js';
import type { Config } from './config.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';

/** Append transactions of the Postgres event store in flight at once (see open below). */
const APPEND_CONCURRENCY = 1;

export interface Storage {
  sql: SqlClient;
  events: EventStore;
  /** Redis (REDIS_URL) or, embedded, an in-process cache that projections refill on start. */
  cache: Cache;
  /** One line for the start-up log: what runs on what. */
  description: string;
  close(): Promise<void>;
}

export async function openStorage(config: Config, logger: Logger): Promise<Storage> {
  let lock: DataDirLock | undefined;
  let sql: SqlClient;
  let sqlDescription: string;
  if (config.databaseUrl) {
    sql = createPgClient({ connectionString: config.databaseUrl, applicationName: `chorus:${config.nodeId}`, max: config.pgPoolSize, prepareStatements: config.pgPrepare, logger });
    sqlDescription = `PostgreSQL at ${redact(config.databaseUrl)}`;
  } else {
    lock = lockDataDir(config.dataDir);
    try {
      // In a worker thread: PGlite's statements run synchronously and would stall the event loop.
      sql = await createPgliteThreadClient(join(config.dataDir, 'pglite'));
    } catch (error) {
      lock.release();
      throw error;
    }
    sqlDescription = `PGlite in ${config.dataDir} (embedded)`;
  }

  try {
    let events: EventStore;
    let eventsDescription: string;
    if (config.esdbUrl) {
      const { EventStoreDbEventStore } = await import('../gateways/event-store/eventstoredb/store.js');
      events = await EventStoreDbEventStore.connect(config.esdbUrl, { logger });
      eventsDescription = `KurrentDB/EventStoreDB at ${redact(config.esdbUrl)}`;
    } else {
      // One append transaction in flight; the appends arriving meanwhile go together in the next
      // one. Each transaction costs Postgres a commit (several times an append's own work), so
      // under load this cuts Postgres's CPU per append by about a third, and a lone writer never waits.
      events = await PostgresEventStore.open(sql, { logger, appendConcurrency: APPEND_CONCURRENCY });
      eventsDescription = sqlDescription;
    }
    const cache: Cache = config.redisUrl ? new RedisCache({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, logger }) : new MemoryCache();
    const cacheDescription = config.redisUrl ? `Redis at ${redact(config.redisUrl)}` : 'in process';
    return {
      sql,
      events,
      cache,
      description: `events: ${eventsDescription}; read models: ${sqlDescription}; cache: ${cacheDescription}`,
      async close() {
        await events.close();
        await cache.close();
        await sql.close();
        lock?.release();
      },
    };
  } catch (error) {
    await sql.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}

/** Hides the password of a connection URL in logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
