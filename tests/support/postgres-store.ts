/**
 * A file's Postgres event store: a fresh test database, a pg client on it and our event store,
 * made before the file's tests and dropped after them. Read its fields inside tests (they are set
 * in beforeAll).
 */
import { afterAll, beforeAll } from 'vitest';
import { PostgresEventStore, type PostgresEventStoreOptions } from '../../gateways/event-store/postgres/store.js';
import { createPgClient, type PgClientOptions } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface PostgresStoreWorld {
  db: TestDatabase;
  sql: SqlClient;
  store: PostgresEventStore;
}

export function usePostgresStore(label: string, options: { client?: Omit<PgClientOptions, 'connectionString'>; store?: PostgresEventStoreOptions } = {}): PostgresStoreWorld {
  const world = {} as PostgresStoreWorld;
  beforeAll(async () => {
    world.db = await createTestDatabase(label);
    world.sql = createPgClient({ ...options.client, connectionString: world.db.url });
    world.store = await PostgresEventStore.open(world.sql, options.store);
  });
  afterAll(async () => {
    await world.store?.close();
    await world.sql?.close();
    await world.db?.drop();
  });
  return world;
}
