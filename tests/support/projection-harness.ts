/**
 * Read models under test: an event store on a fresh Postgres database or an in-memory PGlite,
 * domain events appended through it, and the real projection machinery (Projections, with the
 * cache port in memory) run until it has caught up with the head.
 */
import { pino } from 'pino';
import type { DomainEvent } from '../../domain/shared/decider.js';
import { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { NewEvent, Position } from '../../gateways/event-store/port.js';
import { uuidv7 } from '../../gateways/event-store/uuid.js';
import { MemoryCache } from '../../gateways/cache/memory.js';
import { createPgClient } from '../../gateways/sql/pg.js';
import { createPgliteClient } from '../../gateways/sql/pglite.js';
import type { SqlClient } from '../../gateways/sql/port.js';
import { Projections, rebuildProjection, type ProjectionsDeps } from '../../projections/manager.js';
import type { Projection } from '../../projections/projection.js';
import { createTestDatabase } from './postgres.js';

export type Backend = 'postgres' | 'pglite';
export const BACKENDS: readonly Backend[] = ['postgres', 'pglite'];

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface ReadModelHarness {
  sql: SqlClient;
  store: PostgresEventStore;
  /** Appends domain events to `stream` (ids chosen here); the position of the last one. */
  append(stream: string, events: readonly DomainEvent[]): Promise<Position>;
  /** Starts the projections; `caughtUp` resolves once they reflect everything appended (so far). */
  run(projections: readonly Projection[], options?: { batchSize?: number }): Promise<Running>;
  /** Runs the projections until they have caught up, then stops them. */
  catchUp(projections: readonly Projection[], options?: { batchSize?: number }): Promise<void>;
  /** Builds a new generation of `projection` from the first event; the views then point at it. */
  rebuild(projection: Projection, options?: { batchSize?: number }): Promise<void>;
  close(): Promise<void>;
}

export interface Running {
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function openHarness(backend: Backend, label: string): Promise<ReadModelHarness> {
  let sql: SqlClient;
  let dropDatabase = async (): Promise<void> => undefined;
  if (backend === 'postgres') {
    const db = await createTestDatabase(label);
    sql = createPgClient({ connectionString: db.url, max: 5 });
    dropDatabase = () => db.drop();
  } else {
    sql = await createPgliteClient();
  }
  const store = await PostgresEventStore.open(sql);
  const cache = new MemoryCache();
  // What was appended last: headPosition() can stand below it while any transaction of the
  // server (even in another database) is older than the append, so tests wait for this.
  let last: Position | undefined;
  const deps = (batchSize?: number): ProjectionsDeps => ({ store, sql, cache, logger, pollMs: 60_000, retiredGraceMs: 0, ...(batchSize ? { batchSize } : {}) });

  const run = async (projections: readonly Projection[], options: { batchSize?: number } = {}): Promise<Running> => {
    const manager = new Projections(deps(options.batchSize), projections);
    await manager.start();
    return {
      caughtUp: async () => manager.waitFor(manager.names, last ?? (await store.headPosition()), 20_000),
      stop: () => manager.stop(),
    };
  };

  const catchUp = async (projections: readonly Projection[], options: { batchSize?: number } = {}): Promise<void> => {
    const running = await run(projections, options);
    try {
      await running.caughtUp();
    } finally {
      await running.stop();
    }
  };

  return {
    sql,
    store,
    async append(stream, events) {
      const batch: NewEvent[] = events.map((e) => ({ id: uuidv7(), type: e.type, data: e.data as NewEvent['data'] }));
      const { position } = await store.append(stream, batch);
      if (last === undefined || store.comparePositions(position, last) > 0) last = position;
      return position;
    },
    run,
    catchUp,
    async rebuild(projection, options = {}) {
      await rebuildProjection(deps(options.batchSize), projection);
      // The rebuild stops at the head it saw (see `last`); the live runner takes it from there.
      await catchUp([projection], options);
    },
    async close() {
      await store.close();
      await sql.close();
      await dropDatabase();
    },
  };
}
