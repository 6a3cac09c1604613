/**
 * A Chorus node as `npm start` composes it (app/main.ts, app/storage.ts), with production
 * defaults: one SQL client (pool of 20) shared by the event store and the projections, the store
 * with its default page size, Redis for the cache projections (under a key prefix of this run),
 * and every projection of allProjections with its default batch size. Only the timing wrappers
 * of phases.ts are added.
 */
import { pino } from 'pino';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import { RedisCache } from '../../gateways/cache/redis.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { allProjections } from '../../projections/index.js';
import { Projections } from '../../projections/manager.js';
import { TEST_REDIS_URL } from '../../tests/support/redis.js';
import { instrument, type Phases } from './phases.js';

export interface ChorusNode {
  sql: SqlClient;
  store: PostgresEventStore;
  projections: Projections;
  phases: Phases;
  close(): Promise<void>;
}

export async function openNode(url: string, redisKeyPrefix: string): Promise<ChorusNode> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const sql = createPgClient({ connectionString: url, applicationName: 'chorus-bench-node', logger });
  const store = await PostgresEventStore.open(sql, { logger });
  const cache = new RedisCache({ url: TEST_REDIS_URL, keyPrefix: redisKeyPrefix, logger });
  const phases = instrument(store, sql, cache, allProjections);
  const projections = new Projections({ store, sql, cache, logger }, phases.projections);
  return {
    sql,
    store,
    projections,
    phases,
    async close() {
      await projections.stop();
      await store.close();
      await cache.close();
      await sql.close();
    },
  };
}
